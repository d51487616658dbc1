package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/market"
)

// deal is a client user with a gig and a freelancer user, made with plain SQL because the profile
// and gig mutations belong to other parts of the store.
type deal struct {
	ClientUser, FreelancerUser, Stranger int64
	ClientID, FreelancerID, ProjectID    int64
}

var fixtureSeq atomic.Int64

func newUser(t testing.TB, x sqlx.QueryerContext) int64 {
	t.Helper()
	n := fixtureSeq.Add(1)
	var id int64
	err := sqlx.GetContext(context.Background(), x, &id,
		`INSERT INTO users (email, name, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
		fmt.Sprintf("u%d-%p@example.com", n, t), fmt.Sprintf("User %d", n))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func newDeal(t testing.TB, s *db.Store, rateType market.RateType) deal {
	t.Helper()
	ctx, x := context.Background(), s.DB()
	d := deal{ClientUser: newUser(t, x), FreelancerUser: newUser(t, x), Stranger: newUser(t, x)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sqlx.GetContext(ctx, x, &d.ClientID, `INSERT INTO clients (user_id, company_name, country) VALUES ($1, 'Acme', 'DE') RETURNING id`, d.ClientUser))
	must(sqlx.GetContext(ctx, x, &d.FreelancerID, `INSERT INTO freelancers (user_id, headline, country, seniority, years_experience, daily_rate, currency)
		VALUES ($1, 'Go developer', 'FR', 'SENIOR', 10, 60000, 'EUR') RETURNING id`, d.FreelancerUser))
	must(sqlx.GetContext(ctx, x, &d.ProjectID, `INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote)
		VALUES ($1, 'Payment service', 'Build it', $2, 1000000, 'EUR', true) RETURNING id`, d.ClientID, rateType))
	return d
}

func eur(minor int64) market.Money { return market.Money{Minor: minor, Currency: "EUR"} }

// wantCode fails unless err has the code, and returns the error's details.
func wantCode(t testing.TB, err error, want market.Code) market.Error {
	t.Helper()
	if got := market.ErrorCode(err); got != want {
		t.Fatalf("got code %q (%v), want %q", got, err, want)
	}
	var me *market.Error
	if !errors.As(err, &me) {
		return market.Error{}
	}
	return *me
}

func mustNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func checkLedger(t testing.TB, s *db.Store) {
	t.Helper()
	if err := s.CheckLedger(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func status(t testing.TB, s *db.Store, table string, id int64) string {
	t.Helper()
	var st string
	mustNoErr(t, s.DB().GetContext(context.Background(), &st, `SELECT status FROM `+table+` WHERE id = $1`, id))
	return st
}

// acceptedOrder places and accepts an order of amount with one milestone per amount in ms.
func acceptedOrder(t testing.TB, s *db.Store, d deal, amount int64, ms ...int64) (*market.Order, []*market.Milestone) {
	t.Helper()
	ctx := context.Background()
	o, err := s.PlaceOrder(ctx, d.ClientUser, db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: d.FreelancerID, Amount: eur(amount), Key: fmt.Sprintf("place-%d-%d", d.ProjectID, fixtureSeq.Add(1))})
	mustNoErr(t, err)
	var out []*market.Milestone
	for i, a := range ms {
		m, err := s.AddMilestone(ctx, d.ClientUser, db.AddMilestoneInput{OrderID: o.ID, Title: fmt.Sprintf("Part %d", i+1), Amount: eur(a)})
		mustNoErr(t, err)
		out = append(out, m)
	}
	o, err = s.AcceptOrder(ctx, d.FreelancerUser, o.ID)
	mustNoErr(t, err)
	return o, out
}

func TestOrderLifecycle(t *testing.T) {
	s := dbtest.New(t)
	ctx := context.Background()
	d := newDeal(t, s, market.RateFixed)

	o, err := s.PlaceOrder(ctx, d.ClientUser, db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: d.FreelancerID, Amount: eur(300000), Key: "k1"})
	mustNoErr(t, err)
	if o.Status != market.OrderProposed || o.RateType != market.RateFixed || o.ClientUserID != d.ClientUser || o.FreelancerUserID != d.FreelancerUser {
		t.Fatalf("placed order = %+v", o)
	}
	var ms []*market.Milestone
	for _, a := range []int64{100000, 100000, 100000} {
		m, err := s.AddMilestone(ctx, d.ClientUser, db.AddMilestoneInput{OrderID: o.ID, Title: "Part", Amount: eur(a)})
		mustNoErr(t, err)
		ms = append(ms, m)
	}
	// The milestones use up the amount: one more cent does not fit.
	_, err = s.AddMilestone(ctx, d.ClientUser, db.AddMilestoneInput{OrderID: o.ID, Title: "Extra", Amount: eur(1)})
	if me := wantCode(t, err, market.CodeBadUserInput); me.Extensions["available"] != "0.00" {
		t.Fatalf("extensions = %v, want available 0.00", me.Extensions)
	}
	// Funding waits for acceptance.
	_, err = s.FundMilestone(ctx, d.ClientUser, ms[0].ID, "f0")
	if me := wantCode(t, err, market.CodeConflict); me.Extensions["orderStatus"] != market.OrderProposed {
		t.Fatalf("extensions = %v", me.Extensions)
	}
	o, err = s.AcceptOrder(ctx, d.FreelancerUser, o.ID)
	mustNoErr(t, err)
	if o.Status != market.OrderAccepted || status(t, s, "projects", d.ProjectID) != "IN_PROGRESS" {
		t.Fatalf("after accept: order %s, project %s", o.Status, status(t, s, "projects", d.ProjectID))
	}
	for i, m := range ms {
		m, err = s.FundMilestone(ctx, d.ClientUser, m.ID, fmt.Sprintf("fund-%d", i))
		mustNoErr(t, err)
		if m.Status != market.MilestoneFunded {
			t.Fatalf("funded status %s", m.Status)
		}
		checkLedger(t, s)
	}
	_, err = s.SubmitMilestone(ctx, d.FreelancerUser, ms[0].ID)
	mustNoErr(t, err)
	_, err = s.ReleaseMilestone(ctx, d.ClientUser, ms[0].ID, "rel-0")
	mustNoErr(t, err)
	_, err = s.ReleaseMilestone(ctx, d.ClientUser, ms[1].ID, "rel-1") // release without submission
	mustNoErr(t, err)
	m, err := s.RefundMilestone(ctx, d.ClientUser, ms[2].ID, "ref-2", false)
	mustNoErr(t, err)
	if m.Status != market.MilestoneRefunded {
		t.Fatalf("refund status %s", m.Status)
	}
	checkLedger(t, s)

	o, err = s.CompleteOrder(ctx, d.ClientUser, o.ID)
	mustNoErr(t, err)
	if o.Status != market.OrderCompleted || status(t, s, "projects", d.ProjectID) != "COMPLETED" {
		t.Fatalf("after complete: order %s, project %s", o.Status, status(t, s, "projects", d.ProjectID))
	}

	// Balances: the client paid 3000.00, got 1000.00 back; the freelancer got 2000.00; escrow is empty.
	balances := map[string]int64{}
	rows, err := s.DB().QueryContext(ctx, `SELECT account, sum(amount) FROM ledger_entries GROUP BY account`)
	mustNoErr(t, err)
	defer rows.Close()
	for rows.Next() {
		var a string
		var n int64
		mustNoErr(t, rows.Scan(&a, &n))
		balances[a] = n
	}
	mustNoErr(t, rows.Err())
	want := map[string]int64{
		fmt.Sprintf("client:%d", d.ClientID): -200000, fmt.Sprintf("freelancer:%d", d.FreelancerID): 200000,
		fmt.Sprintf("escrow:milestone:%d", ms[0].ID): 0, fmt.Sprintf("escrow:milestone:%d", ms[1].ID): 0, fmt.Sprintf("escrow:milestone:%d", ms[2].ID): 0,
	}
	if fmt.Sprint(balances) != fmt.Sprint(want) {
		t.Fatalf("balances %v, want %v", balances, want)
	}
	// The order an event refers to (read through the order loader's batch) comes with its
	// participants, for the access checks of its fields.
	byID, err := s.OrdersByID(ctx, []int64{o.ID})
	mustNoErr(t, err)
	eo := byID[o.ID]
	if eo.ClientUserID != d.ClientUser || eo.FreelancerUserID != d.FreelancerUser {
		t.Fatalf("event order participants %d, %d", eo.ClientUserID, eo.FreelancerUserID)
	}
	var kinds []string
	mustNoErr(t, s.DB().SelectContext(ctx, &kinds, `SELECT kind FROM order_events WHERE order_id = $1 ORDER BY id`, o.ID))
	wantKinds := "[PLACED MILESTONE_ADDED MILESTONE_ADDED MILESTONE_ADDED ACCEPTED MILESTONE_FUNDED MILESTONE_FUNDED MILESTONE_FUNDED " +
		"MILESTONE_SUBMITTED MILESTONE_RELEASED MILESTONE_RELEASED MILESTONE_REFUNDED COMPLETED]"
	if fmt.Sprint(kinds) != wantKinds {
		t.Fatalf("events %v, want %v", kinds, wantKinds)
	}
}

func TestTransitionConflicts(t *testing.T) {
	s := dbtest.New(t)
	ctx := context.Background()
	d := newDeal(t, s, market.RateFixed)
	o, ms := acceptedOrder(t, s, d, 300000, 100000, 100000, 100000)
	pending, funded, submitted := ms[0], ms[1], ms[2]
	_, err := s.FundMilestone(ctx, d.ClientUser, funded.ID, "a")
	mustNoErr(t, err)
	_, err = s.FundMilestone(ctx, d.ClientUser, submitted.ID, "b")
	mustNoErr(t, err)
	_, err = s.SubmitMilestone(ctx, d.FreelancerUser, submitted.ID)
	mustNoErr(t, err)

	tests := []struct {
		name    string
		call    func() error
		code    market.Code
		extKey  string
		extWant any
	}{
		{"accept an accepted order", func() error { _, err := s.AcceptOrder(ctx, d.FreelancerUser, o.ID); return err }, market.CodeConflict, "status", market.OrderAccepted},
		{"decline an accepted order", func() error { _, err := s.DeclineOrder(ctx, d.FreelancerUser, o.ID); return err }, market.CodeConflict, "status", market.OrderAccepted},
		{"complete with open milestones", func() error { _, err := s.CompleteOrder(ctx, d.ClientUser, o.ID); return err }, market.CodeConflict, "milestoneStatus", "PENDING"},
		{"cancel while money is held", func() error { _, err := s.CancelOrder(ctx, d.ClientUser, o.ID); return err }, market.CodeConflict, "milestoneStatus", "FUNDED"},
		{"fund twice", func() error { _, err := s.FundMilestone(ctx, d.ClientUser, funded.ID, "c"); return err }, market.CodeConflict, "status", market.MilestoneFunded},
		{"submit a pending milestone", func() error { _, err := s.SubmitMilestone(ctx, d.FreelancerUser, pending.ID); return err }, market.CodeConflict, "status", market.MilestonePending},
		{"release a pending milestone", func() error { _, err := s.ReleaseMilestone(ctx, d.ClientUser, pending.ID, "d"); return err }, market.CodeConflict, "status", market.MilestonePending},
		{"client refunds a submitted milestone", func() error {
			_, err := s.RefundMilestone(ctx, d.ClientUser, submitted.ID, "e", false)
			return err
		}, market.CodeConflict, "status", market.MilestoneSubmitted},
		{"refund a pending milestone", func() error { _, err := s.RefundMilestone(ctx, d.ClientUser, pending.ID, "f", true); return err }, market.CodeConflict, "status", market.MilestonePending},
		{"unknown milestone", func() error { _, err := s.ReleaseMilestone(ctx, d.ClientUser, 1<<40, "g"); return err }, market.CodeNotFound, "", nil},
		{"unknown order", func() error { _, err := s.AcceptOrder(ctx, d.FreelancerUser, 1<<40); return err }, market.CodeNotFound, "", nil},
		{"milestone in another currency", func() error {
			_, err := s.AddMilestone(ctx, d.ClientUser, db.AddMilestoneInput{OrderID: o.ID, Title: "x", Amount: market.Money{Minor: 1, Currency: "USD"}})
			return err
		}, market.CodeBadUserInput, "", nil},
		{"empty title", func() error {
			_, err := s.AddMilestone(ctx, d.ClientUser, db.AddMilestoneInput{OrderID: o.ID, Title: " ", Amount: eur(1)})
			return err
		}, market.CodeBadUserInput, "", nil},
		{"place on a gig in progress", func() error {
			_, err := s.PlaceOrder(ctx, d.ClientUser, db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: d.FreelancerID, Amount: eur(1), Key: "h"})
			return err
		}, market.CodeConflict, "projectStatus", market.ProjectInProgress},
		{"place on someone else's gig", func() error {
			_, err := s.PlaceOrder(ctx, d.Stranger, db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: d.FreelancerID, Amount: eur(1), Key: "i"})
			return err
		}, market.CodeForbidden, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			me := wantCode(t, tt.call(), tt.code)
			if tt.extKey != "" && fmt.Sprint(me.Extensions[tt.extKey]) != fmt.Sprint(tt.extWant) {
				t.Fatalf("extensions %v, want %s=%v", me.Extensions, tt.extKey, tt.extWant)
			}
		})
	}
	checkLedger(t, s)

	// An admin may refund a submitted milestone; then the order can be cancelled, and its pending
	// milestone is cancelled with it.
	_, err = s.RefundMilestone(ctx, d.Stranger, submitted.ID, "adm", true)
	mustNoErr(t, err)
	_, err = s.RefundMilestone(ctx, d.ClientUser, funded.ID, "cl", false)
	mustNoErr(t, err)
	o, err = s.CancelOrder(ctx, d.FreelancerUser, o.ID)
	mustNoErr(t, err)
	if o.Status != market.OrderCancelled || status(t, s, "milestones", pending.ID) != "CANCELLED" || status(t, s, "projects", d.ProjectID) != "OPEN" {
		t.Fatalf("after cancel: order %s, pending milestone %s, project %s", o.Status, status(t, s, "milestones", pending.ID), status(t, s, "projects", d.ProjectID))
	}
	checkLedger(t, s)
}

func TestPlaceOrderInput(t *testing.T) {
	s := dbtest.New(t)
	ctx := context.Background()
	d := newDeal(t, s, market.RateDaily)
	var ownFreelancer int64
	mustNoErr(t, s.DB().GetContext(ctx, &ownFreelancer, `INSERT INTO freelancers (user_id, headline, country, seniority, years_experience, daily_rate, currency)
		VALUES ($1, 'Me', 'DE', 'MID', 3, 50000, 'EUR') RETURNING id`, d.ClientUser))
	tests := []struct {
		name  string
		in    db.PlaceOrderInput
		code  market.Code
		field string
	}{
		{"unknown project", db.PlaceOrderInput{ProjectID: 1 << 40, FreelancerID: d.FreelancerID, Amount: eur(1)}, market.CodeNotFound, "input.projectId"},
		{"unknown freelancer", db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: 1 << 40, Amount: eur(1)}, market.CodeNotFound, "input.freelancerId"},
		{"hire yourself", db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: ownFreelancer, Amount: eur(1)}, market.CodeBadUserInput, "input.freelancerId"},
		{"other currency", db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: d.FreelancerID, Amount: market.Money{Minor: 1, Currency: "USD"}}, market.CodeBadUserInput, "input.amount.currency"},
		{"zero amount", db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: d.FreelancerID, Amount: eur(0)}, market.CodeBadUserInput, "input.amount.amount"},
		{"no key", db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: d.FreelancerID, Amount: eur(1)}, market.CodeBadUserInput, "idempotencyKey"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name != "no key" {
				tt.in.Key = fmt.Sprint("key-", i)
			}
			_, err := s.PlaceOrder(ctx, d.ClientUser, tt.in)
			if me := wantCode(t, err, tt.code); me.Field != tt.field {
				t.Fatalf("field %q, want %q", me.Field, tt.field)
			}
		})
	}
	// A DAILY order takes its rate type from the gig, and its milestones (days billed) are not
	// capped by the daily rate; a second live order for the same freelancer is a CONFLICT.
	o, err := s.PlaceOrder(ctx, d.ClientUser, db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: d.FreelancerID, Amount: eur(60000), Key: "daily"})
	mustNoErr(t, err)
	if o.RateType != market.RateDaily {
		t.Fatalf("rate type %s", o.RateType)
	}
	_, err = s.AddMilestone(ctx, d.ClientUser, db.AddMilestoneInput{OrderID: o.ID, Title: "Week 1", Amount: eur(5 * 60000)})
	mustNoErr(t, err)
	_, err = s.PlaceOrder(ctx, d.ClientUser, db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: d.FreelancerID, Amount: eur(60000), Key: "daily-2"})
	wantCode(t, err, market.CodeConflict)
}

func TestIdempotencyKeys(t *testing.T) {
	s := dbtest.New(t)
	ctx := context.Background()
	d := newDeal(t, s, market.RateFixed)
	in := db.PlaceOrderInput{ProjectID: d.ProjectID, FreelancerID: d.FreelancerID, Amount: eur(100000), Key: "same"}
	first, err := s.PlaceOrder(ctx, d.ClientUser, in)
	mustNoErr(t, err)
	again, err := s.PlaceOrder(ctx, d.ClientUser, in)
	mustNoErr(t, err)
	if fmt.Sprint(first) != fmt.Sprint(again) {
		t.Fatalf("retry returned %+v, want %+v", again, first)
	}
	var n int
	mustNoErr(t, s.DB().GetContext(ctx, &n, `SELECT count(*) FROM orders`))
	if n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
	other := in
	other.Amount = eur(100001)
	_, err = s.PlaceOrder(ctx, d.ClientUser, other)
	if me := wantCode(t, err, market.CodeConflict); me.Field != "idempotencyKey" {
		t.Fatalf("field %q", me.Field)
	}

	_, ms := func() (*market.Order, []*market.Milestone) {
		m, err := s.AddMilestone(ctx, d.ClientUser, db.AddMilestoneInput{OrderID: first.ID, Title: "All", Amount: eur(100000)})
		mustNoErr(t, err)
		_, err = s.AcceptOrder(ctx, d.FreelancerUser, first.ID)
		mustNoErr(t, err)
		return first, []*market.Milestone{m}
	}()
	// The key is the user's: used for placeOrder, it cannot fund; another user has their own "same"
	// (the stranger gets past the key to the ownership check).
	_, err = s.FundMilestone(ctx, d.ClientUser, ms[0].ID, "same")
	wantCode(t, err, market.CodeConflict)
	_, err = s.PlaceOrder(ctx, d.Stranger, in)
	wantCode(t, err, market.CodeForbidden)
	funded, err := s.FundMilestone(ctx, d.ClientUser, ms[0].ID, "fund")
	mustNoErr(t, err)
	released, err := s.ReleaseMilestone(ctx, d.ClientUser, ms[0].ID, "release")
	mustNoErr(t, err)
	// A retry of the fund returns the first answer (FUNDED), not the milestone as it is now.
	replay, err := s.FundMilestone(ctx, d.ClientUser, ms[0].ID, "fund")
	mustNoErr(t, err)
	if replay.Status != market.MilestoneFunded || fmt.Sprint(replay) != fmt.Sprint(funded) {
		t.Fatalf("replay %+v, want %+v", replay, funded)
	}
	if replay, err = s.ReleaseMilestone(ctx, d.ClientUser, ms[0].ID, "release"); err != nil || replay.Status != released.Status {
		t.Fatalf("release replay %+v, %v", replay, err)
	}
	checkLedger(t, s)

	// Keys live at least a day: a cleanup keeps fresh keys and removes old ones.
	deleted, err := s.DeleteExpiredIdempotencyKeys(ctx, 0)
	mustNoErr(t, err)
	if deleted != 0 {
		t.Fatalf("deleted %d fresh keys", deleted)
	}
	_, err = s.DB().ExecContext(ctx, `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'fund'`)
	mustNoErr(t, err)
	if deleted, err = s.DeleteExpiredIdempotencyKeys(ctx, 0); err != nil || deleted != 1 {
		t.Fatalf("deleted %d, %v; want 1", deleted, err)
	}
}

func TestLedgerIsAppendOnly(t *testing.T) {
	s := dbtest.New(t)
	ctx := context.Background()
	d := newDeal(t, s, market.RateFixed)
	_, ms := acceptedOrder(t, s, d, 1000, 1000)
	_, err := s.FundMilestone(ctx, d.ClientUser, ms[0].ID, "k")
	mustNoErr(t, err)
	for _, q := range []string{
		`UPDATE ledger_entries SET amount = amount * 2`,
		`DELETE FROM ledger_entries`,
		`TRUNCATE ledger_entries`,
		// A transfer that does not balance is refused at commit.
		`INSERT INTO ledger_entries (transfer_id, kind, account, amount, currency, order_id, milestone_id)
		 SELECT nextval('ledger_transfer_seq'), 'FUND', 'client:1', 5, 'EUR', order_id, id FROM milestones LIMIT 1`,
	} {
		if _, err := s.DB().ExecContext(ctx, q); err == nil {
			t.Errorf("%s: succeeded, want an error", q)
		}
	}
	var n int
	mustNoErr(t, s.DB().GetContext(ctx, &n, `SELECT count(*) FROM ledger_entries`))
	if n != 2 {
		t.Fatalf("%d entries, want 2", n)
	}
	checkLedger(t, s)
}

func TestCheckLedgerFindsViolations(t *testing.T) {
	s := dbtest.New(t)
	ctx := context.Background()
	d := newDeal(t, s, market.RateFixed)
	_, ms := acceptedOrder(t, s, d, 1000, 1000)
	checkLedger(t, s)
	// A milestone marked RELEASED behind the ledger's back is caught.
	_, err := s.DB().ExecContext(ctx, `UPDATE milestones SET status = 'RELEASED', funded_at = now(), released_at = now() WHERE id = $1`, ms[0].ID)
	mustNoErr(t, err)
	v, err := s.LedgerViolations(ctx)
	mustNoErr(t, err)
	if len(v) != 1 {
		t.Fatalf("violations %q, want one", v)
	}
}
