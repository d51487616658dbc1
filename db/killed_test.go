package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/market"
)

// TestKilledTransactionLeavesNoTrace stops a release midway — after its status change and ledger
// entries, while it waits to append its event — by killing its backend or cancelling its context,
// and checks that nothing of it remains and that a retry with the same key then succeeds.
func TestKilledTransactionLeavesNoTrace(t *testing.T) {
	for _, how := range []string{"terminate backend", "cancel context"} {
		t.Run(how, func(t *testing.T) {
			s := dbtest.New(t)
			ctx := context.Background()
			d := newDeal(t, s, market.RateFixed)
			_, ms := acceptedOrder(t, s, d, 1000, 1000)
			_, err := s.FundMilestone(ctx, d.ClientUser, ms[0].ID, "fund")
			mustNoErr(t, err)
			counts := func() [3]int {
				var c [3]int
				mustNoErr(t, s.DB().GetContext(ctx, &c[0], `SELECT count(*) FROM ledger_entries`))
				mustNoErr(t, s.DB().GetContext(ctx, &c[1], `SELECT count(*) FROM order_events`))
				mustNoErr(t, s.DB().GetContext(ctx, &c[2], `SELECT count(*) FROM idempotency_keys`))
				return c
			}
			before := counts()

			// Hold the event log so the release blocks on its last write.
			blocker, err := s.DB().BeginTxx(ctx, nil)
			mustNoErr(t, err)
			defer func() { _ = blocker.Rollback() }()
			_, err = blocker.ExecContext(ctx, `LOCK TABLE order_events IN EXCLUSIVE MODE`)
			mustNoErr(t, err)

			callCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := s.ReleaseMilestone(callCtx, d.ClientUser, ms[0].ID, "release")
				done <- err
			}()

			// Find the release's backend waiting for the lock (well within the 2 s lock_timeout).
			var pid int
			deadline := time.Now().Add(time.Second)
			for pid == 0 && time.Now().Before(deadline) {
				_ = s.DB().GetContext(ctx, &pid, `SELECT pid FROM pg_stat_activity
					WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`)
				time.Sleep(5 * time.Millisecond)
			}
			if pid == 0 {
				t.Fatal("the release never blocked on the event log")
			}
			// Midway: the status change and the ledger entries are written but not committed.
			var inFlight int
			mustNoErr(t, s.DB().GetContext(ctx, &inFlight, `SELECT count(*) FROM pg_locks WHERE pid = $1 AND locktype = 'transactionid' AND granted`, pid))
			if inFlight == 0 {
				t.Fatal("the release holds no transaction")
			}
			switch how {
			case "terminate backend":
				var ok bool
				mustNoErr(t, s.DB().GetContext(ctx, &ok, `SELECT pg_terminate_backend($1)`, pid))
			case "cancel context":
				cancel()
			}
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the release did not return")
			}
			if err == nil {
				t.Fatal("the killed release succeeded")
			}
			mustNoErr(t, blocker.Rollback())

			if after := counts(); after != before {
				t.Fatalf("rows (ledger, events, keys) %v after the killed release, want %v", after, before)
			}
			if st := status(t, s, "milestones", ms[0].ID); st != "FUNDED" {
				t.Fatalf("milestone %s after the killed release, want FUNDED", st)
			}
			checkLedger(t, s)
			// The key was not left claimed: the retry runs.
			m, err := s.ReleaseMilestone(ctx, d.ClientUser, ms[0].ID, "release")
			mustNoErr(t, err)
			if m.Status != market.MilestoneReleased {
				t.Fatalf("retry: %s", m.Status)
			}
			checkLedger(t, s)
		})
	}
}
