package ws

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// shapeOf names how a subscription renders its events: two subscriptions with the same shape
// render the same event to the same bytes, so one rendering serves both. It covers the root
// field's alias, directives and selection set (with the document's fragments) and the values of
// the variables used there, plus the viewer (share) — but not the root field's arguments, which
// choose the events (a filter, a resume cursor) rather than how each renders. Two gig-alert
// consumers with different filters that ask for the same fields share their renderings.
//
// used is selectionVars(rc). It returns "" (do not share) for anything but a single root field.
func shapeOf(rc *graphql.OperationContext, used map[string]bool, share string) string {
	op := rc.Operation
	if op == nil || len(op.SelectionSet) != 1 {
		return ""
	}
	root, ok := op.SelectionSet[0].(*ast.Field)
	if !ok {
		return ""
	}
	bare := *root
	bare.Arguments = nil
	doc := &ast.QueryDocument{
		Operations: ast.OperationList{{Operation: op.Operation, Directives: op.Directives, SelectionSet: ast.SelectionSet{&bare}}},
		Fragments:  rc.Doc.Fragments,
	}
	var sb strings.Builder
	formatter.NewFormatter(&sb).FormatQueryDocument(doc)

	names := make([]string, 0, len(used))
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	vars := make([]any, 0, 2*len(names))
	for _, n := range names {
		vars = append(vars, n, rc.Variables[n])
	}
	b, err := json.Marshal(vars)
	if err != nil {
		return ""
	}
	h := sha256.New()
	h.Write([]byte(sb.String()))
	h.Write([]byte{0})
	h.Write(b)
	h.Write([]byte{0})
	h.Write([]byte(share))
	return hex.EncodeToString(h.Sum(nil))
}

// selectionVars returns the variables that a single-root-field operation uses anywhere but in the
// root field's arguments (which are evaluated once, when the subscription starts): in its
// directives, its selection set and the fragments it spreads. nil when the operation is not a
// single root field.
func selectionVars(rc *graphql.OperationContext) map[string]bool {
	op := rc.Operation
	if op == nil || len(op.SelectionSet) != 1 {
		return nil
	}
	root, ok := op.SelectionSet[0].(*ast.Field)
	if !ok {
		return nil
	}
	used := map[string]bool{}
	v := varWalker{doc: rc.Doc, used: used, seen: map[string]bool{}}
	v.directives(op.Directives)
	v.directives(root.Directives)
	v.selections(root.SelectionSet)
	return used
}

// varWalker collects the variables a selection set uses, through fragments.
type varWalker struct {
	doc  *ast.QueryDocument
	used map[string]bool
	seen map[string]bool // fragments walked
}

func (w varWalker) selections(set ast.SelectionSet) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				w.value(a.Value)
			}
			w.directives(s.Directives)
			w.selections(s.SelectionSet)
		case *ast.InlineFragment:
			w.directives(s.Directives)
			w.selections(s.SelectionSet)
		case *ast.FragmentSpread:
			w.directives(s.Directives)
			if w.seen[s.Name] {
				continue
			}
			w.seen[s.Name] = true
			if f := w.doc.Fragments.ForName(s.Name); f != nil {
				w.directives(f.Directives)
				w.selections(f.SelectionSet)
			}
		}
	}
}

func (w varWalker) directives(ds ast.DirectiveList) {
	for _, d := range ds {
		for _, a := range d.Arguments {
			w.value(a.Value)
		}
	}
}

func (w varWalker) value(v *ast.Value) {
	if v == nil {
		return
	}
	if v.Kind == ast.Variable {
		w.used[v.Raw] = true
	}
	for _, c := range v.Children {
		w.value(c.Value)
	}
}
