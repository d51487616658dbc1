package api

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/gigraph/gigraph/graph"
)

func bomb(n int) string {
	var b strings.Builder
	b.WriteString("query { ...F" + fmt.Sprint(n) + " }\nfragment F0 on Query { __typename }\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

func TestMeasureBomb(t *testing.T) {
	es := graph.NewExecutableSchema(graph.Config{})
	for _, n := range []int{8, 18, 30, 60} {
		src := bomb(n)
		doc, err := parser.ParseQuery(&ast.Source{Input: src})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		errs := checkDocument(es.Schema(), doc, nil, Limits{Tokens: 5000, Depth: 15, Aliases: 30, Directives: 5, Cost: 10000})
		mine := time.Since(start)
		start = time.Now()
		verrs := validator.ValidateWithRules(es.Schema(), doc, validationRules())
		val := time.Since(start)
		var c int
		var cx time.Duration
		if n <= 18 {
			start = time.Now()
			c = complexity.Calculate(t.Context(), es, doc.Operations[0], nil)
			cx = time.Since(start)
		}
		t.Logf("n=%d bytes=%d mine=%v (%v) validate=%v (%d errs) gqlgen-complexity=%v (%d)", n, len(src), mine, errs != nil, val, len(verrs), cx, c)
	}
}

func TestMeasureWide(t *testing.T) {
	es := graph.NewExecutableSchema(graph.Config{})
	docs := map[string]string{
		"typename x4000":     "{" + strings.Repeat(" __typename", 4000) + " }",
		"skills conflicting": "{" + strings.Repeat(" skills(first: 1) { totalCount } skills(first: 2) { totalCount }", 250) + " }",
		"frag x spreads":     "query { " + strings.Repeat("...A ", 2000) + "} fragment A on Query { skills { totalCount } }",
		"frag pairs": "query { " + func() string {
			var b strings.Builder
			for i := 0; i < 300; i++ {
				fmt.Fprintf(&b, "...A%d ", i)
			}
			for i := 0; i < 300; i++ {
				fmt.Fprintf(&b, "} fragment A%d on Query { skills(first: %d) { totalCount } ", i, i%100)
			}
			return b.String()
		}() + "}",
	}
	for name, src := range docs {
		doc, err := parser.ParseQuery(&ast.Source{Input: src})
		if err != nil {
			t.Fatal(name, err)
		}
		start := time.Now()
		errs := checkDocument(es.Schema(), doc, nil, Limits{Tokens: 5000, Depth: 15, Aliases: 30, Directives: 5, Cost: 10000})
		mine := time.Since(start)
		start = time.Now()
		verrs := validator.ValidateWithRules(es.Schema(), doc, validationRules())
		t.Logf("%s: bytes=%d mine=%v (%v) validate=%v (%d errs)", name, len(src), mine, errs, time.Since(start), len(verrs))
	}
}

func TestMeasureNested(t *testing.T) {
	es := graph.NewExecutableSchema(graph.Config{})
	for _, w := range []int{5, 10, 15, 21} {
		inner := "freelancer {" + strings.Repeat(" __typename", w) + " }"
		mid := "viewer {" + strings.Repeat(" "+inner, w) + " }"
		src := "{" + strings.Repeat(" "+mid, w) + " }"
		doc, err := parser.ParseQuery(&ast.Source{Input: src})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		errs := checkDocument(es.Schema(), doc, nil, Limits{Tokens: 5000, Depth: 15, Aliases: 30, Directives: 5, Cost: 10000})
		mine := time.Since(start)
		start = time.Now()
		verrs := validator.ValidateWithRules(es.Schema(), doc, validationRules())
		t.Logf("w=%d bytes=%d mine=%v (%v) validate=%v (%d errs)", w, len(src), mine, errs, time.Since(start), len(verrs))
	}
}
