package resolvers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// deal is a gig of a client and a freelancer to hire for it, plus a stranger and an admin; the
// profiles and the gig are inserted with SQL because their mutations belong to other parts.
type deal struct {
	srv                                  *apitest.Server
	client, freelancer, stranger, admin  *apitest.Client
	clientUser, freelancerUser           *market.User
	clientID, freelancerID, projectID    int64
	projectGID, freelancerGID, clientGID string
}

func newDeal(t testing.TB, srv *apitest.Server) *deal {
	t.Helper()
	ctx, x := context.Background(), srv.Store.DB()
	d := &deal{srv: srv}
	var tok [4]string
	d.clientUser, tok[0] = apitest.NewUser(t, srv.Store, false)
	d.freelancerUser, tok[1] = apitest.NewUser(t, srv.Store, false)
	_, tok[2] = apitest.NewUser(t, srv.Store, false)
	_, tok[3] = apitest.NewUser(t, srv.Store, true)
	d.client, d.freelancer, d.stranger, d.admin = srv.As(tok[0]), srv.As(tok[1]), srv.As(tok[2]), srv.As(tok[3])
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sqlx.GetContext(ctx, x, &d.clientID, `INSERT INTO clients (user_id, company_name, country) VALUES ($1, 'Acme', 'DE') RETURNING id`, d.clientUser.ID))
	must(sqlx.GetContext(ctx, x, &d.freelancerID, `INSERT INTO freelancers (user_id, headline, country, seniority, years_experience, daily_rate, currency)
		VALUES ($1, 'Go developer', 'FR', 'SENIOR', 10, 60000, 'EUR') RETURNING id`, d.freelancerUser.ID))
	must(sqlx.GetContext(ctx, x, &d.projectID, `INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote)
		VALUES ($1, 'Payment service', 'Build it', 'FIXED', 1000000, 'EUR', true) RETURNING id`, d.clientID))
	d.projectGID, d.freelancerGID, d.clientGID = relay.ID("Project", d.projectID), relay.ID("Freelancer", d.freelancerID), relay.ID("Client", d.clientID)
	return d
}

const orderFields = `id status rateType amount { amount currency }`
const milestoneFields = `id status title amount { amount currency } dueDate`

