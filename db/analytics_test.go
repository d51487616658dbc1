package db_test

import (
	"context"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/db/seed"
	"github.com/gigraph/gigraph/market"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

//go:embed testdata/rate_fixture.sql
var rateFixtureSQL string

// loadRateFixture fills a fresh database with a random marketplace through the ordinary tables,
// so the rollup is built by its triggers exactly as in production.
func loadRateFixture(t *testing.T, store *db.Store, seed float64) {
	t.Helper()
	ctx := context.Background()
	tx, err := store.DB().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, `SELECT setseed($1)`, seed); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, rateFixtureSQL); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// referenceSQL is the straightforward computation the rollup must agree with: the items read
// from the base tables, one row per item and group, and PostgreSQL's own aggregates over them.
const referenceSQL = `
WITH items AS (
    SELECT 'ASKING' AS source, f.id AS ref, f.id AS freelancer_id, f.country, f.seniority,
           (f.updated_at AT TIME ZONE 'UTC')::date AS day, f.currency, f.daily_rate AS rate,
           ARRAY(SELECT skill_id FROM freelancer_skills fs WHERE fs.freelancer_id = f.id) AS skills
      FROM freelancers f
    UNION ALL
    SELECT 'AGREED', o.id, o.freelancer_id, f.country, f.seniority,
           (o.accepted_at AT TIME ZONE 'UTC')::date, o.currency, o.amount,
           ARRAY(SELECT skill_id FROM project_skills ps WHERE ps.project_id = o.project_id)
      FROM orders o JOIN freelancers f ON f.id = o.freelancer_id
     WHERE o.rate_type = 'DAILY' AND o.status IN ('ACCEPTED', 'COMPLETED')
), grouped AS (
    SELECT DISTINCT i.ref, i.freelancer_id, i.currency, i.rate,
           CASE WHEN $3 THEN s.id END AS skill_id,
           CASE WHEN $4 THEN s.category END AS category,
           CASE WHEN $5 THEN i.country END AS country,
           CASE WHEN $6 THEN i.seniority END AS seniority,
           CASE WHEN $7 THEN date_trunc('month', i.day)::date END AS month
      FROM items i LEFT JOIN skills s ON s.id = ANY (i.skills)
     WHERE i.source = $1
       AND (NOT $8 OR s.id IS NOT NULL)
       AND (cardinality($9::text[]) = 0 OR s.slug = ANY ($9))
       AND (cardinality($10::text[]) = 0 OR s.category = ANY ($10))
       AND (cardinality($11::text[]) = 0 OR i.country = ANY ($11))
       AND (cardinality($12::text[]) = 0 OR i.seniority = ANY ($12))
       AND ($13::date IS NULL OR i.day >= $13)
       AND ($14::date IS NULL OR i.day <= $14)
)
SELECT skill_id, category, country, seniority, month,
       count(*) FILTER (WHERE currency = $2) AS n,
       count(DISTINCT freelancer_id) FILTER (WHERE currency = $2) AS freelancers,
       count(*) FILTER (WHERE currency <> $2) AS excluded,
       min(rate) FILTER (WHERE currency = $2), max(rate) FILTER (WHERE currency = $2),
       round(avg(rate) FILTER (WHERE currency = $2))::bigint,
       round(stddev_pop(rate) FILTER (WHERE currency = $2))::bigint,
       percentile_cont(0.1) WITHIN GROUP (ORDER BY rate) FILTER (WHERE currency = $2),
       percentile_cont(0.25) WITHIN GROUP (ORDER BY rate) FILTER (WHERE currency = $2),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY rate) FILTER (WHERE currency = $2),
       percentile_cont(0.75) WITHIN GROUP (ORDER BY rate) FILTER (WHERE currency = $2),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY rate) FILTER (WHERE currency = $2)
  FROM grouped
 GROUP BY 1, 2, 3, 4, 5
HAVING count(DISTINCT freelancer_id) FILTER (WHERE currency = $2) >= greatest($15, 1)`

