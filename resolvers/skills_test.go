package resolvers_test

import (
	"slices"
	"testing"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
)

// TestSkillsPaging walks the skills taxonomy forward and backward in small pages: both walks visit
// every skill exactly once, in (category, name) order, and a cursor of another list is refused.
func TestSkillsPaging(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	var want []string
	if err := srv.Store.DB().Select(&want, `SELECT name FROM skills ORDER BY category, name, id`); err != nil {
		t.Fatal(err)
	}
	type page struct {
		Skills struct {
			Edges []struct {
				Node struct{ Name string }
			}
			PageInfo struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
		}
	}
	const q = `query($first: Int, $after: String, $last: Int, $before: String) {
		skills(first: $first, after: $after, last: $last, before: $before) {
			edges { node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	var forward []string
	vars := map[string]any{"first": 7}
	for {
		var p page
		srv.Client().MustDo(t, q, vars, &p)
		for _, e := range p.Skills.Edges {
			forward = append(forward, e.Node.Name)
		}
		if !p.Skills.PageInfo.HasNextPage {
			break
		}
		vars = map[string]any{"first": 7, "after": *p.Skills.PageInfo.EndCursor}
	}
	if !slices.Equal(forward, want) {
		t.Fatalf("forward walk: got %v, want %v", forward, want)
	}
	var backward []string
	vars = map[string]any{"last": 7}
	for {
		var p page
		srv.Client().MustDo(t, q, vars, &p)
		names := make([]string, len(p.Skills.Edges))
		for i, e := range p.Skills.Edges {
			names[i] = e.Node.Name
		}
		backward = append(names, backward...)
		if !p.Skills.PageInfo.HasPreviousPage {
			break
		}
		vars = map[string]any{"last": 7, "before": *p.Skills.PageInfo.StartCursor}
	}
	if !slices.Equal(backward, want) {
		t.Fatalf("backward walk: got %v, want %v", backward, want)
	}
	foreign := srv.Client().Do(t, q, map[string]any{"first": 1, "after": "eyJvIjoib3JkZXJzOmNyZWF0ZWRfYXRfZGVzYyIsImsiOlsiMjAyNi0wMS0wMVQwMDowMDowMFoiLDFdfQ"})
	if got := foreign.Codes(); len(got) != 1 || got[0] != "BAD_USER_INPUT" {
		t.Fatalf("cursor of the orders list: got %v, want BAD_USER_INPUT", got)
	}
}
