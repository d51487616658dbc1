package api

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// CodeQueryTooComplex is the extensions.code of a document refused by a query limit (tokens, depth,
// aliases, directives, cost). extensions.limit names the limit and extensions.max its value.
const CodeQueryTooComplex = "QUERY_TOO_COMPLEX"

// Defaults of the query limits.
const (
	DefaultMaxDepth      = 15
	DefaultMaxAliases    = 30
	DefaultMaxDirectives = 5
	DefaultMaxCost       = 10000
)

// Limits bound the work one GraphQL document may ask for.
type Limits struct {
	// Tokens caps the lexical tokens of a document.
	Tokens int
	// Depth caps how deeply fields nest, fragments expanded.
	Depth int
	// Aliases caps the aliased fields written in a document.
	Aliases int
	// Directives caps the directives on one field, fragment spread or inline fragment.
	Directives int
	// Cost caps the estimated cost of an operation: every field costs 1, and the selection under a
	// connection counts once per requested row (first/last, default 20), and under nodes(ids) once
	// per ID.
	Cost int
}

// limitsExtension checks every document against Limits before gqlgen validates it. gqlparser's
// validator and gqlgen's complexity walker expand fragment spreads without memoisation, so a
// document of doubling spreads (fragment F1 { ...F0 ...F0 }, F2 { ...F1 ...F1 }, …) makes them take
// exponential time; this walk visits every fragment once and so rejects such a document in time
// linear in its size, before they ever see it. Documents found in the query cache have passed
// validation and these checks; their cost is recomputed because it depends on the variables.
type limitsExtension struct {
	limits Limits
	schema *ast.Schema
	cache  graphql.Cache[*ast.QueryDocument]
	// introspection is false in prod: __schema and __type are refused here with a clear error
	// (gqlgen's own refusal at execution looks like an internal error).
	introspection bool
}

var (
	_ graphql.HandlerExtension          = limitsExtension{}
	_ graphql.OperationParameterMutator = limitsExtension{}
)

func (limitsExtension) ExtensionName() string                   { return "QueryLimits" }
func (limitsExtension) Validate(graphql.ExecutableSchema) error { return nil }
func (l limitsExtension) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil // gqlgen reports the missing query (or an APQ miss)
	}
	doc, ok := l.cache.Get(ctx, p.Query)
	if !ok {
		// Brackets can nest at most Depth selection sets, an argument list and Depth levels of
		// value; three times Depth is beyond any document the depth limit would allow.
		switch tooMany, tooDeep := scan(p.Query, l.limits.Tokens, 3*l.limits.Depth); {
		case tooMany:
			return tooComplex(nil, "tokens", l.limits.Tokens, "the document has more than %d tokens", l.limits.Tokens)
		case tooDeep:
			return tooComplex(nil, "depth", l.limits.Depth, "the document nests brackets more than %d levels deep; the depth limit is %d", 3*l.limits.Depth, l.limits.Depth)
		}
		var err error
		doc, err = parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.limits.Tokens)
		if err != nil {
			var gqlErr *gqlerror.Error
			if !errors.As(err, &gqlErr) {
				gqlErr = gqlerror.Errorf("%s", err)
			}
			errcode.Set(gqlErr, errcode.ParseFailed)
			return gqlErr
		}
	}
	if !l.introspection {
		if err := noIntrospection(doc); err != nil {
			return err
		}
	}
	return checkDocument(l.schema, doc, p.Variables, l.limits)
}

// noIntrospection refuses __schema and __type anywhere in the document; __typename stays allowed.
func noIntrospection(doc *ast.QueryDocument) *gqlerror.Error {
	var walk func(ast.SelectionSet) *gqlerror.Error
	walk = func(set ast.SelectionSet) *gqlerror.Error {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Name == "__schema" || s.Name == "__type" {
					e := gqlerror.ErrorPosf(s.Position, "introspection is disabled on this server")
					errcode.Set(e, errcode.ValidationFailed)
					return e
				}
				if err := walk(s.SelectionSet); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := walk(s.SelectionSet); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, op := range doc.Operations {
		if err := walk(op.SelectionSet); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := walk(f.SelectionSet); err != nil {
			return err
		}
	}
	return nil
}

// scan lexes src once, stopping early, and reports whether it has more than limit tokens or nests
// brackets more than maxNest deep. A lexical error ends the scan: the parser reports it.
// Refusing here is cheaper than a parse that runs into the limit (the parser builds the tree up
// to it, and recursion on 2,000 nested lists takes milliseconds).
func scan(src string, limit, maxNest int) (tooMany, tooDeep bool) {
	lx := lexer.New(&ast.Source{Input: src})
	nest := 0
	for n := 0; ; n++ {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return false, false
		}
		if n >= limit {
			return true, false
		}
		switch tok.Kind {
		case lexer.BraceL, lexer.BracketL, lexer.ParenL:
			if nest++; nest > maxNest {
				return false, true
			}
		case lexer.BraceR, lexer.BracketR, lexer.ParenR:
			nest--
		}
	}
}