// reference answers q the straightforward way, keyed like key(g).
func reference(t *testing.T, store *db.Store, q db.RateQuery) map[string]db.RateGroup {
	t.Helper()
	has := func(d string) bool { return slices.Contains(q.GroupBy, d) }
	cats := make([]string, len(q.Categories))
	for i, c := range q.Categories {
		cats[i] = string(c)
	}
	sen := make([]string, len(q.Seniority))
	for i, s := range q.Seniority {
		sen[i] = string(s)
	}
	day := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return t.Format(time.DateOnly)
	}
	skillsNeeded := has(db.DimSkill) || has(db.DimCategory) || len(q.Skills) > 0 || len(q.Categories) > 0
	rows, err := store.DB().QueryxContext(context.Background(), referenceSQL, q.Source, q.Currency, //nolint:sqlclosecheck // closed by the defer below; the linter does not follow sqlx.Rows
		has(db.DimSkill), has(db.DimCategory), has(db.DimCountry), has(db.DimSeniority), has(db.DimMonth),
		skillsNeeded, pq.Array(nonNil(q.Skills)), pq.Array(cats), pq.Array(nonNil(q.Countries)), pq.Array(sen),
		day(q.From), day(q.To), q.MinFreelancers)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]db.RateGroup{}
	for rows.Next() {
		var (
			g        db.RateGroup
			skillID  *int64
			category *string
			senior   *string
		)
		if err := rows.Scan(&skillID, &category, &g.Country, &senior, &g.Month, &g.Count, &g.Freelancers, &g.Excluded,
			&g.Min, &g.Max, &g.Mean, &g.Stddev,
			&g.Percentiles[0], &g.Percentiles[1], &g.Percentiles[2], &g.Percentiles[3], &g.Percentiles[4]); err != nil {
			t.Fatal(err)
		}
		if skillID != nil {
			g.Skill = &market.Skill{ID: *skillID}
		}
		if category != nil {
			c := market.SkillCategory(*category)
			g.Category = &c
		}
		if senior != nil {
			s := market.Seniority(*senior)
			g.Seniority = &s
		}
		out[key(g)] = g
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func key(g db.RateGroup) string {
	var k []string
	if g.Skill != nil {
		k = append(k, fmt.Sprint("skill=", g.Skill.ID))
	}
	if g.Category != nil {
		k = append(k, "category="+string(*g.Category))
	}
	if g.Country != nil {
		k = append(k, "country="+*g.Country)
	}
	if g.Seniority != nil {
		k = append(k, "seniority="+string(*g.Seniority))
	}
	if g.Month != nil {
		k = append(k, "month="+g.Month.Format("2006-01"))
	}
	return strings.Join(k, ",")
}

// compare fails unless got equals the reference exactly: the same groups, and for each the same
// counts, extremes, rounded mean and stddev, and percentiles equal as float8 before rounding.
func compare(t *testing.T, q db.RateQuery, got []db.RateGroup, want map[string]db.RateGroup) {
	t.Helper()
	seen := map[string]bool{}
	for _, g := range got {
		k := key(g)
		seen[k] = true
		w, ok := want[k]
		if !ok {
			t.Errorf("%+v: unexpected group %s", q, k)
			continue
		}
		if g.Count != w.Count || g.Freelancers != w.Freelancers || g.Excluded != w.Excluded ||
			g.Min != w.Min || g.Max != w.Max || g.Mean != w.Mean || g.Stddev != w.Stddev || g.Percentiles != w.Percentiles {
			t.Errorf("%+v: group %s:\n got  n=%d people=%d excluded=%d min=%d max=%d mean=%d sd=%d pct=%v\n want n=%d people=%d excluded=%d min=%d max=%d mean=%d sd=%d pct=%v",
				q, k, g.Count, g.Freelancers, g.Excluded, g.Min, g.Max, g.Mean, g.Stddev, g.Percentiles,
				w.Count, w.Freelancers, w.Excluded, w.Min, w.Max, w.Mean, w.Stddev, w.Percentiles)
		}
	}
	for k, w := range want {
		if !seen[k] && w.Count > 0 {
			t.Errorf("%+v: missing group %s", q, k)
		}
	}
}

// randomQuery draws a query from the fixture's value pools, date ranges on and off month
// boundaries included.
func randomQuery(r *rand.Rand) db.RateQuery {
	q := db.RateQuery{Source: []string{db.RateAsking, db.RateAgreed}[r.IntN(2)], Currency: "EUR"}
	if r.IntN(5) == 0 {
		q.Currency = "USD"
	}
	for _, d := range []string{db.DimSkill, db.DimCategory, db.DimCountry, db.DimSeniority, db.DimMonth} {
		if r.IntN(3) == 0 {
			q.GroupBy = append(q.GroupBy, d)
		}
	}
	pick := func(pool []string, most int) []string {
		var out []string
		for _, i := range r.Perm(len(pool))[:r.IntN(most+1)] {
			out = append(out, pool[i])
		}
		return out
	}
	if r.IntN(3) == 0 {
		q.Skills = pick([]string{"go", "python", "rust", "postgresql", "redis", "docker", "java"}, 3)
	}
	if r.IntN(4) == 0 {
		for _, c := range pick([]string{"LANGUAGE", "DATABASE", "DEVOPS", "CLOUD"}, 2) {
			q.Categories = append(q.Categories, market.SkillCategory(c))
		}
	}
	if r.IntN(4) == 0 {
		q.Countries = pick([]string{"DE", "NL", "FR", "US"}, 2)
	}
	if r.IntN(4) == 0 {
		for _, s := range pick([]string{"JUNIOR", "MID", "SENIOR", "LEAD"}, 2) {
			q.Seniority = append(q.Seniority, market.Seniority(s))
		}
	}
	dates := []string{"2026-01-01", "2026-02-01", "2026-02-17", "2026-03-31", "2026-04-30", "2026-05-09", "2026-06-30"}
	if r.IntN(3) == 0 {
		d, _ := time.Parse(time.DateOnly, dates[r.IntN(len(dates))])
		q.From = &d
	}
	if r.IntN(3) == 0 {
		d, _ := time.Parse(time.DateOnly, dates[r.IntN(len(dates))])
		q.To = &d
	}
	q.MinFreelancers = []int{0, 0, 2, 5}[r.IntN(4)]
	return q
}

func TestRateStatsMatchesSQL(t *testing.T) {
	store := dbtest.New(t)
	loadRateFixture(t, store, 0.25)
	r := rand.New(rand.NewPCG(7, 11))
	ctx := context.Background()
	fixed := []db.RateQuery{
		{Source: db.RateAgreed, Currency: "EUR"},
		{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill}},
		{Source: db.RateAsking, Currency: "EUR", GroupBy: []string{db.DimCategory}},
		{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill, db.DimCategory, db.DimCountry, db.DimSeniority, db.DimMonth}},
		{Source: db.RateAgreed, Currency: "EUR", Skills: []string{"go", "rust"}, GroupBy: []string{db.DimCategory}},
		{Source: db.RateAsking, Currency: "EUR", Skills: []string{"go", "python"}},
		{Source: db.RateAsking, Currency: "USD", Categories: []market.SkillCategory{"DATABASE"}, GroupBy: []string{db.DimCountry}},
	}
	for i := 0; i < 150; i++ {
		q := randomQuery(r)
		if i < len(fixed) {
			q = fixed[i]
		}
		got, err := store.RateStats(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		compare(t, q, got, reference(t, store, q))
	}
}

