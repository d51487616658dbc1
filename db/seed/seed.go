// Package seed fills an empty database with deterministic, realistic demo data for a freelance
// marketplace: users, freelancers with skills and daily rates, clients, projects, orders,
// milestones and a ledger that balances. It writes with COPY in batches, so the benchmark size
// (100,000 freelancers, 1,000,000 orders) loads in minutes.
//
// The same options always give the same rows; only timestamps move, because they are placed
// relative to the day the seed runs (orders over the last 24 months).
package seed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Demo accounts, documented in the README. Every seeded user has the password DemoPassword.
const (
	DemoPassword   = "gigraph-demo"
	AdminEmail     = "admin@gigraph.dev"
	FreelancerDemo = "demo-freelancer@gigraph.dev"
	ClientDemo     = "demo-client@gigraph.dev"
)

// Options size the data.
type Options struct {
	Freelancers int
	Clients     int
	// Orders is the exact number of orders; projects are made to carry them (about 2.4 orders per
	// project), plus some fresh open projects without orders.
	Orders int
	// PasswordHash is stored for every seeded user: hashing a password per user would take hours
	// at benchmark size, and every demo account has the same password anyway.
	PasswordHash string
	// Seed makes the data reproducible.
	Seed uint64
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// Demo is the size loaded on first start: small enough for seconds, large enough for analytics.
func Demo() Options { return Options{Freelancers: 2000, Clients: 300, Orders: 6000, Seed: 1} }

// Benchmark is the size for load tests.
func Benchmark() Options {
	return Options{Freelancers: 100_000, Clients: 10_000, Orders: 1_000_000, Seed: 1}
}

// Stats counts what was written.
type Stats struct {
	Users, Freelancers, FreelancerSkills, Clients, Projects, Orders, Milestones, LedgerEntries, GigEvents int
}

func (s Stats) String() string {
	return fmt.Sprintf("%d users, %d freelancers (%d skills), %d clients, %d projects, %d orders, %d milestones, %d ledger entries, %d gig events",
		s.Users, s.Freelancers, s.FreelancerSkills, s.Clients, s.Projects, s.Orders, s.Milestones, s.LedgerEntries, s.GigEvents)
}

// ErrNotEmpty is returned by Run when the database already has users.
var ErrNotEmpty = errors.New("the database already has data")

// Empty reports whether the database has no users yet (a fresh or reset database).
func Empty(ctx context.Context, conn *sqlx.DB) (bool, error) {
	var exists bool
	err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM users)`)
	return !exists, err
}

// dataTables are emptied by Reset. TRUNCATE … CASCADE also empties any table that references them
// (sessions of other features, gig alerts, idempotency keys), so Reset needs no list of those.
var dataTables = []string{"users", "sessions", "freelancers", "freelancer_skills", "clients", "projects",
	"project_skills", "orders", "milestones", "ledger_entries", "gig_events", "order_events"}

// Reset empties every data table except the skills taxonomy, in one transaction.
//
// ledger_entries refuses TRUNCATE through a trigger, because in a running marketplace nothing may
// erase the money trail. Wiping demo data is the one exception: the trigger is disabled inside this
// transaction only (ALTER TABLE takes an exclusive lock, so no other session ever sees it off) and
// enabled again before commit. Never use Reset on a database holding real money.
func Reset(ctx context.Context, conn *sqlx.DB) error {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return err
	}
	// Every user trigger that fires on TRUNCATE of a data table (bit 5 of tgtype is TRUNCATE).
	var triggers []struct{ Table, Name string }
	const q = `SELECT c.relname AS table, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		WHERE NOT t.tgisinternal AND t.tgtype & 32 <> 0 AND c.relname = ANY($1) AND c.relnamespace = current_schema()::regnamespace`
	if err := tx.SelectContext(ctx, &triggers, q, pq.Array(dataTables)); err != nil {
		return fmt.Errorf("find truncate triggers: %w", err)
	}
	for _, t := range triggers {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s DISABLE TRIGGER %s`, pq.QuoteIdentifier(t.Table), pq.QuoteIdentifier(t.Name))); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `TRUNCATE `+strings.Join(dataTables, ", ")+` RESTART IDENTITY CASCADE`); err != nil {
		return fmt.Errorf("truncate: %w", err)
	}
	for _, t := range triggers {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s ENABLE TRIGGER %s`, pq.QuoteIdentifier(t.Table), pq.QuoteIdentifier(t.Name))); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `ALTER SEQUENCE ledger_transfer_seq RESTART`); err != nil {
		return err
	}
	// TRUNCATE fires no row triggers: empty the rate-analytics rollup the same way.
	if _, err := tx.ExecContext(ctx, `SELECT rate_rebuild()`); err != nil {
		return err
	}
	return tx.Commit()
}

// Run writes the demo data into an empty database and analyzes the tables. It returns ErrNotEmpty
// when there are users already.
func Run(ctx context.Context, conn *sqlx.DB, o Options) (Stats, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Freelancers < 1 || o.Clients < 1 || o.Orders < 0 {
		return Stats{}, fmt.Errorf("seed: need at least one freelancer and one client, got %d and %d", o.Freelancers, o.Clients)
	}
	if o.PasswordHash == "" {
		return Stats{}, errors.New("seed: no password hash")
	}
	empty, err := Empty(ctx, conn)
	if err != nil {
		return Stats{}, err
	}
	if !empty {
		return Stats{}, ErrNotEmpty
	}
	skills := map[string]int64{}
	rows := []struct {
		ID   int64
		Slug string
	}{}
	if err := conn.SelectContext(ctx, &rows, `SELECT id, slug FROM skills ORDER BY id`); err != nil {
		return Stats{}, err
	}
	for _, r := range rows {
		skills[r.Slug] = r.ID
	}
	if len(skills) == 0 {
		return Stats{}, errors.New("seed: the skills table is empty (migrations not applied?)")
	}

	g := newGenerator(o, skills)
	w := &writer{conn: conn, log: log, started: time.Now()}
	if err := conn.GetContext(ctx, &w.superuser, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`); err != nil {
		return Stats{}, err
	}
	w.bulk = o.Orders >= bulkOrders
	err = w.load(ctx, func(tx *sqlx.Tx) error {
		if err := w.people(ctx, tx, g, o.PasswordHash); err != nil {
			return err
		}
		if err := w.market(ctx, tx, g); err != nil {
			return err
		}
		return w.finish(ctx, tx)
	})
	if err != nil {
		return Stats{}, err
	}
	log.Info("seeded", "took", time.Since(w.started).Round(time.Millisecond), "rows", w.stats.String())
	return w.stats, nil
}

