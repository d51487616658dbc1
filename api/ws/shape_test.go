package ws

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func shapeFor(t *testing.T, query string, vars map[string]any, viewer string) string {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatal(err)
	}
	rc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: vars}
	return shapeOf(rc, selectionVars(rc), viewer)
}

func TestShapeOf(t *testing.T) {
	base := shapeFor(t, `subscription { gigPosted { cursor project { title } } }`, nil, "")
	if base == "" {
		t.Fatal("no shape for a single root field")
	}
	same := []struct {
		name, query string
		vars        map[string]any
	}{
		{"literal filter", `subscription { gigPosted(filter: {skills: ["go"]}) { cursor project { title } } }`, nil},
		{"filter variable", `subscription S($f: GigFilter, $a: String) { gigPosted(filter: $f, after: $a) { cursor project { title } } }`,
			map[string]any{"f": map[string]any{"countries": []any{"NL"}}, "a": "abc"}},
		{"other filter value", `subscription S($f: GigFilter, $a: String) { gigPosted(filter: $f, after: $a) { cursor project { title } } }`,
			map[string]any{"f": map[string]any{"remote": true}}},
		{"variable used nowhere else", `subscription($f: GigFilter, $unused: Int) { gigPosted(filter: $f) { cursor project { title } } }`,
			map[string]any{"unused": 3}},
	}
	for _, tc := range same {
		if got := shapeFor(t, tc.query, tc.vars, ""); got != base {
			t.Errorf("%s: shape differs from the unfiltered subscription's; root arguments choose events, not renderings", tc.name)
		}
	}
	differ := []struct {
		name, query string
		vars        map[string]any
		viewer      string
	}{
		{"another viewer", `subscription { gigPosted { cursor project { title } } }`, nil, "42"},
		{"more fields", `subscription { gigPosted { cursor project { title id } } }`, nil, ""},
		{"an alias", `subscription { g: gigPosted { cursor project { title } } }`, nil, ""},
		{"a nested alias", `subscription { gigPosted { cursor project { name: title } } }`, nil, ""},
		{"a nested argument", `subscription { gigPosted { cursor project { title skills(first: 2) { totalCount } } } }`, nil, ""},
		{"a directive", `subscription($x: Boolean!) { gigPosted { cursor @include(if: $x) project { title } } }`, map[string]any{"x": true}, ""},
	}
	seen := map[string]string{base: "base"}
	for _, tc := range differ {
		got := shapeFor(t, tc.query, tc.vars, tc.viewer)
		if prev, dup := seen[got]; dup {
			t.Errorf("%s: same shape as %s", tc.name, prev)
		}
		seen[got] = tc.name
	}

	// Variables used inside the selection are part of the shape, by value, through fragments too.
	q := `subscription($n: Int, $f: GigFilter) { gigPosted(filter: $f) { ...E } }
fragment E on GigEvent { cursor project { skills(first: $n) { totalCount } } }`
	a := shapeFor(t, q, map[string]any{"n": 2, "f": map[string]any{"remote": true}}, "")
	b := shapeFor(t, q, map[string]any{"n": 2}, "")
	c := shapeFor(t, q, map[string]any{"n": 3}, "")
	if a != b {
		t.Error("a variable used only by the root arguments changed the shape")
	}
	if a == c {
		t.Error("a variable used in the selection (through a fragment) did not change the shape")
	}
	if shapeFor(t, `subscription { a: gigPosted { cursor } b: gigPosted { cursor } }`, nil, "") != "" {
		t.Error("two root fields got a shape; only single-field operations are shared")
	}
}
