package access_test

import (
	"context"
	"encoding/json"

	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/api/ws"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/feed/feedtest"
	"github.com/gigraph/gigraph/graph"
	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// The access matrix: who sees what through every path of the graph.
//
// Every field of every object type in the schema must be either listed in publicFields (anyone
// may read it, logged in or not) or covered by a case of accessMatrix. TestAccessMatrixComplete
// walks the executable schema and fails on any field that is neither, so a new field cannot ship
// without a decision about who may see it. A case covers "Type.*" when it is the gate of a private
// type: every field of an Order is reached only through an Order the viewer may see.
//
// Expected results per role, as strings:
//
//	"*"      data: the value at path is not null, and there is no error
//	"null"   hidden: the value at path is null, and there is no error
//	"!CODE"  an error with extensions.code CODE
//	"-"      not checked for this role (the case explains why)
//	other    the value at path, as JSON ("false", "0", "[]")

// publicFields lists, per type, the fields anyone may read.
var publicFields = map[string]string{
	"AuthPayload":          "token expiresAt user",
	"Client":               "id user companyName country projects openProjects createdAt",
	"Freelancer":           "id user name headline bio country seniority yearsExperience dailyRate available skills completedOrders createdAt updatedAt",
	"FreelancerConnection": "edges pageInfo totalCount",
	"FreelancerEdge":       "cursor node",
	"FreelancerSkill":      "skill level years",
	"GigEvent":             "cursor project",
	"GigEventConnection":   "edges pageInfo",
	"GigEventEdge":         "cursor node",
	"HistogramBin":         "lower upper count",
	"Money":                "amount currency",
	"PageInfo":             "hasNextPage hasPreviousPage startCursor endCursor",
	"Project":              "id client title description skills rateType budget remote country status createdAt updatedAt",
	"ProjectConnection":    "edges pageInfo totalCount",
	"ProjectEdge":          "cursor node",
	"Query":                "node nodes rateStats freelancers projects skills",
	"RateStats":            "skill category country seniority month currency count freelancers min max mean stddev p10 p25 median p75 p90 excludedOtherCurrency histogram",
	"Skill":                "id slug name category freelancers projects",
	"SkillConnection":      "edges pageInfo totalCount",
	"SkillEdge":            "cursor node",
	"Subscription":         "gigPosted",
	"User":                 "id name freelancer client createdAt",
}

type role string

const (
	anon       role = "anonymous"
	stranger   role = "stranger"   // logged in, no profiles, no relation to anything
	client     role = "client"     // owns the client profile, the gigs, hires in the orders, owns the gig alert
	freelancer role = "freelancer" // is hired in the orders
	admin      role = "admin"
)

var roles = []role{anon, stranger, client, freelancer, admin}

type accessCase struct {
	name   string
	covers []string // schema coordinates this case decides, "Type.field" or "Type.*"
	doc    string
	vars   func(fx *fixture, r role) map[string]any
	path   string // dot path of the judged value inside data
	want   map[role]string
	// ownFixture runs the case on a fixture of its own, because it changes state others rely on.
	ownFixture bool
	// fresh gives each role a new session token, because the case ends it (logout).
	fresh bool
	// websocket runs the case as a subscription over graphql-transport-ws; the judged result is the
	// first event after one is appended to the fixture's accepted order, or the operation's error.
	websocket bool
	// pending names work of another part of the system that the case waits for (see landed); until
	// it has landed, the case is skipped but still covers its fields.
	pending string
}

// What pending cases wait for. A case runs as soon as the database shows that its part has landed
// (landed), so the matrix checks the order and feed resolvers the moment they are merged.
const (
	ordersPending = "orders"     // order resolvers: marked by the idempotency_keys table
	feedPending   = "gig alerts" // gig alert resolvers: marked by the gig_alerts table
)

// landed reports whether the work a pending case waits for is in this build.
func (fx *fixture) landed(t *testing.T, pending string) bool {
	table := map[string]string{ordersPending: "idempotency_keys", feedPending: "gig_alerts"}[pending]
	if table == "" {
		return false
	}
	var ok bool
	if err := fx.srv.Store.DB().GetContext(context.Background(), &ok, `SELECT to_regclass($1) IS NOT NULL`, table); err != nil {
		t.Fatal(err)
	}
	return ok
}

func ids(*fixture, role) map[string]any { return nil }

func byID(id func(fx *fixture) string) func(fx *fixture, r role) map[string]any {
	return func(fx *fixture, _ role) map[string]any { return map[string]any{"id": id(fx)} }
}

// Common want rows.
var (
	// A private object of the order's parties.
	partiesOnly = map[role]string{anon: "null", stranger: "null", client: "*", freelancer: "*", admin: "*"}
	// An action of the order's client.
	clientActs = map[role]string{anon: "!UNAUTHENTICATED", stranger: "!NOT_FOUND", client: "*", freelancer: "!FORBIDDEN", admin: "!FORBIDDEN"}
	// An action of the order's freelancer.
	freelancerActs = map[role]string{anon: "!UNAUTHENTICATED", stranger: "!NOT_FOUND", client: "!FORBIDDEN", freelancer: "*", admin: "!FORBIDDEN"}
	// An action on the gig alert owned by the client.
	alertOwnerActs = map[role]string{anon: "!UNAUTHENTICATED", stranger: "!NOT_FOUND", client: "*", freelancer: "!NOT_FOUND", admin: "!FORBIDDEN"}
	// An action on a public gig of the client's.
	gigOwnerActs = map[role]string{anon: "!UNAUTHENTICATED", stranger: "!FORBIDDEN", client: "*", freelancer: "!FORBIDDEN", admin: "!FORBIDDEN"}
	// Anyone logged in, for themselves.
	anyUser = map[role]string{anon: "!UNAUTHENTICATED", stranger: "*", client: "*", freelancer: "*", admin: "*"}
	// Everyone.
	everyone = map[role]string{anon: "*", stranger: "*", client: "*", freelancer: "*", admin: "*"}
)

var accessMatrix = []accessCase{
	// Private fields of public objects.
	{
		name: "User.email of the client, by node", covers: []string{"User.email"},
		doc: `query($id: ID!) { node(id: $id) { ... on User { email } } }`, vars: byID(func(fx *fixture) string { return fx.userID[client] }),
		path: "node.email", want: map[role]string{anon: "null", stranger: "null", client: "*", freelancer: "null", admin: "*"},
	},
	{
		name: "User.email through a nested edge (freelancer → user)", covers: []string{"Freelancer.user"},
		doc: `query($id: ID!) { node(id: $id) { ... on Freelancer { user { email } } } }`, vars: byID(func(fx *fixture) string { return fx.freelancerID }),
		path: "node.user.email", want: map[role]string{anon: "null", stranger: "null", client: "null", freelancer: "*", admin: "*"},
	},
	{
		name: "User.email through a nested edge (gig → client → user)", covers: []string{"Project.client", "Client.user"},
		doc: `query($id: ID!) { node(id: $id) { ... on Project { client { user { email } } } } }`, vars: byID(func(fx *fixture) string { return fx.projectID }),
		path: "node.client.user.email", want: map[role]string{anon: "null", stranger: "null", client: "*", freelancer: "null", admin: "*"},
	},
	{
		name: "User.isAdmin of an admin", covers: []string{"User.isAdmin"},
		doc: `query($id: ID!) { node(id: $id) { ... on User { isAdmin } } }`, vars: byID(func(fx *fixture) string { return fx.userID[admin] }),
		path: "node.isAdmin", want: map[role]string{anon: "false", stranger: "false", client: "false", freelancer: "false", admin: "true"},
	},
	{
		name: "Query.viewer", covers: []string{"Query.viewer"},
		doc: `{ viewer { id email } }`, vars: ids,
		path: "viewer.email", want: map[role]string{anon: "null", stranger: "*", client: "*", freelancer: "*", admin: "*"},
	},
	{
		name: "Client.orders", covers: []string{"Client.orders", "OrderConnection.*", "OrderEdge.*"}, pending: ordersPending,
		doc: `query($id: ID!) { node(id: $id) { ... on Client { orders { totalCount edges { node { id } } } } } }`, vars: byID(func(fx *fixture) string { return fx.clientID }),
		path: "node.orders", want: map[role]string{anon: "null", stranger: "null", client: "*", freelancer: "null", admin: "*"},
	},
	{
		name: "Freelancer.orders", covers: []string{"Freelancer.orders"}, pending: ordersPending,
		doc: `query($id: ID!) { node(id: $id) { ... on Freelancer { orders { totalCount } } } }`, vars: byID(func(fx *fixture) string { return fx.freelancerID }),
		path: "node.orders", want: map[role]string{anon: "null", stranger: "null", client: "null", freelancer: "*", admin: "*"},
	},
	{
		name: "Project.orders", covers: []string{"Project.orders"}, pending: ordersPending,
		doc: `query($id: ID!) { node(id: $id) { ... on Project { orders { totalCount } } } }`, vars: byID(func(fx *fixture) string { return fx.projectID }),
		path: "node.orders", want: map[role]string{anon: "null", stranger: "null", client: "*", freelancer: "null", admin: "*"},
	},

	// Private root fields.
	{
		name: "Query.orders lists the viewer's own", covers: []string{"Query.orders"}, pending: ordersPending,
		doc: `{ orders { totalCount } }`, vars: ids,
		path: "orders.totalCount", want: map[role]string{anon: "!UNAUTHENTICATED", stranger: "0", client: "2", freelancer: "2", admin: "0"},
	},
	{
		name: "Query.gigAlerts lists the viewer's own", covers: []string{"Query.gigAlerts"}, pending: feedPending,
		doc: `{ gigAlerts { id } }`, vars: ids,
		path: "gigAlerts", want: map[role]string{anon: "!UNAUTHENTICATED", stranger: "[]", client: "*", freelancer: "[]", admin: "[]"},
	},

	// Private objects by global ID, and the edges inside them.
	{
		name: "node(Order)", covers: []string{"Order.*"}, pending: ordersPending,
		doc:  `query($id: ID!) { node(id: $id) { ... on Order { id status amount { amount } project { id } client { id } freelancer { id } } } }`,
		vars: byID(func(fx *fixture) string { return fx.orderID }), path: "node", want: partiesOnly,
	},
	{
		name: "nodes([Order])", pending: ordersPending,
		doc:  `query($id: ID!) { nodes(ids: [$id]) { id } }`,
		vars: byID(func(fx *fixture) string { return fx.orderID }), path: "nodes.0", want: partiesOnly,
	},
	{
		name: "node(Order) → milestones and ledger", pending: ordersPending,
		doc:  `query($id: ID!) { node(id: $id) { ... on Order { milestones { id } ledger { totalCount edges { node { id } } } } } }`,
		vars: byID(func(fx *fixture) string { return fx.orderID }), path: "node", want: partiesOnly,
	},
	{
		name: "node(Milestone)", covers: []string{"Milestone.*"}, pending: ordersPending,
		doc:  `query($id: ID!) { node(id: $id) { ... on Milestone { id status order { id } } } }`,
		vars: byID(func(fx *fixture) string { return fx.milestoneID }), path: "node", want: partiesOnly,
	},
	{
		name: "node(LedgerEntry)", covers: []string{"LedgerEntry.*", "LedgerEntryConnection.*", "LedgerEntryEdge.*"}, pending: ordersPending,
		doc:  `query($id: ID!) { node(id: $id) { ... on LedgerEntry { id account amount { amount } milestone { id } } } }`,
		vars: byID(func(fx *fixture) string { return fx.ledgerID }), path: "node", want: partiesOnly,
	},
	{
		name: "node(GigAlert)", covers: []string{"GigAlert.*", "GigFilterSpec.*"}, pending: feedPending,
		doc:  `query($id: ID!) { node(id: $id) { ... on GigAlert { id name filter { skills } digest { edges { cursor } } } } }`,
		vars: byID(func(fx *fixture) string { return fx.gigAlertID }), path: "node",
		want: map[role]string{anon: "null", stranger: "null", client: "*", freelancer: "null", admin: "*"},
	},
	{
		// Over WebSocket (graphql-transport-ws): each role subscribes, then an event is appended.
		name: "Subscription.orderEvents", covers: []string{"Subscription.orderEvents", "OrderEvent.*"}, websocket: true,
		doc:  `subscription($id: ID!) { orderEvents(orderId: $id) { cursor kind actor { name } } }`,
		vars: byID(func(fx *fixture) string { return fx.orderID }), path: "orderEvents.kind",
		want: map[role]string{anon: "!UNAUTHENTICATED", stranger: "!NOT_FOUND", client: "*", freelancer: "*", admin: "*"},
	},

	// Public objects stay public by node.
	{
		name: "node(Project) is public",
		doc:  `query($id: ID!) { node(id: $id) { ... on Project { id title } } }`,
		vars: byID(func(fx *fixture) string { return fx.projectID }), path: "node", want: everyone,
	},
	{
		name: "node(Freelancer) is public",
		doc:  `query($id: ID!) { node(id: $id) { ... on Freelancer { id headline } } }`,
		vars: byID(func(fx *fixture) string { return fx.freelancerID }), path: "node", want: everyone,
	},

	// Mutations.
	{
		name: "register", covers: []string{"Mutation.register"},
		doc: registerDoc, path: "register.user.email", want: everyone,
		vars: func(_ *fixture, r role) map[string]any {
			return map[string]any{"input": map[string]any{"email": "new-" + string(r) + "@example.com", "password": goodPassword, "name": "New"}}
		},
	},
	{
		name: "login", covers: []string{"Mutation.login"},
		doc: loginDoc, path: "login.user.email", want: everyone,
		vars: func(*fixture, role) map[string]any {
			return map[string]any{"input": map[string]any{"email": "known@example.com", "password": goodPassword}}
		},
	},
	{
		name: "logout", covers: []string{"Mutation.logout"}, fresh: true,
		doc: `mutation { logout }`, vars: ids, path: "logout",
		want: map[role]string{anon: "!UNAUTHENTICATED", stranger: "true", client: "true", freelancer: "true", admin: "true"},
	},
	{
		name: "saveFreelancerProfile", covers: []string{"Mutation.saveFreelancerProfile"}, ownFixture: true,
		doc: saveFreelancerDoc, path: "saveFreelancerProfile.id", want: anyUser,
		vars: func(*fixture, role) map[string]any { return map[string]any{"input": freelancerInput()} },
	},
	{
		name: "saveClientProfile", covers: []string{"Mutation.saveClientProfile"}, ownFixture: true,
		doc: saveClientDoc, path: "saveClientProfile.id", want: anyUser,
		vars: func(_ *fixture, r role) map[string]any {
			return map[string]any{"input": map[string]any{"companyName": "Co " + string(r), "country": "NL"}}
		},
	},
	{
		name: "postProject needs a client profile", covers: []string{"Mutation.postProject"}, ownFixture: true,
		doc: postProjectDoc, path: "postProject.id", want: gigOwnerActs,
		vars: func(*fixture, role) map[string]any { return map[string]any{"input": projectInput()} },
	},
	{
		name: "updateProject", covers: []string{"Mutation.updateProject"},
		doc:  `mutation($id: ID!) { updateProject(input: { id: $id, description: "Same gig." }) { id } }`,
		vars: byID(func(fx *fixture) string { return fx.openProjectID }), path: "updateProject.id", want: gigOwnerActs,
	},
	{
		// The role is checked before the state: only the owner learns that the gig is not OPEN.
		name: "updateProject on a gig in progress",
		doc:  `mutation($id: ID!) { updateProject(input: { id: $id, title: "New title" }) { id } }`,
		vars: byID(func(fx *fixture) string { return fx.projectID }), path: "updateProject.id",
		want: map[role]string{anon: "!UNAUTHENTICATED", stranger: "!FORBIDDEN", client: "!CONFLICT", freelancer: "!FORBIDDEN", admin: "!FORBIDDEN"},
	},
	{
		name: "closeProject on a gig that does not exist",
		doc:  `mutation { closeProject(id: "UHJvamVjdDo5OTk5OQ") { id } }`, vars: ids, path: "closeProject.id",
		want: map[role]string{anon: "!UNAUTHENTICATED", stranger: "!NOT_FOUND", client: "!NOT_FOUND", freelancer: "!NOT_FOUND", admin: "!NOT_FOUND"},
	},
	{
		name: "closeProject", covers: []string{"Mutation.closeProject"}, ownFixture: true,
		doc:  `mutation($id: ID!) { closeProject(id: $id) { id } }`,
		vars: byID(func(fx *fixture) string { return fx.openProjectID }), path: "closeProject.id", want: gigOwnerActs,
	},
	{
		name: "placeOrder", covers: []string{"Mutation.placeOrder"}, ownFixture: true, pending: ordersPending,
		doc: `mutation($p: ID!, $f: ID!) { placeOrder(input: { projectId: $p, freelancerId: $f, amount: { amount: "100", currency: "EUR" }, idempotencyKey: "k1" }) { id } }`,
		vars: func(fx *fixture, _ role) map[string]any {
			return map[string]any{"p": fx.openProjectID, "f": fx.freelancerID}
		},
		path: "placeOrder.id", want: gigOwnerActs,
	},
	{
		name: "acceptOrder", covers: []string{"Mutation.acceptOrder"}, ownFixture: true, pending: ordersPending,
		doc: `mutation($id: ID!) { acceptOrder(id: $id) { id } }`, vars: byID(func(fx *fixture) string { return fx.proposedOrderID }),
		path: "acceptOrder.id", want: freelancerActs,
	},
	{
		name: "declineOrder", covers: []string{"Mutation.declineOrder"}, ownFixture: true, pending: ordersPending,
		doc: `mutation($id: ID!) { declineOrder(id: $id) { id } }`, vars: byID(func(fx *fixture) string { return fx.proposedOrderID }),
		path: "declineOrder.id", want: freelancerActs,
	},
	{
		// Either side may cancel; the freelancer's turn is not checked because the client's comes
		// first on the same order.
		name: "cancelOrder", covers: []string{"Mutation.cancelOrder"}, ownFixture: true, pending: ordersPending,
		doc: `mutation($id: ID!) { cancelOrder(id: $id) { id } }`, vars: byID(func(fx *fixture) string { return fx.proposedOrderID }),
		path: "cancelOrder.id", want: map[role]string{anon: "!UNAUTHENTICATED", stranger: "!NOT_FOUND", client: "*", freelancer: "-", admin: "!FORBIDDEN"},
	},
	{
		// The client may complete, but not while a milestone holds money: the role check passes
		// and the state check refuses.
		name: "completeOrder", covers: []string{"Mutation.completeOrder"}, ownFixture: true, pending: ordersPending,
		doc: `mutation($id: ID!) { completeOrder(id: $id) { id } }`, vars: byID(func(fx *fixture) string { return fx.orderID }),
		path: "completeOrder.id", want: map[role]string{anon: "!UNAUTHENTICATED", stranger: "!NOT_FOUND", client: "!CONFLICT", freelancer: "!FORBIDDEN", admin: "!FORBIDDEN"},
	},
	{
		name: "addMilestone", covers: []string{"Mutation.addMilestone"}, ownFixture: true, pending: ordersPending,
		doc:  `mutation($id: ID!) { addMilestone(input: { orderId: $id, title: "More", amount: { amount: "10", currency: "EUR" } }) { id } }`,
		vars: byID(func(fx *fixture) string { return fx.orderID }), path: "addMilestone.id", want: clientActs,
	},
	{
		name: "fundMilestone", covers: []string{"Mutation.fundMilestone"}, ownFixture: true, pending: ordersPending,
		doc:  `mutation($id: ID!) { fundMilestone(id: $id, idempotencyKey: "f1") { id } }`,
		vars: byID(func(fx *fixture) string { return fx.pendingMilestoneID }), path: "fundMilestone.id", want: clientActs,
	},
	{
		name: "submitMilestone", covers: []string{"Mutation.submitMilestone"}, ownFixture: true, pending: ordersPending,
		doc:  `mutation($id: ID!) { submitMilestone(id: $id) { id } }`,
		vars: byID(func(fx *fixture) string { return fx.milestoneID }), path: "submitMilestone.id", want: freelancerActs,
	},
	{
		name: "releaseMilestone", covers: []string{"Mutation.releaseMilestone"}, ownFixture: true, pending: ordersPending,
		doc:  `mutation($id: ID!) { releaseMilestone(id: $id, idempotencyKey: "r1") { id } }`,
		vars: byID(func(fx *fixture) string { return fx.milestoneID }), path: "releaseMilestone.id", want: clientActs,
	},
	{
		// The client (while FUNDED) or an admin refunds; the admin's turn comes first here, so the
		// client's is not checked on the same milestone.
		name: "refundMilestone", covers: []string{"Mutation.refundMilestone"}, ownFixture: true, pending: ordersPending,
		doc:  `mutation($id: ID!) { refundMilestone(id: $id, idempotencyKey: "x1") { id } }`,
		vars: byID(func(fx *fixture) string { return fx.milestoneID }), path: "refundMilestone.id",
		want: map[role]string{anon: "!UNAUTHENTICATED", stranger: "!NOT_FOUND", client: "-", freelancer: "!FORBIDDEN", admin: "*"},
	},
	{
		name: "createGigAlert", covers: []string{"Mutation.createGigAlert"}, ownFixture: true, pending: feedPending,
		doc:  `mutation { createGigAlert(input: { name: "Go", filter: { skills: ["go"] }, cadence: WEEKLY }) { id } }`,
		vars: ids, path: "createGigAlert.id", want: anyUser,
	},
	{
		name: "deleteGigAlert", covers: []string{"Mutation.deleteGigAlert"}, ownFixture: true, pending: feedPending,
		doc: `mutation($id: ID!) { deleteGigAlert(id: $id) }`, vars: byID(func(fx *fixture) string { return fx.gigAlertID }),
		path: "deleteGigAlert", want: alertOwnerActs,
	},
	{
		name: "ackGigAlert", covers: []string{"Mutation.ackGigAlert"}, ownFixture: true, pending: feedPending,
		doc: `mutation($id: ID!, $c: String!) { ackGigAlert(id: $id, cursor: $c) { id } }`,
		vars: func(fx *fixture, _ role) map[string]any {
			return map[string]any{"id": fx.gigAlertID, "c": fx.gigCursor}
		},
		path: "ackGigAlert.id", want: alertOwnerActs,
	},
}

// TestAccessMatrixComplete fails when a schema field is neither public nor covered by a case, and
// when a listed field no longer exists.
func TestAccessMatrixComplete(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	known := map[string]bool{}
	for name, def := range schema.Types {
		if def.Kind != ast.Object || strings.HasPrefix(name, "__") {
			continue
		}
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				known[name+"."+f.Name] = true
			}
		}
	}
	decided := map[string]string{}
	for typ, fields := range publicFields {
		for _, f := range strings.Fields(fields) {
			decided[typ+"."+f] = "public"
		}
	}
	for _, c := range accessMatrix {
		for _, cov := range c.covers {
			typ, field, _ := strings.Cut(cov, ".")
			if field != "*" {
				decided[cov] = c.name
				continue
			}
			if def := schema.Types[typ]; def == nil || def.Kind != ast.Object {
				t.Errorf("case %q covers %s: no such object type", c.name, cov)
				continue
			}
			for _, f := range schema.Types[typ].Fields {
				decided[typ+"."+f.Name] = c.name
			}
		}
	}
	var missing, stale []string
	for coord := range known {
		if _, ok := decided[coord]; !ok {
			missing = append(missing, coord)
		}
	}
	for coord := range decided {
		if !known[coord] && !strings.Contains(coord, ".__") {
			stale = append(stale, coord)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("schema fields with no access decision: %s\nadd each to publicFields or to a case of accessMatrix", strings.Join(missing, ", "))
	}
	if len(stale) > 0 {
		t.Errorf("access matrix lists fields the schema does not have: %s", strings.Join(stale, ", "))
	}
}

