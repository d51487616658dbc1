package feed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/api/ws"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/feed/feedtest"
	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

func ptr[T any](v T) *T { return &v }

// gigMatrix is a set of gigs with distinct traits, posted once per test.
var gigMatrix = []feedtest.Gig{
	{Title: "go-remote-fixed-1000eur", Skills: []string{"go"}, RateType: "FIXED", Budget: 100000, Currency: "EUR"},
	{Title: "go-pg-onsite-de-daily-600eur", Skills: []string{"go", "postgresql"}, RateType: "DAILY", Budget: 60000, Currency: "EUR", Remote: ptr(false), Country: "DE"},
	{Title: "python-remote-fixed-5000usd", Skills: []string{"python"}, RateType: "FIXED", Budget: 500000, Currency: "USD"},
	{Title: "pg-onsite-fr-fixed-2000eur", Skills: []string{"postgresql"}, RateType: "FIXED", Budget: 200000, Currency: "EUR", Remote: ptr(false), Country: "FR"},
	{Title: "k8s-remote-de-daily-800eur", Skills: []string{"kubernetes"}, RateType: "DAILY", Budget: 80000, Currency: "EUR", Country: "DE"},
}

var filterCases = []struct {
	name   string
	filter map[string]any
	want   []string
}{
	{"none", nil, []string{"go-remote-fixed-1000eur", "go-pg-onsite-de-daily-600eur", "python-remote-fixed-5000usd", "pg-onsite-fr-fixed-2000eur", "k8s-remote-de-daily-800eur"}},
	{"skills any", map[string]any{"skills": []string{"go", "python"}}, []string{"go-remote-fixed-1000eur", "go-pg-onsite-de-daily-600eur", "python-remote-fixed-5000usd"}},
	{"all skills", map[string]any{"allSkills": []string{"go", "postgresql"}}, []string{"go-pg-onsite-de-daily-600eur"}},
	{"categories", map[string]any{"categories": []string{"DATABASE"}}, []string{"go-pg-onsite-de-daily-600eur", "pg-onsite-fr-fixed-2000eur"}},
	{"countries", map[string]any{"countries": []string{"DE"}}, []string{"go-pg-onsite-de-daily-600eur", "k8s-remote-de-daily-800eur"}},
	{"remote", map[string]any{"remote": true}, []string{"go-remote-fixed-1000eur", "python-remote-fixed-5000usd", "k8s-remote-de-daily-800eur"}},
	{"on-site", map[string]any{"remote": false}, []string{"go-pg-onsite-de-daily-600eur", "pg-onsite-fr-fixed-2000eur"}},
	{"rate type", map[string]any{"rateType": "DAILY"}, []string{"go-pg-onsite-de-daily-600eur", "k8s-remote-de-daily-800eur"}},
	{"min budget same currency only", map[string]any{"minBudget": map[string]any{"amount": "800.00", "currency": "EUR"}}, []string{"go-remote-fixed-1000eur", "pg-onsite-fr-fixed-2000eur", "k8s-remote-de-daily-800eur"}},
	{"combined", map[string]any{"skills": []string{"postgresql"}, "remote": false, "countries": []string{"FR"}, "rateType": "FIXED"}, []string{"pg-onsite-fr-fixed-2000eur"}},
	{"nothing matches", map[string]any{"skills": []string{"rust"}}, nil},
}

