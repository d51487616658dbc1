package db_test

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/market"
)

//go:embed testdata/rate_bench.sql
var rateBenchSQL string

// benchStore opens the benchmark database: GIGRAPH_BENCH_DATABASE_URL if set (loaded with
// testdata/rate_bench.sql on first use, which takes minutes), else the benchmark is skipped so
// that `make test` never pays for a million orders.
func benchStore(tb testing.TB) *db.Store {
	tb.Helper()
	url := os.Getenv("GIGRAPH_BENCH_DATABASE_URL")
	if url == "" {
		tb.Skip("set GIGRAPH_BENCH_DATABASE_URL to a database for the 1,000,000-order rate benchmark")
	}
	ctx := context.Background()
	store, err := db.Open(ctx, url, db.Options{StatementTimeout: 5 * time.Minute, MaxOpenConns: 2})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	var orders int
	if err := store.DB().GetContext(ctx, &orders, `SELECT count(*) FROM orders`); err != nil {
		tb.Fatal(err)
	}
	if orders == 0 {
		tb.Log("loading benchmark data (1,000,000 orders); this takes several minutes")
		if _, err := store.DB().ExecContext(ctx, rateBenchSQL); err != nil {
			tb.Fatal(err)
		}
	}
	return store
}

// TestRateBenchmark prints p50/p95 latencies of rate queries at benchmark scale. Run it with
//
//	GIGRAPH_BENCH_DATABASE_URL=postgres://… go test ./db -run TestRateBenchmark -v
//
// (-run 'TestRateBenchmark/median' runs one case.)
func TestRateBenchmark(t *testing.T) {
	store := benchStore(t)
	ctx := context.Background()
	cases := []struct {
		name string
		q    db.RateQuery
		n    int
	}{
		{"agreed median by skill", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill}, MinFreelancers: 5}, 200},
		{"agreed by category", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimCategory}, MinFreelancers: 5}, 50},
		{"agreed overall", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", MinFreelancers: 5}, 50},
		{"agreed go by country", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", Skills: []string{"go"}, GroupBy: []string{db.DimCountry}, MinFreelancers: 5}, 50},
		{"agreed postgresql by month, 12 months", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", Skills: []string{"postgresql"}, GroupBy: []string{db.DimMonth}, From: date("2025-11-01"), To: date("2026-10-31"), MinFreelancers: 5}, 50},
		{"agreed by country", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimCountry}, MinFreelancers: 5}, 10},
		{"agreed by month", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimMonth}, MinFreelancers: 5}, 10},
		{"agreed by skill, country, seniority, month", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill, db.DimCountry, db.DimSeniority, db.DimMonth}, MinFreelancers: 5}, 3},
		{"agreed by all five dimensions", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill, db.DimCategory, db.DimCountry, db.DimSeniority, db.DimMonth}, MinFreelancers: 5}, 3},
		{"agreed by category, country, seniority, month", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimCategory, db.DimCountry, db.DimSeniority, db.DimMonth}, MinFreelancers: 5}, 3},
		{"agreed by skill, country, seniority", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill, db.DimCountry, db.DimSeniority}, MinFreelancers: 5}, 3},
		{"agreed two skills by month, mid-month dates", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", Skills: []string{"go", "rust"}, GroupBy: []string{db.DimMonth}, From: date("2025-01-15"), To: date("2026-10-14"), MinFreelancers: 5}, 3},
		{"asking by skill, country", db.RateQuery{Source: db.RateAsking, Currency: "EUR", GroupBy: []string{db.DimSkill, db.DimCountry}}, 10},
		{"agreed by skill, country", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill, db.DimCountry}, MinFreelancers: 5}, 10},
		{"agreed by skill, month", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimSkill, db.DimMonth}, MinFreelancers: 5}, 10},
		{"agreed by category, country, seniority", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimCategory, db.DimCountry, db.DimSeniority}, MinFreelancers: 5}, 10},
		{"agreed by country, seniority, month", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", GroupBy: []string{db.DimCountry, db.DimSeniority, db.DimMonth}, MinFreelancers: 5}, 3},
		{"agreed go by country, seniority, month", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", Skills: []string{"go"}, GroupBy: []string{db.DimCountry, db.DimSeniority, db.DimMonth}, MinFreelancers: 5}, 10},
		{"agreed go, rust by skill, country, seniority, month", db.RateQuery{Source: db.RateAgreed, Currency: "EUR", Skills: []string{"go", "rust"}, GroupBy: []string{db.DimSkill, db.DimCountry, db.DimSeniority, db.DimMonth}, MinFreelancers: 5}, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The API's bounds (resolvers.DefaultRateMaxGroups, DefaultRateMaxRates); refused
			// queries report how fast they are refused.
			c.q.MaxGroups, c.q.MaxRates = 2500, 80000
			if os.Getenv("RATEBENCH_UNBOUNDED") != "" {
				c.q.MaxGroups, c.q.MaxRates = 0, 0
			}
			var ds []time.Duration
			var groups int
			refused := ""
			for i := 0; i < c.n+1; i++ {
				start := time.Now()
				gs, err := store.RateStats(ctx, c.q)
				var me *market.Error
				if errors.As(err, &me) && me.Code == market.CodeBadUserInput {
					refused = fmt.Sprintf(" refused: %s %v", me.Field, me.Extensions)
				} else if err != nil {
					t.Fatal(err)
				}
				if i > 0 { // the first run warms the cache
					ds = append(ds, time.Since(start))
				}
				groups = len(gs)
			}
			slices.Sort(ds)
			t.Logf("%-48s groups=%-6d runs=%-4d p50=%-10v p95=%v%s", c.name, groups, len(ds),
				ds[len(ds)/2].Round(10*time.Microsecond), ds[len(ds)*95/100].Round(10*time.Microsecond), refused)
		})
	}
}

func date(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}