const (
	placeOrder = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { ` + orderFields + ` } }`
	addMs      = `mutation($input: AddMilestoneInput!) { addMilestone(input: $input) { ` + milestoneFields + ` } }`
	acceptOrd  = `mutation($id: ID!) { acceptOrder(id: $id) { ` + orderFields + ` } }`
	declineOrd = `mutation($id: ID!) { declineOrder(id: $id) { ` + orderFields + ` } }`
	cancelOrd  = `mutation($id: ID!) { cancelOrder(id: $id) { ` + orderFields + ` } }`
	completeOr = `mutation($id: ID!) { completeOrder(id: $id) { ` + orderFields + ` } }`
	fundMs     = `mutation($id: ID!, $key: String!) { fundMilestone(id: $id, idempotencyKey: $key) { ` + milestoneFields + ` } }`
	submitMs   = `mutation($id: ID!) { submitMilestone(id: $id) { ` + milestoneFields + ` } }`
	releaseMs  = `mutation($id: ID!, $key: String!) { releaseMilestone(id: $id, idempotencyKey: $key) { ` + milestoneFields + ` } }`
	refundMs   = `mutation($id: ID!, $key: String!) { refundMilestone(id: $id, idempotencyKey: $key) { ` + milestoneFields + ` } }`
)

type gqlMoney struct{ Amount, Currency string }

type gqlOrder struct {
	ID, Status, RateType string
	Amount               gqlMoney
}

type gqlMilestone struct {
	ID, Status, Title string
	Amount            gqlMoney
	DueDate           *string
}

// one runs a mutation or query whose data has a single field and decodes that field into v.
func one(t testing.TB, c *apitest.Client, query string, vars map[string]any, v any) *apitest.Response {
	t.Helper()
	res := c.Do(t, query, vars)
	if len(res.Errors) == 0 && v != nil {
		var data map[string]json.RawMessage
		res.Decode(t, &data)
		for _, raw := range data {
			if err := json.Unmarshal(raw, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return res
}

func mustOne(t testing.TB, c *apitest.Client, query string, vars map[string]any, v any) {
	t.Helper()
	if res := one(t, c, query, vars, v); len(res.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", res.Errors)
	}
}

func wantCode(t testing.TB, res *apitest.Response, code string) apitest.Error {
	t.Helper()
	if len(res.Errors) != 1 || res.Errors[0].Code() != code {
		t.Fatalf("errors %+v, want one %s", res.Errors, code)
	}
	return res.Errors[0]
}

func checkLedger(t testing.TB, srv *apitest.Server) {
	t.Helper()
	if err := srv.Store.CheckLedger(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func money(amount string) map[string]any { return map[string]any{"amount": amount, "currency": "EUR"} }

// acceptedOrder places and accepts an order with milestones of the given amounts.
func (d *deal) acceptedOrder(t testing.TB, amount string, ms ...string) (gqlOrder, []gqlMilestone) {
	t.Helper()
	var o gqlOrder
	mustOne(t, d.client, placeOrder, map[string]any{"input": map[string]any{
		"projectId": d.projectGID, "freelancerId": d.freelancerGID, "amount": money(amount), "idempotencyKey": "place-" + fmt.Sprint(time.Now().UnixNano()),
	}}, &o)
	out := make([]gqlMilestone, len(ms))
	for i, a := range ms {
		mustOne(t, d.client, addMs, map[string]any{"input": map[string]any{"orderId": o.ID, "title": fmt.Sprintf("Part %d", i+1), "amount": money(a)}}, &out[i])
	}
	mustOne(t, d.freelancer, acceptOrd, map[string]any{"id": o.ID}, &o)
	return o, out
}

// TestOrderJourney: a client and a freelancer take an order from proposal to completion with
// three milestones, through GraphQL over HTTP.
func TestOrderJourney(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	journey(t, srv, newDeal(t, srv))
}

// TestOrderJourneyFromSignUp is the journey with everything before it through GraphQL as well:
// both sides register, save their profiles, and the client posts the gig.
func TestOrderJourneyFromSignUp(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	d := &deal{srv: srv}
	register := func(name, email string) *apitest.Client {
		var out struct{ Token string }
		mustOne(t, srv.Client(), `mutation($input: RegisterInput!) { register(input: $input) { token } }`, map[string]any{"input": map[string]any{
			"email": email, "password": "correct horse battery staple 42", "name": name}}, &out)
		return srv.As(out.Token)
	}
	d.client, d.freelancer = register("Clara Client", "clara@example.com"), register("Fred Freelancer", "fred@example.com")
	var client, freelancer, project struct{ ID string }
	mustOne(t, d.client, `mutation($input: ClientProfileInput!) { saveClientProfile(input: $input) { id } }`,
		map[string]any{"input": map[string]any{"companyName": "Acme", "country": "DE"}}, &client)
	mustOne(t, d.freelancer, `mutation($input: FreelancerProfileInput!) { saveFreelancerProfile(input: $input) { id } }`,
		map[string]any{"input": map[string]any{"headline": "Go and PostgreSQL", "bio": "Payments.", "country": "FR", "seniority": "SENIOR",
			"yearsExperience": 10, "dailyRate": money("600.00"), "available": true, "skills": []map[string]any{{"skill": "go", "level": 5, "years": 10}}}}, &freelancer)
	mustOne(t, d.client, `mutation($input: PostProjectInput!) { postProject(input: $input) { id } }`,
		map[string]any{"input": map[string]any{"title": "Payment service", "description": "Escrow and ledger.", "skills": []string{"go"},
			"rateType": "FIXED", "budget": money("5000.00"), "remote": true}}, &project)
	d.clientGID, d.freelancerGID, d.projectGID = client.ID, freelancer.ID, project.ID
	d.clientID = mustKey(t, client.ID, "Client")
	_, tok := apitest.NewUser(t, srv.Store, false)
	d.stranger = srv.As(tok)
	_, tok = apitest.NewUser(t, srv.Store, true)
	d.admin = srv.As(tok)
	journey(t, srv, d)
}

// journey takes an order on d's gig from proposal to completion with three milestones, checking
// the ledger, the views of each side and the order lists on the way.
func journey(t *testing.T, srv *apitest.Server, d *deal) {
	var o gqlOrder
	mustOne(t, d.client, placeOrder, map[string]any{"input": map[string]any{
		"projectId": d.projectGID, "freelancerId": d.freelancerGID, "amount": money("4500.00"), "idempotencyKey": "journey",
	}}, &o)
	if o.Status != "PROPOSED" || o.RateType != "FIXED" || o.Amount != (gqlMoney{"4500.00", "EUR"}) {
		t.Fatalf("placed %+v", o)
	}
	ms := make([]gqlMilestone, 3)
	for i, a := range []string{"1500.00", "2000.00", "1000.00"} {
		mustOne(t, d.client, addMs, map[string]any{"input": map[string]any{
			"orderId": o.ID, "title": fmt.Sprintf("Part %d", i+1), "amount": money(a), "dueDate": "2027-01-31",
		}}, &ms[i])
		if ms[i].Status != "PENDING" || ms[i].DueDate == nil || *ms[i].DueDate != "2027-01-31" {
			t.Fatalf("added %+v", ms[i])
		}
	}
	// 1000.00 of 4500.00 is taken; 0.01 more does not fit.
	res := one(t, d.client, addMs, map[string]any{"input": map[string]any{"orderId": o.ID, "title": "Extra", "amount": money("0.01")}}, nil)
	if e := wantCode(t, res, "BAD_USER_INPUT"); e.Extensions["available"] != "0.00" {
		t.Fatalf("extensions %v", e.Extensions)
	}
	mustOne(t, d.freelancer, acceptOrd, map[string]any{"id": o.ID}, &o)
	if o.Status != "ACCEPTED" {
		t.Fatalf("accepted %+v", o)
	}
	for i, m := range ms {
		var got gqlMilestone
		mustOne(t, d.client, fundMs, map[string]any{"id": m.ID, "key": fmt.Sprint("fund-", i)}, &got)
		mustOne(t, d.freelancer, submitMs, map[string]any{"id": m.ID}, &got)
		mustOne(t, d.client, releaseMs, map[string]any{"id": m.ID, "key": fmt.Sprint("release-", i)}, &got)
		if got.Status != "RELEASED" {
			t.Fatalf("milestone %d: %+v", i, got)
		}
		checkLedger(t, srv)
	}
	mustOne(t, d.client, completeOr, map[string]any{"id": o.ID}, &o)
	if o.Status != "COMPLETED" {
		t.Fatalf("completed %+v", o)
	}

	const view = `query($id: ID!) { node(id: $id) { ... on Order {
		status project { status orders { totalCount } }
		milestones { status }
		ledger(first: 100) { totalCount edges { node { kind account transferId amount { amount currency } milestone { id } } } }
	} } }`
	var got struct {
		Node *struct {
			Status  string
			Project struct {
				Status string
				Orders *struct{ TotalCount int }
			}
			Milestones []struct{ Status string }
			Ledger     struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Kind, Account, TransferID string
						Amount                    gqlMoney
						Milestone                 struct{ ID string }
					}
				}
			}
		}
	}
	d.client.MustDo(t, view, map[string]any{"id": o.ID}, &got)
	n := got.Node
	if n == nil || n.Status != "COMPLETED" || n.Project.Status != "COMPLETED" || n.Project.Orders == nil || n.Project.Orders.TotalCount != 1 {
		t.Fatalf("client's view %+v", n)
	}
	if len(n.Milestones) != 3 || n.Ledger.TotalCount != 12 || len(n.Ledger.Edges) != 12 {
		t.Fatalf("milestones %v, ledger %d entries", n.Milestones, n.Ledger.TotalCount)
	}
	// The first transfer moves 1500.00 from the client into the first milestone's escrow.
	e0, e1 := n.Ledger.Edges[0].Node, n.Ledger.Edges[1].Node
	if e0.Kind != "FUND" || e0.Account != fmt.Sprintf("client:%d", d.clientID) || e0.Amount.Amount != "-1500.00" ||
		e1.Account != "escrow:milestone:"+fmt.Sprint(mustKey(t, ms[0].ID, "Milestone")) || e1.Amount.Amount != "1500.00" ||
		e0.TransferID != e1.TransferID || e0.Milestone.ID != ms[0].ID {
		t.Fatalf("first transfer %+v %+v", e0, e1)
	}
	// The freelancer sees the order but not the gig's order list, which is the client's.
	d.freelancer.MustDo(t, view, map[string]any{"id": o.ID}, &got)
	if got.Node == nil || got.Node.Project.Orders != nil {
		t.Fatalf("freelancer's view %+v", got.Node)
	}
	// A stranger sees nothing.
	d.stranger.MustDo(t, view, map[string]any{"id": o.ID}, &got)
	if got.Node != nil {
		t.Fatalf("stranger's view %+v", got.Node)
	}
	var list struct {
		Orders struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID string } }
		}
	}
	for _, tt := range []struct {
		name string
		c    *apitest.Client
		role string
		want int
	}{
		{"freelancer as freelancer", d.freelancer, "FREELANCER", 1},
		{"freelancer as client", d.freelancer, "CLIENT", 0},
		{"client as client", d.client, "CLIENT", 1},
		{"stranger", d.stranger, "CLIENT", 0},
		{"admin's own", d.admin, "CLIENT", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.MustDo(t, `query($role: OrderRole) { orders(filter: { role: $role, status: [COMPLETED] }) { totalCount edges { node { id } } } }`,
				map[string]any{"role": tt.role}, &list)
			if list.Orders.TotalCount != tt.want || len(list.Orders.Edges) != tt.want {
				t.Fatalf("got %+v, want %d", list.Orders, tt.want)
			}
		})
	}
	checkLedger(t, srv)
}

func mustKey(t testing.TB, id, typ string) int64 {
	t.Helper()
	k, err := relay.KeyOf(id, typ)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestOrderAccess: who may do what, and what strangers see.
func TestOrderAccess(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	d := newDeal(t, srv)
	o, ms := d.acceptedOrder(t, "300.00", "100.00", "100.00", "100.00")
	var m gqlMilestone
	mustOne(t, d.client, fundMs, map[string]any{"id": ms[0].ID, "key": "f0"}, &m)
	mustOne(t, d.client, fundMs, map[string]any{"id": ms[1].ID, "key": "f1"}, &m)
	mustOne(t, d.freelancer, submitMs, map[string]any{"id": ms[1].ID}, &m)

	anon := srv.Client()
	tests := []struct {
		name  string
		c     *apitest.Client
		query string
		vars  map[string]any
		code  string
	}{
		{"anonymous lists orders", anon, `{ orders { totalCount } }`, nil, "UNAUTHENTICATED"},
		{"anonymous releases", anon, releaseMs, map[string]any{"id": ms[0].ID, "key": "x"}, "UNAUTHENTICATED"},
		{"stranger releases", d.stranger, releaseMs, map[string]any{"id": ms[0].ID, "key": "x"}, "NOT_FOUND"},
		{"stranger cancels", d.stranger, cancelOrd, map[string]any{"id": o.ID}, "NOT_FOUND"},
		{"stranger places on the gig", d.stranger, placeOrder, map[string]any{"input": map[string]any{
			"projectId": d.projectGID, "freelancerId": d.freelancerGID, "amount": money("1.00"), "idempotencyKey": "s"}}, "FORBIDDEN"},
		{"freelancer funds", d.freelancer, fundMs, map[string]any{"id": ms[2].ID, "key": "x"}, "FORBIDDEN"},
		{"freelancer releases", d.freelancer, releaseMs, map[string]any{"id": ms[0].ID, "key": "x"}, "FORBIDDEN"},
		{"freelancer adds a milestone", d.freelancer, addMs, map[string]any{"input": map[string]any{"orderId": o.ID, "title": "t", "amount": money("1.00")}}, "FORBIDDEN"},
		{"client submits", d.client, submitMs, map[string]any{"id": ms[0].ID}, "FORBIDDEN"},
		{"client accepts", d.client, acceptOrd, map[string]any{"id": o.ID}, "FORBIDDEN"},
		{"admin releases", d.admin, releaseMs, map[string]any{"id": ms[0].ID, "key": "x"}, "FORBIDDEN"},
		{"client refunds a submitted milestone", d.client, refundMs, map[string]any{"id": ms[1].ID, "key": "r"}, "CONFLICT"},
		{"malformed id", d.client, releaseMs, map[string]any{"id": "nope", "key": "x"}, "NOT_FOUND"},
		{"order id as milestone id", d.client, releaseMs, map[string]any{"id": o.ID, "key": "x"}, "NOT_FOUND"},
		{"too many decimals", d.client, addMs, map[string]any{"input": map[string]any{"orderId": o.ID, "title": "t", "amount": money("1.001")}}, "BAD_USER_INPUT"},
		{"unknown currency", d.client, addMs, map[string]any{"input": map[string]any{"orderId": o.ID, "title": "t", "amount": map[string]any{"amount": "1", "currency": "XYZ"}}}, "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantCode(t, tt.c.Do(t, tt.query, tt.vars), tt.code)
			if tt.code == "CONFLICT" && e.Extensions["status"] != "SUBMITTED" {
				t.Fatalf("extensions %v, want status SUBMITTED", e.Extensions)
			}
		})
	}

	// Nodes: participants and admins see orders, milestones and ledger entries; strangers get null.
	var entry struct {
		Node struct {
			Ledger struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	d.client.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Order { ledger { edges { node { id } } } } } }`, map[string]any{"id": o.ID}, &entry)
	if len(entry.Node.Ledger.Edges) != 4 {
		t.Fatalf("ledger %+v", entry)
	}
	entryID := entry.Node.Ledger.Edges[0].Node.ID
	for _, id := range []string{o.ID, ms[0].ID, entryID} {
		for _, tt := range []struct {
			name string
			c    *apitest.Client
			seen bool
		}{{"client", d.client, true}, {"freelancer", d.freelancer, true}, {"admin", d.admin, true}, {"stranger", d.stranger, false}, {"anonymous", anon, false}} {
			var got struct{ Node *struct{ ID string } }
			tt.c.MustDo(t, `query($id: ID!) { node(id: $id) { ... on Order { id } ... on Milestone { id } ... on LedgerEntry { id } } }`, map[string]any{"id": id}, &got)
			if (got.Node != nil) != tt.seen || (got.Node != nil && got.Node.ID != id) {
				t.Errorf("%s sees %s: %+v, want seen=%v", tt.name, id, got.Node, tt.seen)
			}
		}
	}

	// An admin settles a dispute: refunds the submitted milestone.
	mustOne(t, d.admin, refundMs, map[string]any{"id": ms[1].ID, "key": "adm"}, &m)
	if m.Status != "REFUNDED" {
		t.Fatalf("admin refund %+v", m)
	}
	checkLedger(t, srv)
}