// generator draws every row from one seeded source, in a fixed order, so output is reproducible.
type generator struct {
	o        Options
	r        *rand.Rand
	now      time.Time
	skills   map[string]int64
	cum      struct{ country, seniority, stack []int }
	free     []freelancer
	bySkill  map[int64][]int32 // skill id → freelancer indexes
	clients  []client
	nextIDs  struct{ project, order, milestone, ledger, transfer int64 }
	demoMade int // demo-client gigs made so far
}

type freelancer struct {
	id       int64
	country  *country
	stack    *stack
	sen      *seniority
	rate     int64 // minor units per day
	currency string
}

type client struct {
	id       int64
	company  string
	country  string
	currency string
}

func newGenerator(o Options, skills map[string]int64) *generator {
	g := &generator{
		o:       o,
		r:       rand.New(rand.NewPCG(o.Seed, 0x6769677261706821)),
		skills:  skills,
		bySkill: map[int64][]int32{},
	}
	// Anchor times to the start of today (UTC): reruns on the same day give identical rows.
	g.now = time.Now().UTC().Truncate(24 * time.Hour)
	for _, c := range countries {
		g.cum.country = appendCum(g.cum.country, c.weight)
	}
	for _, s := range seniorities {
		g.cum.seniority = appendCum(g.cum.seniority, s.weight)
	}
	for _, s := range stacks {
		g.cum.stack = appendCum(g.cum.stack, s.weight)
	}
	return g
}

func appendCum(cum []int, w int) []int {
	last := 0
	if len(cum) > 0 {
		last = cum[len(cum)-1]
	}
	return append(cum, last+w)
}

// pick returns an index drawn with the weights behind cum.
func (g *generator) pick(cum []int) int {
	n := g.r.IntN(cum[len(cum)-1])
	for i, c := range cum {
		if n < c {
			return i
		}
	}
	return len(cum) - 1
}

func (g *generator) oneOf(s []string) string { return s[g.r.IntN(len(s))] }

// between returns a uniform time in [from, to).
func (g *generator) between(from, to time.Time) time.Time {
	d := to.Sub(from)
	if d <= 0 {
		return from
	}
	return from.Add(time.Duration(g.r.Int64N(int64(d)))).Truncate(time.Second)
}

// roundRate rounds a daily rate to five whole currency units, as people quote them.
func roundRate(units float64) int64 {
	r := int64(math.Round(units/5)) * 5
	if r < 50 {
		r = 50
	}
	return r * 100
}

func (g *generator) freelancerRate(c *country, s *seniority, st *stack, currency string) int64 {
	rate := baseDailyRateEUR * c.factor * s.factor * st.premium * math.Exp(g.r.NormFloat64()*0.22)
	// A few specialists charge far above the market: the long upper tail.
	if g.r.Float64() < 0.03 {
		rate *= 1.4 + g.r.Float64()*0.9
	}
	return roundRate(rate * perEUR[currency])
}

func clientCurrency(country string) string {
	switch country {
	case "GB":
		return "GBP"
	case "CH":
		return "CHF"
	case "US":
		return "USD"
	}
	return "EUR"
}