func tooComplex(pos *ast.Position, limit string, maxValue int, format string, args ...any) *gqlerror.Error {
	e := gqlerror.ErrorPosf(pos, format, args...)
	e.Extensions = map[string]any{"code": CodeQueryTooComplex, "limit": limit, "max": maxValue}
	return e
}

// costCeiling is where cost arithmetic saturates, far above any limit and far below overflow: a
// huge first never wraps around to a small cost.
const costCeiling = math.MaxInt64 / 4

func addCost(a, b int64) int64 {
	if a >= costCeiling-b {
		return costCeiling
	}
	return a + b
}

func mulCost(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > costCeiling/b {
		return costCeiling
	}
	return a * b
}

// measure is what a selection set asks for: how deep it nests and what it costs.
type measure struct {
	depth int
	cost  int64
}

// checker walks one document. Fragments are measured once each (memo) and a spread of a fragment
// that is still being measured is a cycle, so the walk is linear in the document.
type checker struct {
	schema  *ast.Schema
	vars    map[string]any
	limits  Limits
	opVars  ast.VariableDefinitionList
	frags   map[string]*ast.FragmentDefinition
	memo    map[string]measure
	active  map[string]bool
	aliases int
}

// checkDocument enforces the limits on every operation and fragment of doc with the request's raw
// variables (not yet coerced: a variable that is not a valid Int counts as the largest page size,
// and validation rejects it later).
func checkDocument(schema *ast.Schema, doc *ast.QueryDocument, vars map[string]any, limits Limits) *gqlerror.Error {
	c := &checker{
		schema: schema, vars: vars, limits: limits,
		frags:  make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		memo:   make(map[string]measure, len(doc.Fragments)),
		active: make(map[string]bool),
	}
	for _, f := range doc.Fragments {
		if _, dup := c.frags[f.Name]; !dup {
			c.frags[f.Name] = f
		}
	}
	// Fragments are checked even when no operation uses them: the validator walks them too.
	for _, f := range doc.Fragments {
		m, err := c.fragment(f.Name, f.Position)
		if err != nil {
			return err
		}
		if err := c.check(m, f.Position); err != nil {
			return err
		}
	}
	for _, op := range doc.Operations {
		if err := c.directives(op.Directives, op.Position); err != nil {
			return err
		}
		c.opVars = op.VariableDefinitions
		for _, v := range op.VariableDefinitions {
			typeDepth := 0
			for t := v.Type; t != nil && t.Elem != nil && typeDepth <= limits.Depth; t = t.Elem {
				typeDepth++
			}
			if typeDepth > limits.Depth || valueDepth(v.DefaultValue, limits.Depth+1) > limits.Depth {
				return tooComplex(v.Position, "depth", limits.Depth, "variable $%s nests more than %d levels deep; the limit is %d", v.Variable, limits.Depth, limits.Depth)
			}
		}
		m, err := c.selectionSet(op.SelectionSet, rootType(schema, op.Operation))
		if err != nil {
			return err
		}
		if err := c.check(m, op.Position); err != nil {
			return err
		}
	}
	return nil
}

func rootType(s *ast.Schema, op ast.Operation) *ast.Definition {
	if s == nil {
		return nil
	}
	switch op {
	case ast.Mutation:
		return s.Mutation
	case ast.Subscription:
		return s.Subscription
	}
	return s.Query
}

func (c *checker) check(m measure, pos *ast.Position) *gqlerror.Error {
	switch {
	case m.depth > c.limits.Depth:
		return tooComplex(pos, "depth", c.limits.Depth, "the query nests %d levels deep; the limit is %d", m.depth, c.limits.Depth)
	case m.cost > int64(c.limits.Cost):
		cost := strconv.FormatInt(m.cost, 10)
		if m.cost >= costCeiling {
			cost = "more than " + strconv.FormatInt(costCeiling, 10)
		}
		return tooComplex(pos, "cost", c.limits.Cost, "the query costs %s; the limit is %d (every field costs 1; a connection's selection counts once per requested row)", cost, c.limits.Cost)
	}
	return nil
}

