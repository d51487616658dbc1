package resolvers_test

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/market"
)

// The property test drives random sequences of order operations by random actors (the client, the
// freelancer, a stranger, an admin) through GraphQL, predicts each outcome from a model of the
// state machines, access rules and idempotency keys, and after every step checks the prediction,
// the stored states, and the ledger invariants.

const (
	propertySequences = 40
	propertySteps     = 20
)

type actor string

const (
	actClient     actor = "client"
	actFreelancer actor = "freelancer"
	actStranger   actor = "stranger"
	actAdmin      actor = "admin"
)

type modelMilestone struct {
	id     string
	amount int64
	status string
}

type modelOrder struct {
	id         string
	amount     int64
	status     string
	milestones []*modelMilestone
}

type modelKey struct{ op, input, result string }

type model struct {
	project string
	orders  []*modelOrder // every order placed, the current one last
	keys    map[actor]map[string]modelKey
}

func (m *model) current() *modelOrder {
	if len(m.orders) == 0 {
		return nil
	}
	return m.orders[len(m.orders)-1]
}

// settle mirrors the store: an IN_PROGRESS project without live orders completes if one of its
// orders did, and opens again otherwise.
func (m *model) settle() {
	if m.project != "IN_PROGRESS" {
		return
	}
	completed := false
	for _, o := range m.orders {
		if o.status == "PROPOSED" || o.status == "ACCEPTED" {
			return
		}
		completed = completed || o.status == "COMPLETED"
	}
	if completed {
		m.project = "COMPLETED"
	} else {
		m.project = "OPEN"
	}
}

// keyOutcome predicts what a keyed call finds: "" for a fresh key, "CONFLICT" for a key used with
// other input, or the status of the first result for a replay.
func (m *model) keyOutcome(a actor, key, op, input string) (replayStatus, code string) {
	k, ok := m.keys[a][key]
	switch {
	case !ok:
		return "", ""
	case k.op != op || k.input != input:
		return "", "CONFLICT"
	default:
		return k.result, ""
	}
}

func (m *model) useKey(a actor, key, op, input, result string) {
	if m.keys[a] == nil {
		m.keys[a] = map[string]modelKey{}
	}
	m.keys[a][key] = modelKey{op, input, result}
}

func minor(s string) int64 {
	p, err := market.ParseMoney(market.Decimal(s), "EUR")
	if err != nil {
		panic(err)
	}
	return p.Minor
}

