package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/market"
)

// race runs the calls at once and returns their errors.
func race(calls ...func() error) []error {
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = call()
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// TestConcurrentMilestonesFitTheOrder: concurrent additions cannot overfill an order.
func TestConcurrentMilestonesFitTheOrder(t *testing.T) {
	s := dbtest.New(t)
	ctx := context.Background()
	d := newDeal(t, s, market.RateFixed)
	o, _ := acceptedOrder(t, s, d, 1000)
	calls := make([]func() error, 10)
	for i := range calls {
		calls[i] = func() error {
			_, err := s.AddMilestone(ctx, d.ClientUser, db.AddMilestoneInput{OrderID: o.ID, Title: fmt.Sprint("Part ", i), Amount: eur(400)})
			return err
		}
	}
	ok := 0
	for _, err := range race(calls...) {
		if err == nil {
			ok++
		} else {
			wantCode(t, err, market.CodeBadUserInput)
		}
	}
	if ok != 2 {
		t.Fatalf("%d of 10 milestones of 400 were added to an order of 1000, want 2", ok)
	}
	checkLedger(t, s)
}

// TestFundRacesCancel: funding a milestone and cancelling its order at the same time never leaves
// money in escrow of a cancelled order; exactly one of the two wins.
func TestFundRacesCancel(t *testing.T) {
	s := dbtest.New(t)
	ctx := context.Background()
	for i := range 10 {
		d := newDeal(t, s, market.RateFixed)
		o, ms := acceptedOrder(t, s, d, 1000, 1000)
		errs := race(
			func() error {
				_, err := s.FundMilestone(ctx, d.ClientUser, ms[0].ID, fmt.Sprint("fund-", i))
				return err
			},
			func() error { _, err := s.CancelOrder(ctx, d.FreelancerUser, o.ID); return err },
		)
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: fund %v, cancel %v; want exactly one to succeed", i, errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil {
				wantCode(t, err, market.CodeConflict)
			}
		}
		checkLedger(t, s)
	}
}

// TestKeyInProgress: a call whose key is held by a call still running waits for it, and gives up
// with CONFLICT (inProgress) after the lock timeout instead of running the operation again.
func TestKeyInProgress(t *testing.T) {
	s := dbtest.New(t)
	ctx := context.Background()
	d := newDeal(t, s, market.RateFixed)
	_, ms := acceptedOrder(t, s, d, 1000, 1000)
	first, err := s.DB().BeginTxx(ctx, nil)
	mustNoErr(t, err)
	defer func() { _ = first.Rollback() }()
	_, err = first.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, operation, request_hash) VALUES ($1, 'slow', 'fundMilestone', sha256('x'))`, d.ClientUser)
	mustNoErr(t, err)
	_, err = s.FundMilestone(ctx, d.ClientUser, ms[0].ID, "slow")
	if me := wantCode(t, err, market.CodeConflict); me.Extensions["inProgress"] != true {
		t.Fatalf("extensions %v", me.Extensions)
	}
	// When the first call ends without a result (rolled back), the key is free again.
	mustNoErr(t, first.Rollback())
	m, err := s.FundMilestone(ctx, d.ClientUser, ms[0].ID, "slow")
	mustNoErr(t, err)
	if m.Status != market.MilestoneFunded {
		t.Fatalf("status %s", m.Status)
	}
	checkLedger(t, s)
}