func (c *checker) directives(list ast.DirectiveList, pos *ast.Position) *gqlerror.Error {
	if len(list) > c.limits.Directives {
		return tooComplex(pos, "directives", c.limits.Directives, "%d directives on one selection; the limit is %d", len(list), c.limits.Directives)
	}
	return nil
}

// values refuses argument values (lists, input objects) nested deeper than the depth limit:
// gqlparser's validator takes time quadratic in that nesting (2,000 nested lists, 4 KB: 9 ms).
func (c *checker) values(args ast.ArgumentList, dirs ast.DirectiveList) *gqlerror.Error {
	check := func(args ast.ArgumentList) *gqlerror.Error {
		for _, a := range args {
			if d := valueDepth(a.Value, c.limits.Depth+1); d > c.limits.Depth {
				return tooComplex(a.Position, "depth", c.limits.Depth, "the value of %s nests more than %d levels deep; the limit is %d", a.Name, c.limits.Depth, c.limits.Depth)
			}
		}
		return nil
	}
	if err := check(args); err != nil {
		return err
	}
	for _, d := range dirs {
		if err := check(d.Arguments); err != nil {
			return err
		}
	}
	return nil
}

// valueDepth is how deeply lists and objects nest in v, counted up to stop.
func valueDepth(v *ast.Value, stop int) int {
	if v == nil || (v.Kind != ast.ListValue && v.Kind != ast.ObjectValue) {
		return 0
	}
	if stop <= 0 {
		return 1
	}
	deepest := 0
	for _, child := range v.Children {
		deepest = max(deepest, valueDepth(child.Value, stop-1))
		if deepest >= stop {
			break
		}
	}
	return deepest + 1
}

func (c *checker) fragment(name string, pos *ast.Position) (measure, *gqlerror.Error) {
	if m, ok := c.memo[name]; ok {
		return m, nil
	}
	f := c.frags[name]
	if f == nil {
		return measure{}, nil // unknown fragment: validation reports it
	}
	if c.active[name] {
		e := gqlerror.ErrorPosf(pos, "fragment %s spreads itself", name)
		errcode.Set(e, errcode.ValidationFailed)
		return measure{}, e
	}
	c.active[name] = true
	if err := c.directives(f.Directives, f.Position); err != nil {
		return measure{}, err
	}
	m, err := c.selectionSet(f.SelectionSet, c.typeNamed(f.TypeCondition))
	if err != nil {
		return measure{}, err
	}
	delete(c.active, name)
	c.memo[name] = m
	return m, nil
}

func (c *checker) typeNamed(name string) *ast.Definition {
	if c.schema == nil || name == "" {
		return nil
	}
	return c.schema.Types[name]
}

func (c *checker) selectionSet(set ast.SelectionSet, parent *ast.Definition) (measure, *gqlerror.Error) {
	var total measure
	for _, sel := range set {
		var m measure
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != s.Name {
				c.aliases++
				if c.aliases > c.limits.Aliases {
					return measure{}, tooComplex(s.Position, "aliases", c.limits.Aliases, "more than %d aliases in the document; the limit is %d", c.limits.Aliases, c.limits.Aliases)
				}
			}
			if err := c.directives(s.Directives, s.Position); err != nil {
				return measure{}, err
			}
			if err := c.values(s.Arguments, s.Directives); err != nil {
				return measure{}, err
			}
			var def *ast.FieldDefinition
			if parent != nil {
				def = parent.Fields.ForName(s.Name)
			}
			var child *ast.Definition
			if def != nil {
				child = c.typeNamed(def.Type.Name())
			}
			sub, err := c.selectionSet(s.SelectionSet, child)
			if err != nil {
				return measure{}, err
			}
			rows, err := c.rows(s, def)
			if err != nil {
				return measure{}, err
			}
			m = measure{depth: sub.depth + 1, cost: addCost(1, mulCost(rows, sub.cost))}
		case *ast.InlineFragment:
			if err := c.directives(s.Directives, s.Position); err != nil {
				return measure{}, err
			}
			typ := parent
			if s.TypeCondition != "" {
				typ = c.typeNamed(s.TypeCondition)
			}
			var err *gqlerror.Error
			if m, err = c.selectionSet(s.SelectionSet, typ); err != nil {
				return measure{}, err
			}
		case *ast.FragmentSpread:
			if err := c.directives(s.Directives, s.Position); err != nil {
				return measure{}, err
			}
			var err *gqlerror.Error
			if m, err = c.fragment(s.Name, s.Position); err != nil {
				return measure{}, err
			}
		}
		total.depth = max(total.depth, m.depth)
		total.cost = addCost(total.cost, m.cost)
	}
	return total, nil
}