func TestOrderProperties(t *testing.T) {
	if testing.Short() {
		t.Skip("property test skipped in -short mode")
	}
	// Keep the run bounded unless -rapid.checks was given.
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if !set {
		if err := flag.Set("rapid.checks", fmt.Sprint(propertySequences)); err != nil {
			t.Fatal(err)
		}
	}
	srv := apitest.New(t, api.Config{})
	start, steps := time.Now(), 0
	done := map[string]int{} // executed transitions, to show what the sequences reached
	rapid.Check(t, func(rt *rapid.T) {
		d := newDeal(t, srv)
		clients := map[actor]*apitest.Client{actClient: d.client, actFreelancer: d.freelancer, actStranger: d.stranger, actAdmin: d.admin}
		m := &model{project: "OPEN", keys: map[actor]map[string]modelKey{}}
		fresh, last := 0, map[actor]string{}
		// Keys: mostly fresh; sometimes a retry with the actor's last key; sometimes one fixed key
		// the actor reuses across operations.
		drawKey := func(a actor) string {
			key := ""
			// rapid favours small numbers: keep the common case there.
			switch i := rapid.IntRange(0, 9).Draw(rt, "key"); {
			case i <= 6 || (i <= 8 && last[a] == ""):
				fresh++
				key = fmt.Sprint("fresh-", fresh)
			case i <= 8:
				key = last[a]
			default:
				key = "shared"
			}
			last[a] = key
			return key
		}
		for range propertySteps {
			steps++
			// Mostly the side whose step it is, so that sequences get far; sometimes anyone.
			// Mostly a step the state allows, so that sequences get far; sometimes any step.
			ops := weightedOps
			if enabled := m.enabled(); len(enabled) > 0 && rapid.IntRange(0, 3).Draw(rt, "anyOp") < 3 {
				ops = enabled
			}
			op := rapid.SampledFrom(ops).Draw(rt, "op")
			a := rapid.SampledFrom(rightful[op]).Draw(rt, "actor")
			if rapid.IntRange(0, 3).Draw(rt, "anyone") == 3 {
				a = rapid.SampledFrom([]actor{actClient, actFreelancer, actStranger, actAdmin}).Draw(rt, "actor")
			}
			o := m.current()
			if op != "place" && o == nil {
				op = "place"
			}
			var ms *modelMilestone
			if slices.Contains([]string{"fund", "submit", "release", "refund"}, op) {
				if o == nil || len(o.milestones) == 0 {
					op = "add"
				} else {
					// Mostly a milestone that can still move.
					pool := o.milestones
					var live []*modelMilestone
					for _, x := range o.milestones {
						if x.status == "PENDING" || x.status == "FUNDED" || x.status == "SUBMITTED" {
							live = append(live, x)
						}
					}
					if len(live) > 0 && rapid.IntRange(0, 3).Draw(rt, "anyMilestone") < 3 {
						pool = live
					}
					ms = rapid.SampledFrom(pool).Draw(rt, "milestone")
				}
			}
			c := clients[a]
			var (
				res        *apitest.Response
				wantCode   string
				wantStatus string
				apply      func(status, id string)
			)
			// Access first, as the resolvers check it: strangers see nothing, admins see all.
			sees := a != actStranger
			roleOK := func(allowed ...actor) bool { return slices.Contains(allowed, a) }
			switch op {
			case "place":
				amount := rapid.SampledFrom([]string{"150.00", "400.00"}).Draw(rt, "orderAmount")
				key := drawKey(a)
				input := "place:" + amount
				res = c.Do(t, placeOrder, map[string]any{"input": map[string]any{
					"projectId": d.projectGID, "freelancerId": d.freelancerGID, "amount": money(amount), "idempotencyKey": key}})
				replay, code := m.keyOutcome(a, key, "placeOrder", input)
				switch {
				case code != "":
					wantCode = code
				case replay != "":
					wantStatus = replay
				case a != actClient:
					wantCode = "FORBIDDEN"
				case m.project != "OPEN" || (o != nil && (o.status == "PROPOSED" || o.status == "ACCEPTED")):
					wantCode = "CONFLICT"
				default:
					wantStatus = "PROPOSED"
					apply = func(status, id string) {
						m.orders = append(m.orders, &modelOrder{id: id, amount: minor(amount), status: "PROPOSED"})
						m.useKey(a, key, "placeOrder", input, status)
					}
				}
			case "accept", "decline":
				q := map[string]string{"accept": acceptOrd, "decline": declineOrd}[op]
				res = c.Do(t, q, map[string]any{"id": o.id})
				switch {
				case !sees:
					wantCode = "NOT_FOUND"
				case !roleOK(actFreelancer):
					wantCode = "FORBIDDEN"
				case o.status != "PROPOSED":
					wantCode = "CONFLICT"
				default:
					wantStatus = map[string]string{"accept": "ACCEPTED", "decline": "DECLINED"}[op]
					apply = func(status, _ string) {
						o.status = status
						if status == "ACCEPTED" && m.project == "OPEN" {
							m.project = "IN_PROGRESS"
						}
						for _, x := range o.milestones {
							if x.status == "PENDING" && status == "DECLINED" {
								x.status = "CANCELLED"
							}
						}
						m.settle()
					}
				}
			case "cancel", "complete":
				q := map[string]string{"cancel": cancelOrd, "complete": completeOr}[op]
				res = c.Do(t, q, map[string]any{"id": o.id})
				held, open := false, false
				for _, x := range o.milestones {
					held = held || x.status == "FUNDED" || x.status == "SUBMITTED"
					open = open || x.status == "FUNDED" || x.status == "SUBMITTED" || x.status == "PENDING"
				}
				switch {
				case !sees:
					wantCode = "NOT_FOUND"
				case op == "cancel" && !roleOK(actClient, actFreelancer), op == "complete" && !roleOK(actClient):
					wantCode = "FORBIDDEN"
				case op == "cancel" && (o.status != "PROPOSED" && o.status != "ACCEPTED" || held),
					op == "complete" && (o.status != "ACCEPTED" || open):
					wantCode = "CONFLICT"
				default:
					wantStatus = map[string]string{"cancel": "CANCELLED", "complete": "COMPLETED"}[op]
					apply = func(status, _ string) {
						o.status = status
						for _, x := range o.milestones {
							if x.status == "PENDING" {
								x.status = "CANCELLED"
							}
						}
						m.settle()
					}
				}
			case "add":
				amount := rapid.SampledFrom([]string{"50.00", "75.00", "100.00"}).Draw(rt, "milestoneAmount")
				res = c.Do(t, addMs, map[string]any{"input": map[string]any{"orderId": o.id, "title": "Part", "amount": money(amount)}})
				var committed int64
				for _, x := range o.milestones {
					if x.status != "CANCELLED" && x.status != "REFUNDED" {
						committed += x.amount
					}
				}
				switch {
				case !sees:
					wantCode = "NOT_FOUND"
				case !roleOK(actClient):
					wantCode = "FORBIDDEN"
				case o.status != "PROPOSED" && o.status != "ACCEPTED":
					wantCode = "CONFLICT"
				case committed+minor(amount) > o.amount:
					wantCode = "BAD_USER_INPUT"
				default:
					wantStatus = "PENDING"
					apply = func(status, id string) {
						o.milestones = append(o.milestones, &modelMilestone{id: id, amount: minor(amount), status: status})
					}
				}
			case "fund", "submit", "release", "refund":
				key := drawKey(a)
				vars := map[string]any{"id": ms.id, "key": key}
				q := map[string]string{"fund": fundMs, "submit": submitMs, "release": releaseMs, "refund": refundMs}[op]
				if op == "submit" {
					delete(vars, "key")
				}
				res = c.Do(t, q, vars)
				allowedRole := map[string][]actor{"fund": {actClient}, "submit": {actFreelancer}, "release": {actClient}, "refund": {actClient, actAdmin}}[op]
				from := map[string][]string{"fund": {"PENDING"}, "submit": {"FUNDED"}, "release": {"FUNDED", "SUBMITTED"}, "refund": {"FUNDED"}}[op]
				if op == "refund" && a == actAdmin {
					from = append(from, "SUBMITTED")
				}
				to := map[string]string{"fund": "FUNDED", "submit": "SUBMITTED", "release": "RELEASED", "refund": "REFUNDED"}[op]
				gqlOp := op + "Milestone"
				input := op + ":" + ms.id
				replay, keyCode := "", ""
				if op != "submit" {
					replay, keyCode = m.keyOutcome(a, key, gqlOp, input)
				}
				switch {
				case !sees:
					wantCode = "NOT_FOUND"
				case !roleOK(allowedRole...):
					wantCode = "FORBIDDEN"
				case keyCode != "":
					wantCode = keyCode
				case replay != "":
					wantStatus = replay
				case o.status != "ACCEPTED" || !slices.Contains(from, ms.status):
					wantCode = "CONFLICT"
				default:
					wantStatus = to
					apply = func(status, _ string) {
						ms.status = status
						if op != "submit" {
							m.useKey(a, key, gqlOp, input, status)
						}
					}
				}
			}

			// Compare the answer with the prediction.
			if wantCode != "" {
				done[op+" by "+string(a)+" -> "+wantCode]++
				if len(res.Errors) != 1 || res.Errors[0].Code() != wantCode {
					rt.Fatalf("%s by %s: errors %+v, want %s", op, a, res.Errors, wantCode)
				}
			} else {
				if len(res.Errors) > 0 {
					rt.Fatalf("%s by %s: errors %+v, want status %s", op, a, res.Errors, wantStatus)
				}
				var got struct{ ID, Status string }
				var data map[string]struct{ ID, Status string }
				res.Decode(t, &data)
				for _, v := range data {
					got = v
				}
				if got.Status != wantStatus {
					rt.Fatalf("%s by %s: status %s, want %s", op, a, got.Status, wantStatus)
				}
				if apply != nil {
					apply(got.Status, got.ID)
					done[op+" by "+string(a)]++
				}
			}
			// The stored states match the model, and the money is exact.
			checkModel(rt, t, srv, d, m)
			if err := srv.Store.CheckLedger(context.Background()); err != nil {
				rt.Fatalf("after %s by %s: %v", op, a, err)
			}
		}
	})
	keys := slices.Sorted(maps.Keys(done))
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = fmt.Sprintf("%s: %d", k, done[k])
	}
	t.Logf("%d steps in %v; outcomes:\n%s", steps, time.Since(start), strings.Join(lines, "\n"))
}

