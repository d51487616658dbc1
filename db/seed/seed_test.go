package seed_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/db/seed"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestRunMakesConsistentData seeds a small marketplace and checks the rules the API relies on:
// every status occurs, money adds up, the ledger balances, and timestamps tell a possible story.
func TestRunMakesConsistentData(t *testing.T) {
	ctx := context.Background()
	store := dbtest.New(t)
	conn := store.DB()
	opts := seed.Options{Freelancers: 300, Clients: 40, Orders: 1500, Seed: 7, PasswordHash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"}
	if n, err := strconv.Atoi(os.Getenv("SEED_TEST_ORDERS")); err == nil { // for profiling at scale
		opts.Orders, opts.Freelancers, opts.Clients = n, n/10, n/100
	}
	stats, err := seed.Run(ctx, conn, opts)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Orders != opts.Orders || stats.Freelancers != opts.Freelancers || stats.Clients != opts.Clients {
		t.Errorf("got %v, want %d orders, %d freelancers, %d clients", stats, opts.Orders, opts.Freelancers, opts.Clients)
	}

	checks := []struct {
		name string
		q    string
		want int
	}{
		{"project statuses", `SELECT count(DISTINCT status) FROM projects`, 4},
		{"order statuses", `SELECT count(DISTINCT status) FROM orders`, 5},
		{"milestone statuses", `SELECT count(DISTINCT status) FROM milestones`, 6},
		{"ledger kinds", `SELECT count(DISTINCT kind) FROM ledger_entries`, 3},
		{"currencies", `SELECT count(DISTINCT currency) FROM freelancers`, 4},
		{"demo accounts", `SELECT count(*) FROM users WHERE email IN ('admin@gigraph.dev', 'demo-freelancer@gigraph.dev', 'demo-client@gigraph.dev')`, 3},
		{"admins", `SELECT count(*) FROM users WHERE is_admin`, 1},
		{"one gig event per project", `SELECT count(*) FROM projects p WHERE (SELECT count(*) FROM gig_events e WHERE e.project_id = p.id) <> 1`, 0},
		{"gig events in creation order", `SELECT count(*) FROM (SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back FROM gig_events) x WHERE back`, 0},
		{"milestones within the order amount", `SELECT count(*) FROM orders o WHERE (SELECT coalesce(sum(amount), 0) FROM milestones m WHERE m.order_id = o.id) > o.amount`, 0},
		{"completed orders fully settled", `SELECT count(*) FROM orders o JOIN milestones m ON m.order_id = o.id WHERE o.status = 'COMPLETED' AND m.status NOT IN ('RELEASED', 'CANCELLED')`, 0},
		{"only accepted orders have milestones", `SELECT count(*) FROM orders o JOIN milestones m ON m.order_id = o.id WHERE o.accepted_at IS NULL`, 0},
		{"escrow holds exactly the funded, unsettled milestones", `SELECT count(*) FROM milestones m WHERE
			(SELECT coalesce(sum(amount), 0) FROM ledger_entries e WHERE e.account = 'escrow:milestone:' || m.id) <>
			CASE WHEN m.status IN ('FUNDED', 'SUBMITTED') THEN m.amount ELSE 0 END`, 0},
		{"paid out no more than funded", `SELECT count(*) FROM milestones m WHERE
			(SELECT coalesce(sum(amount), 0) FROM ledger_entries e WHERE e.milestone_id = m.id AND e.kind IN ('RELEASE', 'REFUND') AND e.amount > 0) >
			(SELECT coalesce(sum(amount), 0) FROM ledger_entries e WHERE e.milestone_id = m.id AND e.kind = 'FUND' AND e.amount > 0)`, 0},
		{"transfers balance", `SELECT count(*) FROM (SELECT 1 FROM ledger_entries GROUP BY transfer_id, currency HAVING sum(amount) <> 0) x`, 0},
		{"ledger matches the order's parties", `SELECT count(*) FROM ledger_entries e JOIN orders o ON o.id = e.order_id
			WHERE e.account LIKE 'client:%' AND e.account <> 'client:' || o.client_id
			   OR e.account LIKE 'freelancer:%' AND e.account <> 'freelancer:' || o.freelancer_id`, 0},
		{"order parties match the gig", `SELECT count(*) FROM orders o JOIN projects p ON p.id = o.project_id WHERE o.client_id <> p.client_id`, 0},
		{"nothing in the future", `SELECT count(*) FROM orders WHERE greatest(created_at, updated_at, accepted_at, completed_at) > now()`, 0},
		{"timelines in order", `SELECT count(*) FROM milestones WHERE funded_at < created_at OR submitted_at < funded_at OR released_at < submitted_at OR refunded_at < funded_at`, 0},
		{"skill counts 1-8", `SELECT count(*) FROM (SELECT count(*) n FROM freelancer_skills GROUP BY freelancer_id) x WHERE n NOT BETWEEN 1 AND 8`, 0},
		{"every freelancer has skills", `SELECT count(*) FROM freelancers f WHERE NOT EXISTS (SELECT 1 FROM freelancer_skills s WHERE s.freelancer_id = f.id)`, 0},
		{"search documents filled", `SELECT count(*) FROM freelancers WHERE search = ''::tsvector`, 0},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			var got int
			if err := conn.GetContext(ctx, &got, c.q); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %d, want %d", got, c.want)
			}
		})
	}

	t.Run("rates", func(t *testing.T) {
		var share float64
		const q = `SELECT avg((daily_rate BETWEEN 20000 AND 60000)::int) FROM freelancers WHERE currency = 'EUR'`
		if err := conn.GetContext(ctx, &share, q); err != nil {
			t.Fatal(err)
		}
		if share < 0.65 {
			t.Errorf("got %.2f of euro rates within €200–600, want most", share)
		}
	})

	t.Run("sequences continue after the seeded rows", func(t *testing.T) {
		if _, err := store.CreateUser(ctx, "new@example.com", "New User", "x"); err != nil {
			t.Fatal(err)
		}
		var next, maxTransfer int64
		if err := conn.GetContext(ctx, &next, `SELECT nextval('ledger_transfer_seq')`); err != nil {
			t.Fatal(err)
		}
		if err := conn.GetContext(ctx, &maxTransfer, `SELECT max(transfer_id) FROM ledger_entries`); err != nil {
			t.Fatal(err)
		}
		if next <= maxTransfer {
			t.Errorf("got next transfer %d, want > %d", next, maxTransfer)
		}
	})

	t.Run("refuses a database with data", func(t *testing.T) {
		if _, err := seed.Run(ctx, conn, opts); !errors.Is(err, seed.ErrNotEmpty) {
			t.Errorf("got %v, want ErrNotEmpty", err)
		}
	})
}