func TestRateStatsEmptyAndUnknownSkill(t *testing.T) {
	store := dbtest.New(t)
	ctx := context.Background()
	got, err := store.RateStats(ctx, db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill}})
	if err != nil || len(got) != 0 {
		t.Fatalf("empty database: got %v, %v; want no groups", got, err)
	}
	loadRateFixture(t, store, 0.5)
	got, err = store.RateStats(ctx, db.RateQuery{Source: db.RateAsking, Currency: "EUR", Countries: []string{"JP"}})
	if err != nil || len(got) != 0 {
		t.Fatalf("no match: got %v, %v; want no groups", got, err)
	}
	_, err = store.RateStats(ctx, db.RateQuery{Source: db.RateAsking, Currency: "EUR", Skills: []string{"cobol"}})
	if code := market.ErrorCode(err); code != market.CodeBadUserInput {
		t.Fatalf("unknown skill: got %v (%s), want BAD_USER_INPUT", err, code)
	}
}

// rollupDiff counts the rows in which a rollup table differs from a rebuild from scratch.
const rollupDiff = `
WITH items AS (SELECT * FROM rate_asking_items(NULL) UNION ALL SELECT * FROM rate_agreed_items(NULL)),
     facts AS (SELECT i.*, f, date_trunc('month', day)::date AS month FROM items i, unnest(i.facets) f)
SELECT (SELECT count(*) FROM ((SELECT * FROM rate_items EXCEPT SELECT * FROM items)
                              UNION ALL (SELECT * FROM items EXCEPT SELECT * FROM rate_items)) x)
     + (SELECT count(*) FROM (
         (SELECT source, facet, month, country, seniority, currency, rate, n FROM rate_cells
          EXCEPT SELECT source, f, month, country, seniority, currency, rate, count(*) FROM facts GROUP BY 1, 2, 3, 4, 5, 6, 7)
         UNION ALL
         (SELECT source, f, month, country, seniority, currency, rate, count(*) FROM facts GROUP BY 1, 2, 3, 4, 5, 6, 7
          EXCEPT SELECT source, facet, month, country, seniority, currency, rate, n FROM rate_cells)) x)
     + (SELECT count(*) FROM (
         (SELECT source, facet, month, country, seniority, currency, freelancer_id, n FROM rate_people
          EXCEPT SELECT source, f, month, country, seniority, currency, freelancer_id, count(*) FROM facts GROUP BY 1, 2, 3, 4, 5, 6, 7)
         UNION ALL
         (SELECT source, f, month, country, seniority, currency, freelancer_id, count(*) FROM facts GROUP BY 1, 2, 3, 4, 5, 6, 7
          EXCEPT SELECT source, facet, month, country, seniority, currency, freelancer_id, n FROM rate_people)) x)
     + (SELECT count(*) FROM (
         (SELECT source, facet, currency, rate, n FROM rate_facet_cells
          EXCEPT SELECT source, f, currency, rate, count(*) FROM facts GROUP BY 1, 2, 3, 4)
         UNION ALL
         (SELECT source, f, currency, rate, count(*) FROM facts GROUP BY 1, 2, 3, 4
          EXCEPT SELECT source, facet, currency, rate, n FROM rate_facet_cells)) x)
     + (SELECT count(*) FROM (
         (SELECT source, currency, facet, month, rate, n FROM rate_month_cells
          EXCEPT SELECT source, currency, f, month, rate, count(*) FROM facts GROUP BY 1, 2, 3, 4, 5)
         UNION ALL
         (SELECT source, currency, f, month, rate, count(*) FROM facts GROUP BY 1, 2, 3, 4, 5
          EXCEPT SELECT source, currency, facet, month, rate, n FROM rate_month_cells)) x)
     + (SELECT count(*) FROM (
         (SELECT source, currency, facet, month, freelancers, n FROM rate_month_counts
          EXCEPT SELECT source, currency, f, month, count(DISTINCT freelancer_id), count(*) FROM facts GROUP BY 1, 2, 3, 4)
         UNION ALL
         (SELECT source, currency, f, month, count(DISTINCT freelancer_id), count(*) FROM facts GROUP BY 1, 2, 3, 4
          EXCEPT SELECT source, currency, facet, month, freelancers, n FROM rate_month_counts)) x)
     + (SELECT count(*) FROM (
         (SELECT source, currency, facet, country, seniority, rate, n FROM rate_dim_cells
          EXCEPT SELECT source, currency, f, country, seniority, rate, count(*) FROM facts GROUP BY 1, 2, 3, 4, 5, 6)
         UNION ALL
         (SELECT source, currency, f, country, seniority, rate, count(*) FROM facts GROUP BY 1, 2, 3, 4, 5, 6
          EXCEPT SELECT source, currency, facet, country, seniority, rate, n FROM rate_dim_cells)) x)
     + (SELECT count(*) FROM (
         (SELECT source, facet, currency, country, seniority, freelancer_id, n FROM rate_facet_people
          EXCEPT SELECT source, f, currency, country, seniority, freelancer_id, count(*) FROM facts GROUP BY 1, 2, 3, 4, 5, 6)
         UNION ALL
         (SELECT source, f, currency, country, seniority, freelancer_id, count(*) FROM facts GROUP BY 1, 2, 3, 4, 5, 6
          EXCEPT SELECT source, facet, currency, country, seniority, freelancer_id, n FROM rate_facet_people)) x)
     + (SELECT count(*) FROM (
         (SELECT source, currency, facet, country, seniority, freelancers, n FROM rate_dim_counts
          EXCEPT SELECT source, currency, f, country, seniority, count(DISTINCT freelancer_id), count(*) FROM facts GROUP BY 1, 2, 3, 4, 5)
         UNION ALL
         (SELECT source, currency, f, country, seniority, count(DISTINCT freelancer_id), count(*) FROM facts GROUP BY 1, 2, 3, 4, 5
          EXCEPT SELECT source, currency, facet, country, seniority, freelancers, n FROM rate_dim_counts)) x)
     + (SELECT count(*) FROM (
         (SELECT source, facet, currency, freelancers, n FROM rate_facet_counts
          EXCEPT SELECT source, f, currency, count(DISTINCT freelancer_id), count(*) FROM facts GROUP BY 1, 2, 3)
         UNION ALL
         (SELECT source, f, currency, count(DISTINCT freelancer_id), count(*) FROM facts GROUP BY 1, 2, 3
          EXCEPT SELECT source, facet, currency, freelancers, n FROM rate_facet_counts)) x)`