// enabled lists the operations (with weightedOps' weights) that the model's state allows for the
// rightful side.
func (m *model) enabled() []string {
	o := m.current()
	live := o != nil && (o.status == "PROPOSED" || o.status == "ACCEPTED")
	accepted := o != nil && o.status == "ACCEPTED"
	has := func(statuses ...string) bool {
		if o == nil {
			return false
		}
		for _, x := range o.milestones {
			if slices.Contains(statuses, x.status) {
				return true
			}
		}
		return false
	}
	var committed int64
	if o != nil {
		for _, x := range o.milestones {
			if x.status != "CANCELLED" && x.status != "REFUNDED" {
				committed += x.amount
			}
		}
	}
	ok := map[string]bool{
		"place":    !live && m.project == "OPEN",
		"accept":   o != nil && o.status == "PROPOSED",
		"decline":  o != nil && o.status == "PROPOSED",
		"cancel":   live && !has("FUNDED", "SUBMITTED"),
		"complete": accepted && !has("PENDING", "FUNDED", "SUBMITTED"),
		"add":      live && committed+minor("100.00") <= o.amount,
		"fund":     accepted && has("PENDING"),
		"submit":   accepted && has("FUNDED"),
		"release":  accepted && has("FUNDED", "SUBMITTED"),
		"refund":   accepted && has("FUNDED", "SUBMITTED"),
	}
	var out []string
	for _, op := range weightedOps {
		if ok[op] {
			out = append(out, op)
		}
	}
	return out
}