// TestAccessMatrix runs every case for every role over real HTTP.
func TestAccessMatrix(t *testing.T) {
	shared := newFixture(t) // made on t, so it lives until every case has run
	for _, c := range accessMatrix {
		t.Run(c.name, func(t *testing.T) {
			if c.pending != "" && !shared.landed(t, c.pending) {
				t.Skip("waits for " + c.pending)
			}
			fx := shared
			if c.ownFixture {
				fx = newFixture(t)
			}
			for _, r := range runOrder(c.want) {
				t.Run(string(r), func(t *testing.T) {
					var vars map[string]any
					if c.vars != nil {
						vars = c.vars(fx, r)
					}
					var res *apitest.Response
					if c.websocket {
						res = fx.subscribe(t, r, c.doc, vars)
					} else {
						res = fx.client(t, r, c.fresh).Do(t, c.doc, vars)
					}
					judge(t, res, c.path, c.want[r])
				})
			}
		})
	}
}

// runOrder puts the roles expected to fail first, so that a role whose call succeeds and changes
// state (closing the gig) does so after the refusals were checked.
func runOrder(want map[role]string) []role {
	var fail, succeed []role
	for _, r := range roles {
		switch w := want[r]; {
		case w == "" || w == "-":
		case strings.HasPrefix(w, "!") || w == "null":
			fail = append(fail, r)
		default:
			succeed = append(succeed, r)
		}
	}
	return append(fail, succeed...)
}

