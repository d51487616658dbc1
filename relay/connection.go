package relay

import "context"

// Counter computes a connection's totalCount. Connections carry one so the count query runs only
// when a client asks for totalCount.
type Counter func(ctx context.Context) (int, error)

// Node is what `node(id)` returns: any object with a global ID. It is deliberately empty so that
// the domain types in package market need no GraphQL methods.
type Node interface{}

// Window is one page of rows ready to become edges.
type Window[T any] struct {
	Rows            []T
	HasNextPage     bool
	HasPreviousPage bool
}

// Trim turns rows read for p — up to p.Limit+1 of them, in the query's direction — into a page: the
// extra row only says that more follow, and a backward page is flipped back into list order.
//
// When paging forward from a cursor, HasPreviousPage is true (rows before the cursor existed when
// it was made); when paging backward to a cursor, HasNextPage is true, symmetrically.
func Trim[T any](rows []T, p Page) Window[T] {
	more := len(rows) > p.Limit
	if more {
		rows = rows[:p.Limit]
	}
	w := Window[T]{Rows: rows}
	if p.Backward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
		w.HasPreviousPage, w.HasNextPage = more, p.Cursor != ""
	} else {
		w.HasNextPage, w.HasPreviousPage = more, p.Cursor != ""
	}
	return w
}
