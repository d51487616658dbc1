package seed

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// batchOrders is how many orders (with their gigs, milestones and ledger) go into one transaction.
const batchOrders = 50_000

// writer COPYs generated rows into the database. Rows carry their own IDs (COPY writes identity
// columns as given), so the generator can link them without round trips; finish moves the identity
// sequences past them.
type writer struct {
	conn    *sqlx.DB
	log     *slog.Logger
	started time.Time
	stats   Stats
	// superuser says whether per-row foreign-key checks may be switched off during the load.
	superuser bool
	// bulk says whether secondary indexes are rebuilt after the load instead of maintained.
	bulk    bool
	indexes []struct{ Name, Def string }
}

// load runs the whole seed in one transaction, so a failed or interrupted seed leaves nothing
// behind (not even dropped indexes), and no other session sees the checks switched off below: the
// ALTER TABLEs lock the tables exclusively until commit. The pool's statement timeout is lifted,
// because a bulk COPY outlasts it.
func (w *writer) load(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := w.conn.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return err
	}
	// The rate-analytics rollup is rebuilt once below instead of synced per COPY batch.
	if _, err := tx.ExecContext(ctx, `SET LOCAL gigraph.rates_deferred = on`); err != nil {
		return err
	}
	// The balance trigger checks each row's transfer at commit: millions of single-transfer
	// queries at benchmark size. The same rule is checked once over the whole ledger instead.
	if _, err := tx.ExecContext(ctx, `ALTER TABLE ledger_entries DISABLE TRIGGER ledger_transfer_balances`); err != nil {
		return err
	}
	if err := w.foreignKeyChecks(ctx, tx, "DISABLE"); err != nil {
		return err
	}
	if w.bulk {
		if err := w.dropIndexes(ctx, tx); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := w.createIndexes(ctx, tx); err != nil {
		return err
	}
	if err := w.verifyForeignKeys(ctx, tx); err != nil {
		return err
	}
	var unbalanced []int64
	const q = `SELECT transfer_id FROM ledger_entries GROUP BY transfer_id, currency HAVING sum(amount) <> 0 LIMIT 1`
	if err := tx.SelectContext(ctx, &unbalanced, q); err != nil {
		return err
	}
	if len(unbalanced) > 0 {
		return fmt.Errorf("seed: ledger transfer %d does not balance", unbalanced[0])
	}
	if err := w.foreignKeyChecks(ctx, tx, "ENABLE"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `ALTER TABLE ledger_entries ENABLE TRIGGER ledger_transfer_balances`); err != nil {
		return err
	}
	// Fresh statistics, so the first queries on the new data get good plans — the rollup rebuild
	// below first of all: planned on the statistics of the empty tables it joined a million orders
	// by nested loops and ran for most of an hour. ANALYZE counts the rows this transaction wrote,
	// and its results become visible with them at commit.
	if _, err := tx.ExecContext(ctx, `ANALYZE`); err != nil {
		return err
	}
	if err := w.rebuildRates(ctx, tx); err != nil {
		return fmt.Errorf("rebuild rate rollup: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return w.vacuumRates(ctx)
}

// vacuumRates sets the visibility maps of the freshly written rollup tables, so that rate queries
// are answered by index-only scans at once instead of after autovacuum's next visit (median by
// skill over a million orders: 16 ms with heap visits, 6 ms without). VACUUM cannot run inside the
// seed's transaction, hence after its commit.
func (w *writer) vacuumRates(ctx context.Context) error {
	var tables []string
	const q = `SELECT format('%I', relname) FROM pg_class
		WHERE relname LIKE 'rate\_%' AND relkind = 'r' AND relnamespace = current_schema()::regnamespace ORDER BY 1`
	if err := w.conn.SelectContext(ctx, &tables, q); err != nil {
		return err
	}
	if len(tables) == 0 {
		return nil
	}
	_, err := w.conn.ExecContext(ctx, `VACUUM (ANALYZE) `+strings.Join(tables, ", "))
	return err
}

// rebuildRates fills the rate-analytics rollup from the loaded data. At benchmark size the
// rollup's own indexes, primary keys included, are dropped first and built once afterwards, and
// the grouping queries get enough memory to hash in RAM: maintaining multi-column B-trees and a
// GIN index row by row over millions of inserted rows turned minutes into most of an hour.
func (w *writer) rebuildRates(ctx context.Context, tx *sqlx.Tx) error {
	began := time.Now()
	var restore []string
	if w.bulk {
		var err error
		if restore, err = dropRateIndexes(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '256MB'`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `SELECT rate_rebuild()`); err != nil {
		return err
	}
	for _, stmt := range restore {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("restore rollup index: %w", err)
		}
	}
	w.log.Info("rebuilt rate rollup", "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// dropRateIndexes drops every index of the rate_* rollup tables and returns the statements that
// recreate them: primary keys through their constraint definitions, the rest from pg_get_indexdef.
func dropRateIndexes(ctx context.Context, tx *sqlx.Tx) ([]string, error) {
	var rows []struct {
		Drop    string `db:"drop_stmt"`
		Restore string `db:"restore_stmt"`
	}
	const q = `SELECT CASE WHEN con.oid IS NULL THEN format('DROP INDEX %I', ic.relname)
		            ELSE format('ALTER TABLE %I DROP CONSTRAINT %I', c.relname, con.conname) END AS drop_stmt,
		       CASE WHEN con.oid IS NULL THEN pg_get_indexdef(i.indexrelid)
		            ELSE format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.relname, con.conname, pg_get_constraintdef(con.oid)) END AS restore_stmt
		FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
		LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = c.oid
		WHERE c.relname LIKE 'rate\_%' AND c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
		ORDER BY con.oid IS NULL, ic.relname`
	if err := tx.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("list rollup indexes: %w", err)
	}
	restore := make([]string, 0, len(rows))
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, r.Drop); err != nil {
			return nil, err
		}
		restore = append(restore, r.Restore)
	}
	return restore, nil
}

// dropIndexes drops the secondary indexes of the market tables (those not behind a primary-key or
// unique constraint) before a bulk load; building them once afterwards is several times cheaper
// than maintaining them row by row. createIndexes rebuilds them from their saved definitions.
func (w *writer) dropIndexes(ctx context.Context, tx *sqlx.Tx) error {
	const q = `SELECT format('%I', ic.relname) AS name, pg_get_indexdef(i.indexrelid) AS def
		FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
		WHERE c.relname = ANY($1) AND c.relnamespace = current_schema()::regnamespace
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
		ORDER BY ic.relname`
	if err := tx.SelectContext(ctx, &w.indexes, q, pq.Array(marketTables)); err != nil {
		return fmt.Errorf("list indexes: %w", err)
	}
	for _, ix := range w.indexes {
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+ix.Name); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) createIndexes(ctx context.Context, tx *sqlx.Tx) error {
	if len(w.indexes) == 0 {
		return nil
	}
	began := time.Now()
	// Index builds sort in memory up to this much, instead of spilling to disk.
	if _, err := tx.ExecContext(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return err
	}
	for _, ix := range w.indexes {
		if _, err := tx.ExecContext(ctx, ix.Def); err != nil {
			return fmt.Errorf("rebuild index %s: %w", ix.Name, err)
		}
	}
	w.log.Info("rebuilt indexes", "indexes", len(w.indexes), "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// loadedTables are the tables the seed COPYs into; marketTables are the big ones among them.
var (
	loadedTables = []string{"users", "freelancers", "freelancer_skills", "clients", "projects", "project_skills", "orders", "milestones", "ledger_entries", "gig_events"}
	marketTables = []string{"projects", "project_skills", "orders", "milestones", "ledger_entries", "gig_events"}
)

// bulkOrders is the size from which secondary indexes are dropped during the load and rebuilt.
var bulkOrders = 100_000

// foreignKeyChecks turns the per-row foreign-key checks on the loaded tables off or on, when the
// database user may (a superuser; the embedded cluster's is). Checking every row's references one
// by one is half the load time at benchmark size, and the generator links rows by construction;
// verifyForeignKeys checks every reference in bulk at the end instead.
func (w *writer) foreignKeyChecks(ctx context.Context, tx *sqlx.Tx, action string) error {
	if !w.superuser {
		return nil
	}
	var stmts []string
	const q = `SELECT format('ALTER TABLE %I ' || $2 || ' TRIGGER %I', c.relname, t.tgname)
		FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		WHERE t.tgisinternal AND t.tgfoid = 'pg_catalog."RI_FKey_check_ins"'::regproc
		  AND c.relname = ANY($1) AND c.relnamespace = current_schema()::regnamespace`
	if err := tx.SelectContext(ctx, &stmts, q, pq.Array(loadedTables), action); err != nil {
		return fmt.Errorf("find foreign-key triggers: %w", err)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// verifyForeignKeys checks every single-column foreign key of the loaded tables with one anti-join
// each, standing in for the row-by-row checks foreignKeyChecks turned off.
func (w *writer) verifyForeignKeys(ctx context.Context, tx *sqlx.Tx) error {
	if !w.superuser {
		return nil
	}
	var checks []struct{ Name, Query string }
	const q = `SELECT con.conname AS name, format('SELECT EXISTS (SELECT 1 FROM %I c WHERE c.%I IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %I p WHERE p.%I = c.%I))',
			c.relname, a.attname, pc.relname, pa.attname, a.attname) AS query
		FROM pg_constraint con
		JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class pc ON pc.oid = con.confrelid
		JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
		JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = con.confkey[1]
		WHERE con.contype = 'f' AND cardinality(con.conkey) = 1 AND c.relname = ANY($1)
		  AND c.relnamespace = current_schema()::regnamespace`
	if err := tx.SelectContext(ctx, &checks, q, pq.Array(loadedTables)); err != nil {
		return fmt.Errorf("list foreign keys: %w", err)
	}
	for _, c := range checks {
		var dangling bool
		if err := tx.GetContext(ctx, &dangling, c.Query); err != nil {
			return fmt.Errorf("verify %s: %w", c.Name, err)
		}
		if dangling {
			return fmt.Errorf("seed: foreign key %s has dangling references", c.Name)
		}
	}
	return nil
}

// copyIn streams n rows into table with COPY; row(i) returns row i's values in cols order.
func copyIn(ctx context.Context, tx *sqlx.Tx, table string, cols []string, n int, row func(i int) []any) error {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pq.QuoteIdentifier(c)
	}
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf(`COPY %s (%s) FROM STDIN`, pq.QuoteIdentifier(table), strings.Join(quoted, ", ")))
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	defer stmt.Close()
	for i := 0; i < n; i++ {
		if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	return stmt.Close()
}

// null turns a zero time into SQL NULL.
func null(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// people writes users, freelancers with their skills, and clients.
func (w *writer) people(ctx context.Context, tx *sqlx.Tx, g *generator, passwordHash string) error {
	users, frs, cls := g.people()
	err := func() error {
		err := copyIn(ctx, tx, "users", []string{"id", "email", "name", "password_hash", "is_admin", "created_at"}, len(users), func(i int) []any {
			u := &users[i]
			return []any{u.id, u.email, u.name, passwordHash, u.admin, u.created}
		})
		if err != nil {
			return err
		}
		err = copyIn(ctx, tx, "freelancers", []string{"id", "user_id", "headline", "bio", "country", "seniority", "years_experience",
			"daily_rate", "currency", "available", "created_at", "updated_at"}, len(frs), func(i int) []any {
			r := &frs[i]
			return []any{r.f.id, r.userID, r.headline, r.bio, r.f.country.code, r.f.sen.name, r.years, r.f.rate, r.f.currency, r.avail, r.created, r.created}
		})
		if err != nil {
			return err
		}
		var skills []struct {
			f int64
			s skillRow
		}
		for i := range frs {
			for _, s := range frs[i].skills {
				skills = append(skills, struct {
					f int64
					s skillRow
				}{frs[i].f.id, s})
			}
		}
		err = copyIn(ctx, tx, "freelancer_skills", []string{"freelancer_id", "skill_id", "level", "years"}, len(skills), func(i int) []any {
			return []any{skills[i].f, skills[i].s.skill, skills[i].s.level, skills[i].s.years}
		})
		if err != nil {
			return err
		}
		w.stats.FreelancerSkills = len(skills)
		return copyIn(ctx, tx, "clients", []string{"id", "user_id", "company_name", "country", "created_at", "updated_at"}, len(cls), func(i int) []any {
			c := &cls[i]
			return []any{c.c.id, c.userID, c.company, c.c.country, c.created, c.created}
		})
	}()
	if err != nil {
		return err
	}
	w.stats.Users, w.stats.Freelancers, w.stats.Clients = len(users), len(frs), len(cls)
	w.log.Info("seeded people", "users", len(users), "freelancers", len(frs), "clients", len(cls), "elapsed", time.Since(w.started).Round(time.Millisecond))
	return nil
}

// market writes gigs, orders, milestones and the ledger batch by batch, while the generator
// prepares the next batch.
func (w *writer) market(ctx context.Context, tx *sqlx.Tx, g *generator) error {
	batches := make(chan *batch, 1)
	stop := make(chan struct{})
	defer close(stop)
	go g.market(batchOrders, batches, stop)
	for b := range batches {
		if err := w.batch(ctx, tx, b); err != nil {
			return err
		}
		w.stats.Projects += len(b.projects)
		w.stats.Orders += len(b.orders)
		w.stats.Milestones += len(b.milestones)
		w.stats.LedgerEntries += len(b.ledger)
		if g.o.Orders >= 4*batchOrders || w.stats.Orders == g.o.Orders {
			w.log.Info("seeded orders", "orders", w.stats.Orders, "of", g.o.Orders, "elapsed", time.Since(w.started).Round(time.Millisecond))
		}
	}
	return ctx.Err()
}

func (w *writer) batch(ctx context.Context, tx *sqlx.Tx, b *batch) error {
	err := copyIn(ctx, tx, "projects", []string{"id", "client_id", "title", "description", "rate_type", "budget", "currency",
		"remote", "country", "status", "created_at", "updated_at"}, len(b.projects), func(i int) []any {
		p := &b.projects[i]
		return []any{p.id, p.client, p.title, p.desc, p.rateType, p.budget, p.currency, p.remote, nullString(p.country), p.status, p.created, p.updated}
	})
	if err != nil {
		return err
	}
	type ps struct{ p, s int64 }
	var pss []ps
	for i := range b.projects {
		for _, s := range b.projects[i].skills {
			pss = append(pss, ps{b.projects[i].id, s})
		}
	}
	err = copyIn(ctx, tx, "project_skills", []string{"project_id", "skill_id"}, len(pss), func(i int) []any {
		return []any{pss[i].p, pss[i].s}
	})
	if err != nil {
		return err
	}
	err = copyIn(ctx, tx, "orders", []string{"id", "project_id", "client_id", "freelancer_id", "rate_type", "amount", "currency",
		"status", "created_at", "updated_at", "accepted_at", "completed_at"}, len(b.orders), func(i int) []any {
		o := &b.orders[i]
		return []any{o.id, o.project, o.client, o.freelancer, o.rateType, o.amount, o.currency, o.status, o.created, o.updated, null(o.accepted), null(o.completed)}
	})
	if err != nil {
		return err
	}
	err = copyIn(ctx, tx, "milestones", []string{"id", "order_id", "title", "amount", "currency", "due_date", "status",
		"created_at", "updated_at", "funded_at", "submitted_at", "released_at", "refunded_at"}, len(b.milestones), func(i int) []any {
		m := &b.milestones[i]
		return []any{m.id, m.order, m.title, m.amount, m.currency, m.due.Format(time.DateOnly), m.status, m.created, m.updated,
			null(m.funded), null(m.submitted), null(m.released), null(m.refunded)}
	})
	if err != nil {
		return err
	}
	if len(b.ledger) == 0 {
		return nil
	}
	err = copyIn(ctx, tx, "ledger_entries", []string{"id", "transfer_id", "kind", "account", "amount", "currency",
		"order_id", "milestone_id", "created_at"}, len(b.ledger), func(i int) []any {
		e := &b.ledger[i]
		return []any{e.id, e.transfer, e.kind, e.account, e.amount, e.currency, e.order, e.milestone, e.created}
	})
	if err != nil {
		return err
	}
	return nil
}

// finish moves identity sequences past the seeded IDs and logs every gig as posted, in creation
// order, so the feed has history.
func (w *writer) finish(ctx context.Context, tx *sqlx.Tx) error {
	for _, t := range []string{"users", "freelancers", "clients", "projects", "orders", "milestones", "ledger_entries"} {
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), coalesce((SELECT max(id) FROM %[1]s), 0) + 1, false)`, t)
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("advance %s id: %w", t, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `SELECT setval('ledger_transfer_seq', coalesce((SELECT max(transfer_id) FROM ledger_entries), 0) + 1, false)`); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO gig_events (project_id, created_at) SELECT id, created_at FROM projects ORDER BY created_at, id`)
	if err != nil {
		return fmt.Errorf("gig events: %w", err)
	}
	n, _ := res.RowsAffected()
	w.stats.GigEvents = int(n)
	w.log.Info("seeded gig events", "events", n, "elapsed", time.Since(w.started).Round(time.Millisecond))
	return nil
}