// rows is how many times a field's selection is resolved: first/last (default 20) for a
// connection, the number of IDs for nodes(ids), else 1. It is never below 1, so a first: 0 cannot
// hide an expensive selection from the limit. first and last beyond the page size are refused here,
// before any work, as they would be at execution.
func (c *checker) rows(f *ast.Field, def *ast.FieldDefinition) (int64, *gqlerror.Error) {
	if def == nil {
		return 1, nil
	}
	if def.Arguments.ForName("first") == nil && def.Arguments.ForName("last") == nil {
		if def.Arguments.ForName("ids") != nil && def.Type.Elem != nil {
			if a := f.Arguments.ForName("ids"); a != nil {
				n := c.listLen(a.Value)
				if n > relay.MaxPageSize {
					e := gqlerror.ErrorPosf(a.Position, "at most %d ids at once, got %d", relay.MaxPageSize, n)
					e.Extensions = map[string]any{"code": string(market.CodeBadUserInput), "field": "ids"}
					return 0, e
				}
				return max(1, int64(n)), nil
			}
		}
		return 1, nil
	}
	rows := int64(0)
	for _, name := range []string{"first", "last"} {
		a := f.Arguments.ForName(name)
		if a == nil {
			continue
		}
		n, ok := c.intValue(a.Value)
		if !ok {
			n = relay.MaxPageSize // not an Int: validation or coercion rejects it
		}
		if n < 0 || n > relay.MaxPageSize {
			e := gqlerror.ErrorPosf(a.Position, "%s must be between 0 and %d, got %d", name, relay.MaxPageSize, n)
			e.Extensions = map[string]any{"code": string(market.CodeBadUserInput), "field": name}
			return 0, e
		}
		rows = max(rows, n)
	}
	if f.Arguments.ForName("first") == nil && f.Arguments.ForName("last") == nil {
		rows = relay.DefaultPageSize
	}
	return max(1, rows), nil
}

// intValue resolves an argument to an integer: a literal, or a variable from the request (or its
// default). Absent or null means the page-size default. ok is false for anything that is not an
// integer; an integer too large for int64 saturates.
func (c *checker) intValue(v *ast.Value) (int64, bool) {
	if v == nil {
		return relay.DefaultPageSize, true
	}
	switch v.Kind {
	case ast.IntValue:
		return parseInt(v.Raw)
	case ast.NullValue:
		return relay.DefaultPageSize, true
	case ast.Variable:
		raw, present := c.vars[v.Raw]
		if !present {
			if d := c.opVars.ForName(v.Raw); d != nil && d.DefaultValue != nil {
				return c.intValue(d.DefaultValue)
			}
			return relay.DefaultPageSize, true
		}
		switch x := raw.(type) {
		case nil:
			return relay.DefaultPageSize, true
		case json.Number:
			return parseInt(x.String())
		case float64:
			if x != math.Trunc(x) {
				return 0, false
			}
			if math.Abs(x) > 1e18 {
				return int64(math.Copysign(1e18, x)), true
			}
			return int64(x), true
		case int:
			return int64(x), true
		case int64:
			return x, true
		}
	}
	return 0, false
}

func parseInt(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			if len(s) > 0 && s[0] == '-' {
				return math.MinInt64, true
			}
			return math.MaxInt64, true
		}
		return 0, false
	}
	return n, true
}

// listLen is the length of a list argument, literal or from a variable.
func (c *checker) listLen(v *ast.Value) int {
	if v == nil {
		return 0
	}
	switch v.Kind {
	case ast.ListValue:
		return len(v.Children)
	case ast.Variable:
		if l, ok := c.vars[v.Raw].([]any); ok {
			return len(l)
		}
	}
	return 1
}

// limitError reports whether a gqlgen error came from a query limit.
func limitError(err *gqlerror.Error) bool {
	code, _ := err.Extensions["code"].(string)
	return code == CodeQueryTooComplex
}