func judge(t *testing.T, res *apitest.Response, path, want string) {
	t.Helper()
	if code, ok := strings.CutPrefix(want, "!"); ok {
		for _, c := range res.Codes() {
			if c == code {
				return
			}
		}
		t.Fatalf("got data %s errors %+v, want error %s", res.Data, res.Errors, code)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("got errors %+v, want %s at %s", res.Errors, want, path)
	}
	var data any
	if err := json.Unmarshal(res.Data, &data); err != nil {
		t.Fatal(err)
	}
	got := at(data, path)
	switch want {
	case "*":
		if got == nil {
			t.Fatalf("got null at %s (data %s), want a value", path, res.Data)
		}
	case "null":
		if got != nil {
			t.Fatalf("got %v at %s, want null", got, path)
		}
	default:
		b, _ := json.Marshal(got)
		if string(b) != want {
			t.Fatalf("got %s at %s, want %s", b, path, want)
		}
	}
}

// at follows a dot path ("node.orders", "nodes.0") through decoded JSON; a null on the way is null.
func at(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// fixture is a small marketplace: a client with three gigs; a freelancer hired on the first
// (IN_PROGRESS; an ACCEPTED order with a funded milestone, its ledger entries and a pending
// milestone) and offered an order on the second (OPEN, a PROPOSED order); the third is OPEN with no
// orders. Plus a stranger without profiles, an admin, and a gig alert of the client's once gig
// alerts exist.
type fixture struct {
	srv    *apitest.Server
	tokens map[role]string
	users  map[role]*market.User
	userID map[role]string

	clientID, freelancerID                    string
	projectID, openProjectID                  string
	orderID, proposedOrderID                  string
	milestoneID, pendingMilestoneID, ledgerID string
	orderKey                                  int64
	gigAlertID, gigCursor                     string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := newServer(t, api.Config{LoginLimits: auth.LoginLimits{AddressEvery: time.Millisecond, AddressBurst: 1000, AccountEvery: time.Millisecond, AccountBurst: 1000, MaxFailures: 1000, Window: time.Minute}})
	ctx := context.Background()
	store := srv.Store
	fx := &fixture{srv: srv, tokens: map[role]string{}, users: map[role]*market.User{}, userID: map[role]string{}}
	for _, r := range []role{stranger, client, freelancer, admin} {
		u, token := apitest.NewUser(t, store, r == admin)
		fx.users[r], fx.tokens[r], fx.userID[r] = u, token, relay.ID("User", u.ID)
	}
	register(t, srv, "known@example.com", goodPassword, "Known")

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := store.SaveClientProfile(ctx, fx.users[client].ID, db.ClientProfile{CompanyName: "Client BV", Country: "NL"})
	must(err)
	f, err := store.SaveFreelancerProfile(ctx, fx.users[freelancer].ID, db.FreelancerProfile{
		Headline: "Go back ends", Country: "DE", Seniority: market.SenioritySenior, YearsExperience: 9,
		DailyRate: market.Money{Minor: 70000, Currency: "EUR"}, Available: true, Skills: []db.ProfileSkill{{Slug: "go", Level: 5, Years: 9}},
	})
	must(err)
	newGig := func(title string) *market.Project {
		p, err := store.PostProject(ctx, db.NewProject{ClientID: c.ID, Title: title, Description: "A gig.", Skills: []string{"go"},
			RateType: market.RateFixed, Budget: market.Money{Minor: 2_000_000, Currency: "EUR"}, Remote: true})
		must(err)
		return p
	}
	p, p2, p3 := newGig("Hired gig"), newGig("Proposed gig"), newGig("Open gig")

	sql := store.DB()
	var orderID, proposedID, funded, pending, ledger int64
	_, err = sql.ExecContext(ctx, `UPDATE projects SET status = 'IN_PROGRESS' WHERE id = $1`, p.ID)
	must(err)
	// Room is left in the accepted order for one more milestone (2,000,000 > 400,000 + 600,000).
	must(sql.GetContext(ctx, &orderID, `INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency, status, accepted_at)
		VALUES ($1, $2, $3, 'FIXED', 2000000, 'EUR', 'ACCEPTED', now()) RETURNING id`, p.ID, c.ID, f.ID))
	must(sql.GetContext(ctx, &proposedID, `INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency)
		VALUES ($1, $2, $3, 'FIXED', 500000, 'EUR') RETURNING id`, p2.ID, c.ID, f.ID))
	must(sql.GetContext(ctx, &funded, `INSERT INTO milestones (order_id, title, amount, currency, status, funded_at)
		VALUES ($1, 'Design', 400000, 'EUR', 'FUNDED', now()) RETURNING id`, orderID))
	must(sql.GetContext(ctx, &pending, `INSERT INTO milestones (order_id, title, amount, currency)
		VALUES ($1, 'Build', 600000, 'EUR') RETURNING id`, orderID))
	must(sql.GetContext(ctx, &ledger, `WITH t AS (SELECT nextval('ledger_transfer_seq') AS id)
		INSERT INTO ledger_entries (transfer_id, kind, account, amount, currency, order_id, milestone_id)
		SELECT t.id, 'FUND', a.account, a.amount, 'EUR', $1, $2 FROM t,
			(VALUES ('client:' || $3::bigint, -400000), ('escrow:milestone:' || $2::bigint, 400000)) AS a(account, amount)
		RETURNING id`, orderID, funded, c.ID))

	fx.clientID, fx.freelancerID = relay.ID("Client", c.ID), relay.ID("Freelancer", f.ID)
	fx.projectID, fx.openProjectID = relay.ID("Project", p.ID), relay.ID("Project", p3.ID)
	fx.orderID, fx.proposedOrderID, fx.orderKey = relay.ID("Order", orderID), relay.ID("Order", proposedID), orderID
	fx.milestoneID, fx.pendingMilestoneID = relay.ID("Milestone", funded), relay.ID("Milestone", pending)
	fx.ledgerID = relay.ID("LedgerEntry", ledger)
	if fx.landed(t, feedPending) {
		var out struct {
			CreateGigAlert struct{ ID, Cursor string }
		}
		fx.srv.As(fx.tokens[client]).MustDo(t, `mutation { createGigAlert(input: { name: "Go gigs", filter: { skills: ["go"] }, cadence: WEEKLY }) { id cursor } }`, nil, &out)
		fx.gigAlertID, fx.gigCursor = out.CreateGigAlert.ID, out.CreateGigAlert.Cursor
	}
	return fx
}

// client returns the GraphQL client of a role; fresh makes a new session for it first.
func (fx *fixture) client(t *testing.T, r role, fresh bool) *apitest.Client {
	t.Helper()
	if r == anon {
		return fx.srv.Client()
	}
	if !fresh {
		return fx.srv.As(fx.tokens[r])
	}
	token, hash := auth.NewToken()
	if err := fx.srv.Store.CreateSession(context.Background(), fx.users[r].ID, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return fx.srv.As(token)
}

// subscribe runs a subscription as role r over graphql-transport-ws. After the server has answered
// a ping sent behind the subscribe message, events are appended to the accepted order, one every
// 200 ms (the subscription may go live a moment after the pong), until the first arrives. The
// result is that event or the operation's error, shaped like an HTTP response.
func (fx *fixture) subscribe(t *testing.T, r role, doc string, vars map[string]any) *apitest.Response {
	t.Helper()
	c := feedtest.Dial(t, fx.srv.URL, ws.TransportWS)
	c.Init(fx.tokens[r]) // no token for anonymous
	c.Subscribe("1", doc, vars)
	c.Send(map[string]any{"type": "ping"})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	for {
		m := c.Read(10 * time.Second)
		res := &apitest.Response{}
		switch m.Type {
		case "pong":
			wg.Go(func() {
				tick := time.NewTicker(200 * time.Millisecond)
				defer tick.Stop()
				for {
					err := fx.srv.Store.InTx(context.Background(), func(tx *sqlx.Tx) error {
						return db.AppendOrderEvent(context.Background(), tx, db.OrderEvent{OrderID: fx.orderKey, Kind: "MILESTONE_SUBMITTED", ActorID: &fx.users[freelancer].ID})
					})
					if err != nil {
						t.Error(err)
						return
					}
					select {
					case <-stop:
						return
					case <-tick.C:
					}
				}
			})
		case "next":
			if err := json.Unmarshal(m.Payload, res); err != nil {
				t.Fatal(err)
			}
			return res
		case "error":
			if err := json.Unmarshal(m.Payload, &res.Errors); err != nil {
				t.Fatal(err)
			}
			return res
		default:
			t.Fatalf("got %s %s", m.Type, m.Payload)
		}
	}
}
