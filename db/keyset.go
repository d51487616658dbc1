package db

import (
	"reflect"
	"strings"

	"github.com/lib/pq"

	"github.com/gigraph/gigraph/relay"
)

// Page is one page of a list: its rows in list order, whether more rows follow or precede, and
// one opaque cursor per row.
type Page[T any] struct {
	relay.Window[T]
	Cursors []string
}

// ListKey asks for one page of a nested list (a client's projects, a skill's freelancers) so that
// the pages of all parents at one level of a query can be read in one statement. Everything but
// ParentID is the same for siblings in a query, which is what the batch groups by.
type ListKey struct {
	ParentID int64
	// Statuses is a comma-separated status filter ("" for all), a string so the key stays
	// comparable.
	Statuses string
	Page     relay.Page
}

// CountKey asks for the size of a nested list; see ListKey.
type CountKey struct {
	ParentID int64
	Statuses string
}

// statusList splits a ListKey's Statuses.
func statusList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// query collects the conditions and positional arguments of one statement.
type query struct {
	args  []any
	conds []string
}

// arg adds a positional argument and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + itoa(len(q.args))
}

func (q *query) where(cond string) { q.conds = append(q.conds, cond) }

// oneOf adds "col is one of values". A single value is written as an equality: the planner can
// then walk an index on (col, sort key, id) in order, which it cannot do for "= ANY".
func (q *query) oneOf(col string, values []string) {
	if len(values) == 1 {
		q.where(col + " = " + q.arg(values[0]))
		return
	}
	q.where(col + " = ANY(" + q.arg(pq.Array(values)) + ")")
}

// clause is the conjunction of the conditions, TRUE for none.
func (q *query) clause() string {
	if len(q.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(q.conds, " AND ")
}

// ordering is one keyset ordering of a list of T: SQL sort keys ending with a unique tie-breaker,
// all in one direction, so a page starts with a single row-value comparison that a btree index
// on the same columns serves (never OFFSET).
type ordering[T any] struct {
	// name goes into every cursor, so a cursor of another list or ordering is refused.
	name string
	// exprs are the sort keys as SQL; casts optionally types their cursor parameters ("::real").
	exprs []string
	casts []string
	desc  bool
	// keys returns a row's sort-key values for its cursor; dst returns fresh pointers to decode
	// a cursor into, in the same order.
	keys func(*T) []any
	dst  func() []any
}

// seek adds the condition that starts page p after (or, backward, before) its cursor and returns
// the ORDER BY list in the direction the rows must be read.
func (o *ordering[T]) seek(q *query, p relay.Page) (string, error) {
	desc := o.desc != p.Backward
	cmp, dir := " > ", " ASC"
	if desc {
		cmp, dir = " < ", " DESC"
	}
	if p.Cursor != "" {
		dst := o.dst()
		if err := relay.DecodeCursor(p.Cursor, o.name, p.CursorField(), dst...); err != nil {
			return "", err
		}
		ph := make([]string, len(dst))
		for i, d := range dst {
			ph[i] = q.arg(reflect.ValueOf(d).Elem().Interface())
			if i < len(o.casts) {
				ph[i] += o.casts[i]
			}
		}
		q.where("(" + strings.Join(o.exprs, ", ") + ")" + cmp + "(" + strings.Join(ph, ", ") + ")")
	}
	return orderBy(o.exprs, dir), nil
}

// outer is the ORDER BY list of a batched query's outer level, over the columns cols of the
// lateral subquery's rows.
func (o *ordering[T]) outer(p relay.Page, cols ...string) string {
	dir := " ASC"
	if o.desc != p.Backward {
		dir = " DESC"
	}
	return orderBy(cols, dir)
}

func orderBy(exprs []string, dir string) string {
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = e + dir
	}
	return strings.Join(parts, ", ")
}

// page trims rows read for p into a page with cursors.
func (o *ordering[T]) page(rows []T, p relay.Page) *Page[T] {
	w := relay.Trim(rows, p)
	cursors := make([]string, len(w.Rows))
	for i := range w.Rows {
		cursors[i] = relay.EncodeCursor(o.name, o.keys(&w.Rows[i])...)
	}
	return &Page[T]{Window: w, Cursors: cursors}
}

// groupKeys groups nested-list keys that differ only in their parent, so that each group is read
// with one statement; each parent appears once per group however often it was asked for.
func groupKeys(keys []ListKey) map[ListKey][]int64 {
	groups := make(map[ListKey][]int64)
	seen := make(map[ListKey]bool, len(keys))
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		g := k
		g.ParentID = 0
		groups[g] = append(groups[g], k.ParentID)
	}
	return groups
}
