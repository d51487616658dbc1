package db

import (
	"context"
	"reflect"
	"strings"

	"github.com/jmoiron/sqlx"
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

// nestedList describes a nested list for nestedPages: the lateral subquery's SELECT list and FROM
// clause, the condition tying a row to its parent (k.parent), the outer sort columns matching
// ord's exprs, and how to read a row's parent.
type nestedList[T any] struct {
	ord        *ordering[T]
	columns    string
	from       string
	parentCond string
	outerCols  []string
	parentOf   func(*T) int64
	// filter adds conditions a key's other fields ask for (its statuses, say); may be nil.
	filter func(q *query, g ListKey)
}

// nestedPages reads one page per parent for every group of keys that share their page
// arguments: one statement per group, each parent's page read by a LATERAL subquery in keyset
// order so an index serves it. Returns BAD_USER_INPUT for a cursor of another list.
func nestedPages[T any](ctx context.Context, db sqlx.QueryerContext, keys []ListKey, l nestedList[T]) (map[ListKey]*Page[T], error) {
	out := make(map[ListKey]*Page[T], len(keys))
	for g, parents := range groupKeys(keys) {
		var q query
		q.arg(pq.Array(parents))
		q.where(l.parentCond)
		if l.filter != nil {
			l.filter(&q, g)
		}
		order, err := l.ord.seek(&q, g.Page)
		if err != nil {
			return nil, err
		}
		sql := `SELECT k.parent AS parent_id, x.* FROM unnest($1::bigint[]) WITH ORDINALITY AS k(parent, i)
			CROSS JOIN LATERAL (SELECT ` + l.columns + ` FROM ` + l.from + `
				WHERE ` + q.clause() + ` ORDER BY ` + order + ` LIMIT ` + q.arg(g.Page.Limit+1) + `) x
			ORDER BY k.i, ` + l.ord.outer(g.Page, l.outerCols...)
		var rows []T
		if err := sqlx.SelectContext(ctx, db, &rows, sql, q.args...); err != nil {
			return nil, err
		}
		byParent := make(map[int64][]T, len(parents))
		for i := range rows {
			p := l.parentOf(&rows[i])
			byParent[p] = append(byParent[p], rows[i])
		}
		for _, id := range parents {
			k := g
			k.ParentID = id
			out[k] = l.ord.page(byParent[id], g.Page)
		}
	}
	return out, nil
}

// mapPages converts every page of a map with conv.
func mapPages[R, T any](in map[ListKey]*Page[R], conv func(*Page[R]) *Page[T]) map[ListKey]*Page[T] {
	out := make(map[ListKey]*Page[T], len(in))
	for k, p := range in {
		out[k] = conv(p)
	}
	return out
}