// TestDeterministicAndReset seeds, resets and seeds again: the same options give the same rows,
// and Reset empties the append-only ledger despite its TRUNCATE guard.
func TestDeterministicAndReset(t *testing.T) {
	ctx := context.Background()
	conn := dbtest.New(t).DB()
	opts := seed.Options{Freelancers: 50, Clients: 10, Orders: 200, Seed: 3, PasswordHash: "x"}
	digest := func() string {
		var s string
		const q = `SELECT md5(string_agg(concat_ws(',', o.id, o.freelancer_id, o.amount, o.currency, o.status, f.daily_rate, f.headline), ';' ORDER BY o.id))
			FROM orders o JOIN freelancers f ON f.id = o.freelancer_id`
		if err := conn.GetContext(ctx, &s, q); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if _, err := seed.Run(ctx, conn, opts); err != nil {
		t.Fatal(err)
	}
	first := digest()
	if err := seed.Reset(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if empty, err := seed.Empty(ctx, conn); err != nil || !empty {
		t.Fatalf("after reset: empty %v, err %v", empty, err)
	}
	var skills int
	if err := conn.GetContext(ctx, &skills, `SELECT count(*) FROM skills`); err != nil || skills < 60 {
		t.Fatalf("reset must keep the skills taxonomy: got %d skills, err %v", skills, err)
	}
	if _, err := conn.ExecContext(ctx, `TRUNCATE ledger_entries`); err == nil {
		t.Error("TRUNCATE ledger_entries succeeded after reset; the guard must be back on")
	}
	indexes := func() string {
		var s string
		if err := conn.GetContext(ctx, &s, `SELECT string_agg(indexdef, ';' ORDER BY indexname) FROM pg_indexes WHERE schemaname = current_schema()`); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := indexes()
	// The second load takes the bulk path: secondary indexes dropped, then rebuilt.
	defer seed.SetBulkOrders(1)()
	if _, err := seed.Run(ctx, conn, opts); err != nil {
		t.Fatal(err)
	}
	if got := digest(); got != first {
		t.Errorf("second seed digest %s, want %s (same seed, same data)", got, first)
	}
	if got := indexes(); got != before {
		t.Errorf("indexes after a bulk load differ:\ngot  %s\nwant %s", got, before)
	}
	var disabled int
	if err := conn.GetContext(ctx, &disabled, `SELECT count(*) FROM pg_trigger WHERE tgenabled = 'D'`); err != nil {
		t.Fatal(err)
	}
	if disabled != 0 {
		t.Errorf("got %d disabled triggers after seeding, want 0", disabled)
	}
}
