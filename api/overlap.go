package api

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// validationRules are gqlparser's rules with OverlappingFieldsCanBeMerged replaced by
// fieldsCanMerge. gqlparser's version compares every pair of fields with the same response name
// and recurses into each pair's sub-selections, so repeating a field multiplies the work at every
// level: a 21 KB, 2,000-token document of 12 × viewer { 12 × freelancer { 12 × __typename } }
// took about 1 s to validate, 40 KB took 4 s, while costing only ~2,000 under the cost limit.
func validationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.RemoveRule(rules.OverlappingFieldsCanBeMergedRule.Name)
	r.AddRule("FieldsCanMerge", fieldsCanMerge)
	return r
}

// fieldsCanMerge checks the spec's "Field Selection Merging" rule in time linear in the size of
// the document with its fragments expanded (which the cost limit has bounded before validation
// runs): all fields with one response name in a selection set are compared with the first of
// them, not with each other, and their sub-selections are merged into one set and checked once,
// instead of once per pair. A fragment spread twice into the same selection set is expanded once.
//
// It is as strict as the spec for fields on the same parent type (same field, same arguments, same
// response shape) and checks only the response shape for fields on different object types, as the
// spec does; below such a pair it stays lenient (shape only), where the spec would again compare
// names and arguments of fields whose parents coincide. What it lets through, the executor
// resolves with the first field's arguments; nothing unsafe follows.
func fieldsCanMerge(observers *core.Events, addError core.AddErrFunc) {
	observers.OnOperation(func(walker *core.Walker, op *ast.OperationDefinition) {
		m := &merger{schema: walker.Schema, frags: make(map[string]*ast.FragmentDefinition, len(walker.Document.Fragments)), addError: addError}
		for _, f := range walker.Document.Fragments {
			if _, dup := m.frags[f.Name]; !dup {
				m.frags[f.Name] = f
			}
		}
		m.check(m.collect([]selection{{set: op.SelectionSet, parent: rootType(walker.Schema, op.Operation)}}), false, 0)
	})
}

// maxMergeDepth stops the walk in a document with a fragment cycle, which the limits check rejects
// before validation anyway.
const maxMergeDepth = 100

type merger struct {
	schema   *ast.Schema
	frags    map[string]*ast.FragmentDefinition
	addError core.AddErrFunc
	reported int
}

// selection is a selection set with the type it selects on.
type selection struct {
	set    ast.SelectionSet
	parent *ast.Definition
}

// fieldRef is a field with its parent type and definition (nil when unknown: validation reports
// unknown fields elsewhere).
type fieldRef struct {
	field  *ast.Field
	parent *ast.Definition
	def    *ast.FieldDefinition
}

type fieldGroups struct {
	order  []string
	byName map[string][]fieldRef
}

// collect gathers the fields of several selection sets, which together form one merged set,
// grouped by response name, with fragments expanded once each.
func (m *merger) collect(sets []selection) fieldGroups {
	g := fieldGroups{byName: map[string][]fieldRef{}}
	seen := map[string]bool{}
	var walk func(set ast.SelectionSet, parent *ast.Definition)
	walk = func(set ast.SelectionSet, parent *ast.Definition) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				ref := fieldRef{field: s, parent: parent}
				if parent != nil {
					ref.def = parent.Fields.ForName(s.Name)
				}
				if _, ok := g.byName[s.Alias]; !ok {
					g.order = append(g.order, s.Alias)
				}
				g.byName[s.Alias] = append(g.byName[s.Alias], ref)
			case *ast.InlineFragment:
				typ := parent
				if s.TypeCondition != "" {
					typ = m.schema.Types[s.TypeCondition]
				}
				walk(s.SelectionSet, typ)
			case *ast.FragmentSpread:
				if seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				if f := m.frags[s.Name]; f != nil {
					walk(f.SelectionSet, m.schema.Types[f.TypeCondition])
				}
			}
		}
	}
	for _, s := range sets {
		walk(s.set, s.parent)
	}
	return g
}

// check compares each group's fields with its first and then checks the merged sub-selections.
// exclusive is true below fields whose parents are different object types.
func (m *merger) check(g fieldGroups, exclusive bool, depth int) {
	if depth > maxMergeDepth {
		return // only a fragment cycle nests this deep; NoFragmentCycles reports it
	}
	for _, name := range g.order {
		refs := g.byName[name]
		first := refs[0]
		subExclusive := exclusive
		var subs []selection
		for i, r := range refs {
			if i > 0 {
				differentObjects := first.parent != nil && r.parent != nil && first.parent != r.parent &&
					first.parent.Kind == ast.Object && r.parent.Kind == ast.Object
				if differentObjects {
					subExclusive = true
				}
				if !m.compare(name, first, r, exclusive || differentObjects) {
					return // one error per set is enough; the rest would repeat it
				}
			}
			if len(r.field.SelectionSet) > 0 {
				var child *ast.Definition
				if r.def != nil {
					child = m.schema.Types[r.def.Type.Name()]
				}
				subs = append(subs, selection{set: r.field.SelectionSet, parent: child})
			}
		}
		if len(subs) > 0 {
			m.check(m.collect(subs), subExclusive, depth+1)
		}
	}
}

func (m *merger) compare(name string, a, b fieldRef, exclusive bool) bool {
	if !exclusive {
		if a.field.Name != b.field.Name {
			m.report(b.field, `Fields "%s" conflict because %s and %s are different fields. Use different aliases on the fields to fetch both if this was intentional.`, name, a.field.Name, b.field.Name)
			return false
		}
		if argsKey(a.field.Arguments) != argsKey(b.field.Arguments) {
			m.report(b.field, `Fields "%s" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional.`, name)
			return false
		}
	}
	if a.def != nil && b.def != nil && !m.sameShape(a.def.Type, b.def.Type) {
		m.report(b.field, `Fields "%s" conflict because they return conflicting types "%s" and "%s". Use different aliases on the fields to fetch both if this was intentional.`, name, a.def.Type.String(), b.def.Type.String())
		return false
	}
	return true
}

// sameShape reports whether two field types give responses of the same shape: the same list and
// non-null wrapping, and the same scalar or enum at the leaves (objects are compared field by
// field through their sub-selections).
func (m *merger) sameShape(a, b *ast.Type) bool {
	for {
		if a.NonNull != b.NonNull || (a.Elem == nil) != (b.Elem == nil) {
			return false
		}
		if a.Elem == nil {
			break
		}
		a, b = a.Elem, b.Elem
	}
	da, db := m.schema.Types[a.NamedType], m.schema.Types[b.NamedType]
	if da == nil || db == nil {
		return true
	}
	leafA := da.Kind == ast.Scalar || da.Kind == ast.Enum
	leafB := db.Kind == ast.Scalar || db.Kind == ast.Enum
	if leafA || leafB {
		return a.NamedType == b.NamedType
	}
	return true
}

// argsKey is a canonical form of an argument list for equality: order-independent, values as
// written (variables by name), like the spec's "identical arguments".
func argsKey(args ast.ArgumentList) string {
	if len(args) == 0 {
		return ""
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Name + ":" + a.Value.String()
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// report adds a validation error, at most a few per document so a document of many conflicts
// does not become a large response.
func (m *merger) report(f *ast.Field, format string, args ...any) {
	m.reported++
	if m.reported > 5 {
		return
	}
	m.addError(core.Message(format, args...), core.At(f.Position))
}
