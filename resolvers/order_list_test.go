package resolvers_test

import (
	"context"
	"testing"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/relay"
)

// TestOrderLists pages through the viewer's orders newest first, both ways, and checks who sees the
// order lists of clients, freelancers and gigs.
func TestOrderLists(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	d := newDeal(t, srv)
	// Five orders on five gigs of the same client, for the same freelancer.
	var ids []string
	for i := range 5 {
		if i > 0 {
			_, err := srv.Store.DB().ExecContext(context.Background(), `INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote)
				VALUES ($1, 'Another gig', 'More', 'FIXED', 100000, 'EUR', true)`, d.clientID)
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Store.DB().GetContext(context.Background(), &d.projectID, `SELECT max(id) FROM projects`); err != nil {
				t.Fatal(err)
			}
			d.projectGID = relay.ID("Project", d.projectID)
		}
		var o gqlOrder
		mustOne(t, d.client, placeOrder, map[string]any{"input": map[string]any{
			"projectId": d.projectGID, "freelancerId": d.freelancerGID, "amount": money("10.00"), "idempotencyKey": "p" + string(rune('a'+i))}}, &o)
		ids = append([]string{o.ID}, ids...) // newest first
	}

	type page struct {
		Orders struct {
			TotalCount int
			Edges      []struct {
				Cursor string
				Node   struct{ ID string }
			}
			PageInfo struct {
				HasNextPage, HasPreviousPage bool
				EndCursor, StartCursor       *string
			}
		}
	}
	const q = `query($first: Int, $after: String, $last: Int, $before: String) {
		orders(first: $first, after: $after, last: $last, before: $before) {
			totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	var got []string
	var after any
	for {
		var p page
		d.freelancer.MustDo(t, q, map[string]any{"first": 2, "after": after}, &p)
		if p.Orders.TotalCount != 5 {
			t.Fatalf("totalCount %d", p.Orders.TotalCount)
		}
		for _, e := range p.Orders.Edges {
			got = append(got, e.Node.ID)
		}
		if !p.Orders.PageInfo.HasNextPage {
			break
		}
		after = *p.Orders.PageInfo.EndCursor
	}
	if len(got) != 5 || got[0] != ids[0] || got[4] != ids[4] {
		t.Fatalf("forward pages %v, want %v", got, ids)
	}
	// Backward from the end: the two oldest.
	var back page
	d.client.MustDo(t, q, map[string]any{"last": 2}, &back)
	if len(back.Orders.Edges) != 2 || back.Orders.Edges[0].Node.ID != ids[3] || back.Orders.Edges[1].Node.ID != ids[4] || !back.Orders.PageInfo.HasPreviousPage {
		t.Fatalf("last page %+v", back.Orders)
	}
	// A cursor of another list is refused.
	wantCode(t, d.client.Do(t, q, map[string]any{"first": 2, "after": "bm90LWEtY3Vyc29y"}), "BAD_USER_INPUT")
	wantCode(t, d.client.Do(t, q, map[string]any{"first": 101}), "BAD_USER_INPUT")

	// The lists on the profiles and the gig: their owner and admins see them, others get null.
	const nested = `query($id: ID!) { node(id: $id) { ... on Order {
		client { orders { totalCount } } freelancer { orders(status: [PROPOSED]) { totalCount } } project { orders { totalCount } } } } }`
	type counts struct {
		Node struct {
			Client     struct{ Orders *struct{ TotalCount int } }
			Freelancer struct{ Orders *struct{ TotalCount int } }
			Project    struct{ Orders *struct{ TotalCount int } }
		}
	}
	for _, tt := range []struct {
		name                        string
		c                           *apitest.Client
		client, freelancer, project int // -1: null
	}{
		{"client", d.client, 5, -1, 1},
		{"freelancer", d.freelancer, -1, 5, -1},
		{"admin", d.admin, 5, 5, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c counts
			tt.c.MustDo(t, nested, map[string]any{"id": ids[0]}, &c)
			n := func(o *struct{ TotalCount int }) int {
				if o == nil {
					return -1
				}
				return o.TotalCount
			}
			if g := [3]int{n(c.Node.Client.Orders), n(c.Node.Freelancer.Orders), n(c.Node.Project.Orders)}; g != [3]int{tt.client, tt.freelancer, tt.project} {
				t.Fatalf("counts %v, want %v", g, [3]int{tt.client, tt.freelancer, tt.project})
			}
		})
	}
}