// TestFilterMatrix checks every filter the same way live (in memory), on replay and in an alert's
// digest (both in SQL): all three must agree with the expected gigs.
func TestFilterMatrix(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	_, token := apitest.NewUser(t, srv.Store, false)
	client := feedtest.NewClient(t, srv.Store)
	start := feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "before", Skills: []string{"go"}})
	startCursor := relay.EncodeCursor("gigfeed", start)

	type live struct {
		c       *feedtest.WS
		alertID string
	}
	subs := make([]live, len(filterCases))
	for i, tc := range filterCases {
		subs[i].c = subscribeGigs(t, srv, tc.filter, "")
		var out struct {
			CreateGigAlert struct{ ID string } `json:"createGigAlert"`
		}
		srv.As(token).MustDo(t, `mutation($in: CreateGigAlertInput!) { createGigAlert(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": tc.name, "filter": orEmpty(tc.filter), "cadence": "WEEKLY"}}, &out)
		subs[i].alertID = out.CreateGigAlert.ID
	}
	for _, g := range gigMatrix {
		feedtest.Post(t, srv.Store, client, g)
	}
	sentinel := feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "sentinel", Skills: []string{"rust"}})
	_ = sentinel
	for i, tc := range filterCases {
		t.Run(tc.name, func(t *testing.T) {
			got := readTitles(t, subs[i].c, len(tc.want))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("live: got %v, want %v", got, tc.want)
			}
			replay := subscribeGigs(t, srv, tc.filter, startCursor)
			if got := readTitles(t, replay, len(tc.want)); !slices.Equal(got, tc.want) {
				t.Fatalf("replay: got %v, want %v", got, tc.want)
			}
			if got := digestTitles(t, srv.As(token), subs[i].alertID); !slices.Equal(got, tc.want) {
				t.Fatalf("digest: got %v, want %v", got, tc.want)
			}
		})
	}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// readTitles reads n gig titles, then makes sure nothing else (but the rust sentinel for filters
// that allow it) is pending.
func readTitles(t *testing.T, c *feedtest.WS, n int) []string {
	t.Helper()
	var got []string
	for len(got) < n {
		got = append(got, c.NextGig(5*time.Second).Project.Title)
	}
	if m, err := c.TryRead(100 * time.Millisecond); err == nil && !strings.Contains(string(m.Payload), "sentinel") {
		t.Fatalf("extra message %s %s", m.Type, m.Payload)
	}
	return got
}

func digestTitles(t *testing.T, c *apitest.Client, alertID string) []string {
	t.Helper()
	var titles []string
	var after *string
	for {
		var out struct {
			Node struct {
				Digest struct {
					Edges []struct {
						Node struct{ Project struct{ Title string } }
					}
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
		}
		c.MustDo(t, `query($id: ID!, $after: String) { node(id: $id) { ... on GigAlert {
			digest(first: 2, after: $after) { edges { node { project { title } } } pageInfo { hasNextPage endCursor } } } } }`,
			map[string]any{"id": alertID, "after": after}, &out)
		for _, e := range out.Node.Digest.Edges {
			if e.Node.Project.Title != "sentinel" {
				titles = append(titles, e.Node.Project.Title)
			}
		}
		if !out.Node.Digest.PageInfo.HasNextPage {
			return titles
		}
		after = out.Node.Digest.PageInfo.EndCursor
	}
}

func TestGigAlerts(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	_, owner := apitest.NewUser(t, srv.Store, false)
	_, other := apitest.NewUser(t, srv.Store, false)
	client := feedtest.NewClient(t, srv.Store)
	feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "old go gig"})

	var created struct {
		CreateGigAlert struct {
			ID     string
			Cursor string
			Filter struct {
				Skills    []string
				MinBudget *struct{ Amount, Currency string }
			}
		} `json:"createGigAlert"`
	}
	srv.As(owner).MustDo(t, `mutation { createGigAlert(input: { name: "Go weekly", cadence: WEEKLY,
		filter: { skills: ["go"], minBudget: { amount: "500", currency: "EUR" } } }) { id cursor filter { skills minBudget { amount currency } } } }`, nil, &created)
	alert := created.CreateGigAlert
	if !slices.Equal(alert.Filter.Skills, []string{"go"}) || alert.Filter.MinBudget == nil || alert.Filter.MinBudget.Amount != "500.00" {
		t.Fatalf("filter %+v", alert.Filter)
	}
	var titles []string
	for i := range 5 {
		title := fmt.Sprintf("go gig %d", i)
		titles = append(titles, title)
		feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: title})
	}
	feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "python gig", Skills: []string{"python"}})
	if got := digestTitles(t, srv.As(owner), alert.ID); !slices.Equal(got, titles) {
		t.Fatalf("digest %v, want %v (from creation on, oldest first)", got, titles)
	}

	// Acknowledge the first two; the digest starts after them. Acks never move backward.
	var page struct {
		Node struct {
			Digest struct {
				Edges []struct{ Cursor string }
			}
		}
	}
	srv.As(owner).MustDo(t, `query($id: ID!) { node(id: $id) { ... on GigAlert { digest(first: 2) { edges { cursor } } } } }`, map[string]any{"id": alert.ID}, &page)
	ack := func(token, cursor string) *apitest.Response {
		return srv.As(token).Do(t, `mutation($id: ID!, $c: String!) { ackGigAlert(id: $id, cursor: $c) { cursor } }`, map[string]any{"id": alert.ID, "c": cursor})
	}
	if res := ack(owner, page.Node.Digest.Edges[1].Cursor); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	if res := ack(owner, page.Node.Digest.Edges[0].Cursor); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	if got := digestTitles(t, srv.As(owner), alert.ID); !slices.Equal(got, titles[2:]) {
		t.Fatalf("after ack: digest %v, want %v", got, titles[2:])
	}

	// Strangers and anonymous viewers see nothing of it.
	t.Run("others", func(t *testing.T) {
		var out struct{ Node *struct{ ID string } }
		srv.As(other).MustDo(t, `query($id: ID!) { node(id: $id) { ... on GigAlert { id } } }`, map[string]any{"id": alert.ID}, &out)
		if out.Node != nil {
			t.Fatalf("stranger sees the alert")
		}
		srv.Client().MustDo(t, `query($id: ID!) { node(id: $id) { ... on GigAlert { id } } }`, map[string]any{"id": alert.ID}, &out)
		if out.Node != nil {
			t.Fatalf("anonymous viewer sees the alert")
		}
		var list struct{ GigAlerts []struct{ ID string } }
		srv.As(other).MustDo(t, `{ gigAlerts { id } }`, nil, &list)
		if len(list.GigAlerts) != 0 {
			t.Fatalf("stranger lists %v", list.GigAlerts)
		}
		if codes := ack(other, page.Node.Digest.Edges[1].Cursor).Codes(); !slices.Equal(codes, []string{"NOT_FOUND"}) {
			t.Fatalf("stranger ack: codes %v", codes)
		}
		res := srv.As(other).Do(t, `mutation($id: ID!) { deleteGigAlert(id: $id) }`, map[string]any{"id": alert.ID})
		if codes := res.Codes(); !slices.Equal(codes, []string{"NOT_FOUND"}) {
			t.Fatalf("stranger delete: codes %v", codes)
		}
		res = srv.Client().Do(t, `{ gigAlerts { id } }`, nil)
		if codes := res.Codes(); !slices.Equal(codes, []string{"UNAUTHENTICATED"}) {
			t.Fatalf("anonymous list: codes %v", codes)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for name, in := range map[string]string{
			"unknown skill":  `{ name: "x", cadence: DAILY, filter: { skills: ["cobol-2000"] } }`,
			"empty name":     `{ name: " ", cadence: DAILY, filter: {} }`,
			"bad country":    `{ name: "x", cadence: DAILY, filter: { countries: ["germany"] } }`,
			"bad money":      `{ name: "x", cadence: DAILY, filter: { minBudget: { amount: "1.234", currency: "EUR" } } }`,
			"foreign cursor": `{ name: "x", cadence: DAILY, filter: {}, after: "eyJvIjoic2tpbGwiLCJrIjpbMV19" }`,
		} {
			res := srv.As(owner).Do(t, `mutation { createGigAlert(input: `+in+`) { id } }`, nil)
			if codes := res.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
				t.Errorf("%s: codes %v", name, codes)
			}
		}
	})

	var list struct{ GigAlerts []struct{ ID, Name string } }
	srv.As(owner).MustDo(t, `{ gigAlerts { id name } }`, nil, &list)
	if len(list.GigAlerts) != 1 || list.GigAlerts[0].Name != "Go weekly" {
		t.Fatalf("list %+v", list.GigAlerts)
	}
	srv.As(owner).MustDo(t, `mutation($id: ID!) { deleteGigAlert(id: $id) }`, map[string]any{"id": alert.ID}, nil)
	srv.As(owner).MustDo(t, `{ gigAlerts { id name } }`, nil, &list)
	if len(list.GigAlerts) != 0 {
		t.Fatalf("after delete: %+v", list.GigAlerts)
	}
}

// orderFixture makes a client, a freelancer and an order between them; it returns the order's
// id and the two users' tokens.
func orderFixture(t *testing.T, store *db.Store) (orderID int64, clientToken, freelancerToken string) {
	t.Helper()
	ctx := context.Background()
	cu, clientToken := apitest.NewUser(t, store, false)
	fu, freelancerToken := apitest.NewUser(t, store, false)
	q := `
WITH c AS (INSERT INTO clients (user_id, company_name, country) VALUES ($1, 'ACME', 'DE') RETURNING id),
     f AS (INSERT INTO freelancers (user_id, headline, country, seniority, years_experience, daily_rate, currency)
           VALUES ($2, 'Go developer', 'DE', 'SENIOR', 10, 70000, 'EUR') RETURNING id),
     p AS (INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote)
           SELECT id, 'Build an API', 'x', 'FIXED', 500000, 'EUR', true FROM c RETURNING id, client_id)
INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency)
SELECT p.id, p.client_id, f.id, 'FIXED', 500000, 'EUR' FROM p, f RETURNING id`
	if err := store.DB().GetContext(ctx, &orderID, q, cu.ID, fu.ID); err != nil {
		t.Fatal(err)
	}
	return orderID, clientToken, freelancerToken
}

func appendOrderEvent(t *testing.T, store *db.Store, orderID int64, kind string) {
	t.Helper()
	err := store.InTx(context.Background(), func(tx *sqlx.Tx) error {
		return db.AppendOrderEvent(context.Background(), tx, db.OrderEvent{OrderID: orderID, Kind: kind})
	})
	if err != nil {
		t.Fatal(err)
	}
}

const orderEventsQuery = `subscription($id: ID!, $after: String) { orderEvents(orderId: $id, after: $after) { cursor kind } }`

func TestOrderEvents(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	orderID, clientToken, freelancerToken := orderFixture(t, srv.Store)
	otherOrder, _, _ := orderFixture(t, srv.Store)
	_, strangerToken := apitest.NewUser(t, srv.Store, false)
	_, adminToken := apitest.NewUser(t, srv.Store, true)
	id := relay.ID("Order", orderID)
	appendOrderEvent(t, srv.Store, orderID, "PLACED")

	type event struct{ Cursor, Kind string }
	next := func(c *feedtest.WS) event {
		t.Helper()
		m := c.Read(5 * time.Second)
		var p struct {
			Data struct{ OrderEvents event } `json:"data"`
		}
		if m.Type != "next" || json.Unmarshal(m.Payload, &p) != nil || p.Data.OrderEvents.Kind == "" {
			t.Fatalf("got %s %s", m.Type, m.Payload)
		}
		return p.Data.OrderEvents
	}
	open := func(token string, after string) *feedtest.WS {
		c := feedtest.Dial(t, srv.URL, ws.TransportWS)
		c.Init(token)
		vars := map[string]any{"id": id}
		if after != "" {
			vars["after"] = after
		}
		c.Subscribe("1", orderEventsQuery, vars)
		if after == "" {
			c.Send(map[string]any{"type": "ping"})
		}
		return c
	}
	pong := func(c *feedtest.WS) {
		if m := c.Read(5 * time.Second); m.Type != "pong" {
			t.Fatalf("got %s %s, want pong", m.Type, m.Payload)
		}
	}

	// A stranger is told the order does not exist; an anonymous socket that it must log in.
	for name, tt := range map[string]struct{ token, code string }{"stranger": {strangerToken, "NOT_FOUND"}, "anonymous": {"", "UNAUTHENTICATED"}} {
		t.Run(name+" gets "+tt.code, func(t *testing.T) {
			c := open(tt.token, "")
			m := c.Read(5 * time.Second)
			if m.Type == "pong" {
				m = c.Read(5 * time.Second)
			}
			if !strings.Contains(string(m.Payload), `"code":"`+tt.code+`"`) || strings.Contains(string(m.Payload), "PLACED") {
				t.Fatalf("got %s %s", m.Type, m.Payload)
			}
		})
	}

	participants := map[string]*feedtest.WS{"client": open(clientToken, ""), "freelancer": open(freelancerToken, ""), "admin": open(adminToken, "")}
	for _, c := range participants {
		pong(c)
	}
	waitSubscribers(t, srv.Feed.Orders.Stats, 3)
	appendOrderEvent(t, srv.Store, otherOrder, "PLACED") // another order's event reaches nobody here
	appendOrderEvent(t, srv.Store, orderID, "ACCEPTED")
	var accepted event
	for name, c := range participants {
		if accepted = next(c); accepted.Kind != "ACCEPTED" {
			t.Fatalf("%s got %+v", name, accepted)
		}
	}
	// Resume from the start: replay then live, without the other order's event.
	first := relay.EncodeCursor("orderfeed", int64(0))
	c := open(clientToken, first)
	if e := next(c); e.Kind != "PLACED" {
		t.Fatalf("replay got %+v", e)
	}
	if e := next(c); e.Kind != "ACCEPTED" || e.Cursor != accepted.Cursor {
		t.Fatalf("replay got %+v", e)
	}
	appendOrderEvent(t, srv.Store, orderID, "COMPLETED")
	if e := next(c); e.Kind != "COMPLETED" {
		t.Fatalf("live got %+v", e)
	}
	_ = market.ErrNotFound
}
