package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
)

// spaQuery is the freelancer search of the SPA, as in the read-graph issue.
const spaQuery = `{ freelancers(first: 20, filter: { skills: ["go"] }, orderBy: { field: DAILY_RATE, direction: ASC }) {
    totalCount
    edges { cursor node { id name headline country dailyRate { amount currency }
      skills { level skill { slug name category } }
    } }
    pageInfo { hasNextPage endCursor } } }`

// benchStore is the database the benchmark reads: GIGRAPH_BENCH_DATABASE_URL when set (a
// database filled at scale, for example with docs/scale-data.sql), else a fresh test database
// with a 2,000-freelancer fixture.
func benchStore(b *testing.B) *db.Store {
	b.Helper()
	if url := os.Getenv("GIGRAPH_BENCH_DATABASE_URL"); url != "" {
		store, err := db.Open(context.Background(), url, db.DefaultOptions)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = store.Close() })
		return store
	}
	store := dbtest.New(b)
	fixture{Seed: 3, Freelancers: 2000, Clients: 50, Projects: 500}.build(b, store)
	if _, err := store.DB().ExecContext(context.Background(), `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return store
}

// BenchmarkSPAQuery sends the SPA query through the real HTTP handler (auth middleware, gqlgen
// server, loaders, store) and reports, besides ns/op, the allocations per returned freelancer and
// per returned object (every JSON object of the response: freelancers, their skills, money…).
// The second case leaves out totalCount, which at scale costs more than the page itself (it counts
// every match), to show the two parts apart.
func BenchmarkSPAQuery(b *testing.B) {
	store := benchStore(b)
	h := api.New(api.Config{}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.Run("with-totalCount", func(b *testing.B) { benchQuery(b, h, spaQuery) })
	b.Run("without-totalCount", func(b *testing.B) { benchQuery(b, h, strings.Replace(spaQuery, "totalCount", "", 1)) })
}

func benchQuery(b *testing.B, h http.Handler, query string) {
	body, err := json.Marshal(map[string]string{"query": query})
	if err != nil {
		b.Fatal(err)
	}
	do := func() []byte {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/graphql-response+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	var res struct {
		Data struct {
			Freelancers struct {
				Edges []struct {
					Node struct{ Skills []json.RawMessage }
				}
			}
		}
		Errors []any
	}
	raw := do()
	if err := json.Unmarshal(raw, &res); err != nil || len(res.Errors) > 0 || len(res.Data.Freelancers.Edges) == 0 {
		b.Fatalf("bad response: %v %s", err, raw)
	}
	freelancers := len(res.Data.Freelancers.Edges)
	objects := countObjects(raw) - 1 // not the response envelope

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		do()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	allocs := float64(after.Mallocs-before.Mallocs) / float64(b.N)
	b.ReportMetric(float64(freelancers), "freelancers/op")
	b.ReportMetric(float64(objects), "objects/op")
	b.ReportMetric(allocs/float64(freelancers), "allocs/freelancer")
	b.ReportMetric(allocs/float64(objects), "allocs/object")
}

// countObjects counts the JSON objects in a document.
func countObjects(raw []byte) int {
	dec := json.NewDecoder(bytes.NewReader(raw))
	n := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return n
		}
		if d, ok := tok.(json.Delim); ok && d == '{' {
			n++
		}
	}
}

// BenchmarkRateStatsAPI sends rateStats queries through the real HTTP handler, so the figures
// include gqlgen's work on large answers: the median by skill, the two examples of the analytics
// issue, and the broadest groupings the default bounds allow on the benchmark data. Run it on a
// database filled at scale (GIGRAPH_BENCH_DATABASE_URL, after `seed --reset --scale`).
func BenchmarkRateStatsAPI(b *testing.B) {
	store := benchStore(b)
	h := api.New(api.Config{}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	const fields = `skill { slug } country seniority month count freelancers min max mean stddev median p25 p75 p90`
	for _, c := range []struct{ name, args string }{
		{"median-by-skill", `source: AGREED, groupBy: [SKILL]`},
		{"go-by-country", `source: AGREED, filter: { skills: ["go"] }, groupBy: [COUNTRY]`},
		{"postgresql-by-month", `source: AGREED, filter: { skills: ["postgresql"], from: "2025-11-01", to: "2026-10-31" }, groupBy: [MONTH]`},
		{"skill-country", `source: AGREED, groupBy: [SKILL, COUNTRY]`},
		{"asking-skill-country", `source: ASKING, groupBy: [SKILL, COUNTRY]`},
		{"go-country-seniority-month", `source: AGREED, filter: { skills: ["go"] }, groupBy: [COUNTRY, SENIORITY, MONTH]`},
	} {
		b.Run(c.name, func(b *testing.B) {
			body, err := json.Marshal(map[string]string{"query": `{ rateStats(` + c.args + `) { ` + fields + ` } }`})
			if err != nil {
				b.Fatal(err)
			}
			do := func() []byte {
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec.Body.Bytes()
			}
			var res struct {
				Data   struct{ RateStats []json.RawMessage }
				Errors []struct{ Message string }
			}
			raw := do()
			if json.Unmarshal(raw, &res) != nil {
				b.Fatalf("bad response: %.300s", raw)
			}
			if len(res.Errors) > 0 {
				b.Skipf("refused on this data: %s", res.Errors[0].Message) // the bounds depend on the data
			}
			for b.Loop() {
				do()
			}
			b.ReportMetric(float64(len(res.Data.RateStats)), "groups/op")
		})
	}
}