// weightedOps favours the milestone steps, where the money moves; they come first because rapid
// favours the first elements.
var weightedOps = []string{"fund", "fund", "fund", "submit", "submit", "release", "release", "refund", "refund",
	"add", "add", "add", "accept", "accept", "complete", "complete", "place", "place", "decline", "cancel"}

// rightful is whose step each operation is.
var rightful = map[string][]actor{
	"place": {actClient}, "accept": {actFreelancer}, "decline": {actFreelancer}, "cancel": {actClient, actFreelancer},
	"complete": {actClient}, "add": {actClient}, "fund": {actClient}, "submit": {actFreelancer}, "release": {actClient},
	"refund": {actClient, actAdmin},
}

func checkModel(rt *rapid.T, t *testing.T, srv *apitest.Server, d *deal, m *model) {
	want := map[string]string{"project": m.project}
	for _, o := range m.orders {
		want["order "+fmt.Sprint(mustKey(t, o.id, "Order"))] = o.status
		for _, x := range o.milestones {
			want["milestone "+fmt.Sprint(mustKey(t, x.id, "Milestone"))] = x.status
		}
	}
	var rows []struct{ Name, Status string }
	const q = `SELECT 'project' AS name, status FROM projects WHERE id = $1
		UNION ALL SELECT 'order ' || id, status FROM orders WHERE project_id = $1
		UNION ALL SELECT 'milestone ' || m.id, m.status FROM milestones m JOIN orders o ON o.id = m.order_id WHERE o.project_id = $1`
	if err := srv.Store.DB().SelectContext(context.Background(), &rows, q, d.projectID); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Name] = r.Status
	}
	if !maps.Equal(got, want) {
		rt.Fatalf("stored states %v, model says %v", got, want)
	}
}