// TestRateRollupFresh changes the base tables in every way the rollup depends on and checks,
// after each committed change, that the rollup equals a rebuild from scratch and that the API's
// answers equal the straightforward SQL: the rollup is maintained in the writing transaction, so
// it is never stale.
func TestRateRollupFresh(t *testing.T) {
	store := dbtest.New(t)
	loadRateFixture(t, store, 0.75)
	ctx := context.Background()
	changes := []struct{ name, sql string }{
		{"order accepted", `UPDATE orders SET status = 'ACCEPTED', accepted_at = '2026-03-15' WHERE id = (SELECT min(id) FROM orders WHERE status = 'PROPOSED')`},
		{"order cancelled", `UPDATE orders SET status = 'CANCELLED' WHERE id = (SELECT min(id) FROM orders WHERE status = 'ACCEPTED' AND rate_type = 'DAILY')`},
		{"order rate changed", `UPDATE orders SET amount = amount + 1234, currency = 'USD' WHERE id IN (SELECT id FROM orders WHERE status = 'COMPLETED' ORDER BY id LIMIT 5)`},
		{"orders inserted", `INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency, status, accepted_at, completed_at)
			SELECT p.id, p.client_id, f.id, 'DAILY', 52500, 'EUR', 'COMPLETED', '2026-05-05', '2026-06-05' FROM projects p, freelancers f WHERE p.id % 7 = 0 AND f.id % 11 = 0`},
		{"freelancer moved", `UPDATE freelancers SET country = 'PL', seniority = 'LEAD' WHERE id IN (SELECT freelancer_id FROM orders WHERE status = 'COMPLETED' LIMIT 3)`},
		{"asking rate changed", `UPDATE freelancers SET daily_rate = daily_rate + 500, updated_at = '2026-06-02' WHERE id % 4 = 0`},
		{"freelancer skills replaced", `DELETE FROM freelancer_skills WHERE freelancer_id % 3 = 0;
			INSERT INTO freelancer_skills (freelancer_id, skill_id, level, years) SELECT f.id, s.id, 2, 1 FROM freelancers f, skills s WHERE f.id % 3 = 0 AND s.slug IN ('go', 'terraform')`},
		{"project skills changed", `DELETE FROM project_skills WHERE project_id % 2 = 0;
			INSERT INTO project_skills (project_id, skill_id) SELECT p.id, s.id FROM projects p, skills s WHERE p.id % 2 = 0 AND s.slug = 'kafka'`},
		{"skill recategorised", `UPDATE skills SET category = 'PRACTICE' WHERE slug = 'docker'`},
		{"freelancer deleted", `DELETE FROM freelancers WHERE id = (SELECT min(id) FROM freelancers f WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.freelancer_id = f.id))`},
		{"order deleted", `DELETE FROM orders WHERE id = (SELECT max(id) FROM orders WHERE status = 'COMPLETED' AND NOT EXISTS (SELECT 1 FROM milestones m WHERE m.order_id = orders.id))`},
	}
	queries := []db.RateQuery{
		{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill}},
		{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimCategory, db.DimCountry, db.DimMonth}},
		{Source: db.RateAsking, Currency: "EUR", GroupBy: []string{db.DimSkill, db.DimSeniority}},
		{Source: db.RateAsking, Currency: "USD"},
	}
	for _, c := range append([]struct{ name, sql string }{{"loading", "SELECT 1"}}, changes...) {
		if _, err := store.DB().ExecContext(ctx, c.sql); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var diff int
		if err := store.DB().GetContext(ctx, &diff, rollupDiff); err != nil {
			t.Fatal(err)
		}
		if diff != 0 {
			t.Errorf("after %s: rollup differs from a rebuild in %d rows", c.name, diff)
		}
		for _, q := range queries {
			got, err := store.RateStats(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, q, got, reference(t, store, q))
		}
	}
}