// concurrently runs n calls at once and returns their responses.
func concurrently(n int, call func(i int) *apitest.Response) ([]*apitest.Response, time.Duration) {
	out := make([]*apitest.Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = call(i)
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	return out, time.Since(t0)
}

func countRows(t testing.TB, srv *apitest.Server, q string, args ...any) int {
	t.Helper()
	var n int
	if err := srv.Store.DB().GetContext(context.Background(), &n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConcurrentReleases: 50 concurrent releases of one milestone release it once.
func TestConcurrentReleases(t *testing.T) {
	const n = 50
	t.Run("distinct keys", func(t *testing.T) {
		srv := apitest.New(t, api.Config{})
		d := newDeal(t, srv)
		_, ms := d.acceptedOrder(t, "500.00", "500.00")
		var m gqlMilestone
		mustOne(t, d.client, fundMs, map[string]any{"id": ms[0].ID, "key": "fund"}, &m)
		res, took := concurrently(n, func(i int) *apitest.Response {
			return d.client.Do(t, releaseMs, map[string]any{"id": ms[0].ID, "key": fmt.Sprint("release-", i)})
		})
		codes := map[string]int{}
		for _, r := range res {
			if len(r.Errors) == 0 {
				codes["ok"]++
			} else {
				codes[r.Errors[0].Code()]++
				if r.Errors[0].Extensions["status"] != "RELEASED" {
					t.Errorf("conflict extensions %v, want status RELEASED", r.Errors[0].Extensions)
				}
			}
		}
		t.Logf("%d concurrent releases with distinct keys in %v: %v", n, took, codes)
		if codes["ok"] != 1 || codes["CONFLICT"] != n-1 {
			t.Fatalf("outcomes %v, want 1 ok and %d CONFLICT", codes, n-1)
		}
		if got := countRows(t, srv, `SELECT count(*) FROM ledger_entries WHERE kind = 'RELEASE'`); got != 2 {
			t.Fatalf("%d release entries, want 2", got)
		}
		if got := countRows(t, srv, `SELECT count(*) FROM order_events WHERE kind = 'MILESTONE_RELEASED'`); got != 1 {
			t.Fatalf("%d release events, want 1", got)
		}
		checkLedger(t, srv)
	})
	t.Run("same key", func(t *testing.T) {
		srv := apitest.New(t, api.Config{})
		d := newDeal(t, srv)
		_, ms := d.acceptedOrder(t, "500.00", "500.00")
		var m gqlMilestone
		mustOne(t, d.client, fundMs, map[string]any{"id": ms[0].ID, "key": "fund"}, &m)
		res, took := concurrently(n, func(int) *apitest.Response {
			return d.client.Do(t, releaseMs, map[string]any{"id": ms[0].ID, "key": "the-one-release"})
		})
		t.Logf("%d concurrent releases with the same key in %v", n, took)
		for i, r := range res {
			if len(r.Errors) > 0 {
				t.Fatalf("call %d: %+v", i, r.Errors)
			}
			if string(r.Data) != string(res[0].Data) {
				t.Fatalf("call %d answered %s, call 0 %s", i, r.Data, res[0].Data)
			}
		}
		if got := countRows(t, srv, `SELECT count(*) FROM ledger_entries WHERE kind = 'RELEASE'`); got != 2 {
			t.Fatalf("%d release entries, want 2", got)
		}
		if got := countRows(t, srv, `SELECT count(*) FROM order_events WHERE kind = 'MILESTONE_RELEASED'`); got != 1 {
			t.Fatalf("%d release events, want 1", got)
		}
		// The same key with other input is a CONFLICT.
		wantCode(t, d.client.Do(t, releaseMs, map[string]any{"id": ms[0].ID + "x", "key": "the-one-release"}), "NOT_FOUND")
		other := d.client.Do(t, fundMs, map[string]any{"id": ms[0].ID, "key": "the-one-release"})
		if e := wantCode(t, other, "CONFLICT"); e.Extensions["field"] != "idempotencyKey" {
			t.Fatalf("extensions %v", e.Extensions)
		}
		checkLedger(t, srv)
	})
}
