package resolvers_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/relay"
)

// statements counts every statement sent through the "postgres-counting" driver: lib/pq wrapped
// so that each query and exec is counted on its way to the server.
var (
	statements   atomic.Int64
	registerOnce sync.Once
)

const countingDriver = "postgres-counting"

type countingConnector struct{}

func (countingConnector) Open(name string) (driver.Conn, error) {
	c, err := pq.Driver{}.Open(name)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c}, nil
}

type countingConn struct{ driver.Conn }

func (c *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	statements.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	statements.Add(1)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	statements.Add(1)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// countingStore opens a store on a fresh database through the counting driver.
func countingStore(t *testing.T) *db.Store {
	t.Helper()
	registerOnce.Do(func() {
		sql.Register(countingDriver, countingConnector{})
		sqlx.BindDriver(countingDriver, sqlx.DOLLAR)
	})
	opts := db.DefaultOptions
	opts.Driver = countingDriver
	store, err := db.Open(context.Background(), dbtest.URL(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

// nestedQuery walks three levels of relations below a root list, with nested connections:
// freelancers → their skills → each skill's gigs → the gig's client and skills.
const nestedQuery = `query($n: Int) {
  freelancers(first: $n, orderBy: { field: DAILY_RATE }) { totalCount edges { node {
    name completedOrders user { name client { companyName } }
    skills { level skill { slug
      projects(first: 2) { totalCount edges { node { title skills { slug }
        client { companyName openProjects user { name } } } } } } } } } } }`

// TestStatementsDoNotGrowWithPageSize is the N+1 check: the nested query runs the same number of
// statements for 5 freelancers as for 50.
func TestStatementsDoNotGrowWithPageSize(t *testing.T) {
	store := countingStore(t)
	testMarket.build(t, store)
	// A generous loader wait keeps batches whole however busy the machine is, so the count
	// reflects the query's shape.
	srv := apitest.NewWithStore(t, api.Config{LoaderWait: 100 * time.Millisecond}, store)
	c := srv.Client()
	run := func(n int) int64 {
		var data struct {
			Freelancers struct{ Edges []any }
		}
		statements.Store(0)
		c.MustDo(t, nestedQuery, map[string]any{"n": n}, &data)
		if len(data.Freelancers.Edges) != n {
			t.Fatalf("first: %d returned %d freelancers", n, len(data.Freelancers.Edges))
		}
		return statements.Load()
	}
	// A batch is cut when a resolver reaches its loader after the wait; on a saturated machine
	// that happens even with a generous wait, and each cut adds a statement. So compare the least
	// counts of a few runs: a cut is chance, an N+1 shows in every run.
	small, large := int64(1<<62), int64(1<<62)
	for i := 0; i < 6 && (i < 2 || small != large); i++ {
		small, large = min(small, run(5)), min(large, run(50))
	}
	t.Logf("statements: first 5 → %d, first 50 → %d", small, large)
	if small != large {
		t.Errorf("first: 5 ran %d statements, first: 50 ran %d; want the same", small, large)
	}
	// One statement per relation and level: the list and its totalCount; per freelancer its
	// skills, user, completed orders and the user's client profile; per skill its gigs and their
	// count; per gig its skills and client; per client its user and open gigs. A regression that
	// adds a statement shows up here.
	if large > 12 {
		t.Errorf("%d statements; want at most 12", large)
	}
}

// TestNodesLoadTogether checks that nodes(ids) reads all IDs of one type with one statement.
func TestNodesLoadTogether(t *testing.T) {
	store := countingStore(t)
	fixture{Seed: 4, Freelancers: 30, Clients: 5, Projects: 30}.build(t, store)
	srv := apitest.NewWithStore(t, api.Config{LoaderWait: 100 * time.Millisecond}, store)
	var ids []string
	for i := int64(1); i <= 25; i++ {
		ids = append(ids, relay.ID("Freelancer", i), relay.ID("Project", i))
	}
	best := int64(1 << 62)
	for range 3 {
		var data struct{ Nodes []*struct{ ID string } }
		statements.Store(0)
		srv.Client().MustDo(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids}, &data)
		best = min(best, statements.Load())
		for i, n := range data.Nodes {
			if n == nil || n.ID != ids[i] {
				t.Fatalf("nodes[%d] = %+v, want %s", i, n, ids[i])
			}
		}
	}
	if best != 2 {
		t.Errorf("50 nodes of 2 types ran %d statements, want 2", best)
	}
}