// TestRateRollupAfterSeed checks the seed's bulk path: it loads with the rollup triggers deferred
// and rebuilds once, and a reset empties the rollup with the tables.
func TestRateRollupAfterSeed(t *testing.T) {
	store := dbtest.New(t)
	ctx := context.Background()
	check := func(when string) {
		t.Helper()
		var diff int
		if err := store.DB().GetContext(ctx, &diff, rollupDiff); err != nil {
			t.Fatal(err)
		}
		if diff != 0 {
			t.Errorf("%s: rollup differs from a rebuild in %d rows", when, diff)
		}
	}
	opts := seed.Options{Freelancers: 200, Clients: 30, Orders: 800, Seed: 5, PasswordHash: "x"}
	if _, err := seed.Run(ctx, store.DB(), opts); err != nil {
		t.Fatal(err)
	}
	check("after seed")
	var items int
	if err := store.DB().GetContext(ctx, &items, `SELECT count(*) FROM rate_items WHERE source = 'AGREED'`); err != nil || items == 0 {
		t.Fatalf("agreed items after seed: %d, %v; want some", items, err)
	}
	q := db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill, db.DimCountry}, MinFreelancers: 2}
	got, err := store.RateStats(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	compare(t, q, got, reference(t, store, q))
	if err := seed.Reset(ctx, store.DB()); err != nil {
		t.Fatal(err)
	}
	check("after reset")
	if err := store.DB().GetContext(ctx, &items, `SELECT count(*) FROM rate_items`); err != nil || items != 0 {
		t.Fatalf("items after reset: %d, %v; want 0", items, err)
	}
}

// A statement cancelled at the server's statement_timeout is TIMEOUT, not an internal error.
func TestRateStatsStatementTimeout(t *testing.T) {
	url := dbtest.URL(t)
	ctx := context.Background()
	store, err := db.Open(ctx, url, db.Options{MaxOpenConns: 2, StatementTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// Another transaction holds the all-time table, so the query waits until the timeout.
	locker, err := db.Open(ctx, url, db.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	tx, err := locker.DB().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `LOCK TABLE rate_facet_cells IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	_, err = store.RateStats(ctx, db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill}})
	if code := market.ErrorCode(err); code != market.CodeTimeout {
		t.Fatalf("got %v (%q), want TIMEOUT", err, code)
	}
}
