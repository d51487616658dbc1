package db_test

import (
	"context"
	"testing"

	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/db/seed"
)

// TestSeedLedger: the demo data's orders, milestones and ledger satisfy the ledger invariants, so
// the demo shows money that could have moved through the real transitions.
func TestSeedLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a database")
	}
	s := dbtest.New(t)
	ctx := context.Background()
	// A fifth of the demo size: every order and milestone state occurs, in a couple of seconds.
	opts := seed.Demo()
	opts.Freelancers, opts.Clients, opts.Orders = opts.Freelancers/5, opts.Clients/5, opts.Orders/5
	opts.PasswordHash = "unusable"
	stats, err := seed.Run(ctx, s.DB(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(stats)
	if stats.LedgerEntries == 0 {
		t.Fatal("the seed wrote no ledger entries")
	}
	if err := s.CheckLedger(ctx); err != nil {
		t.Fatal(err)
	}
	// The real transitions carry on from the seeded state: fund a pending milestone and release a
	// funded one of accepted orders (ledger transfer ids and row ids continue after the seed's).
	var pick struct {
		ID         int64  `db:"id"`
		Status     string `db:"status"`
		ClientUser int64  `db:"user_id"`
	}
	for _, st := range []string{"PENDING", "FUNDED"} {
		const q = `SELECT m.id, m.status, c.user_id FROM milestones m JOIN orders o ON o.id = m.order_id
			JOIN clients c ON c.id = o.client_id WHERE m.status = $1 AND o.status = 'ACCEPTED' ORDER BY m.id LIMIT 1`
		if err := s.DB().GetContext(ctx, &pick, q, st); err != nil {
			t.Fatalf("no %s milestone on an accepted order in the seed: %v", st, err)
		}
		var err error
		if st == "PENDING" {
			_, err = s.FundMilestone(ctx, pick.ClientUser, pick.ID, "seed-fund")
		} else {
			_, err = s.ReleaseMilestone(ctx, pick.ClientUser, pick.ID, "seed-release")
		}
		if err != nil {
			t.Fatalf("%s milestone %d: %v", st, pick.ID, err)
		}
	}
	if err := s.CheckLedger(ctx); err != nil {
		t.Fatal(err)
	}
}
