package resolvers_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
)

// rateMarket gives five Go freelancers in Germany (asking and agreed rates 400–600 EUR, plus one
// agreed order in USD) and four in the Netherlands, each with one completed daily Go order.
const rateMarket = `
INSERT INTO users (email, name, password_hash)
SELECT 'u' || g || '@example.com', 'User ' || g, 'x' FROM generate_series(1, 10) g;
INSERT INTO clients (user_id, company_name, country) SELECT id, 'Acme', 'DE' FROM users WHERE email = 'u10@example.com';
INSERT INTO freelancers (user_id, headline, country, seniority, years_experience, daily_rate, currency, updated_at)
SELECT u.id, 'Go developer', CASE WHEN g <= 5 THEN 'DE' ELSE 'NL' END, 'SENIOR', 8,
       CASE WHEN g <= 5 THEN 35000 + g * 5000 ELSE 70000 END, 'EUR', '2026-03-10'
  FROM generate_series(1, 9) g JOIN users u ON u.email = 'u' || g || '@example.com';
INSERT INTO freelancer_skills (freelancer_id, skill_id, level, years)
SELECT f.id, s.id, 4, 5 FROM freelancers f, skills s WHERE s.slug = 'go';
INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote)
SELECT c.id, 'Go gig', '', 'DAILY', 50000, 'EUR', true FROM clients c;
INSERT INTO project_skills (project_id, skill_id) SELECT p.id, s.id FROM projects p, skills s WHERE s.slug IN ('go', 'postgresql');
INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency, status, accepted_at, completed_at)
SELECT p.id, p.client_id, f.id, 'DAILY', f.daily_rate, 'EUR', 'COMPLETED', '2026-04-02', '2026-05-01'
  FROM projects p, freelancers f;
INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency, status, accepted_at, completed_at)
SELECT p.id, p.client_id, f.id, 'DAILY', 99900, 'USD', 'COMPLETED', '2026-04-03', '2026-05-01'
  FROM projects p, freelancers f WHERE f.country = 'DE' ORDER BY f.id LIMIT 1;`

const rateQuery = `query($source: RateSource, $currency: String, $filter: RateFilter, $groupBy: [RateDimension!], $bins: Int) {
  rateStats(source: $source, currency: $currency, filter: $filter, groupBy: $groupBy) {
    skill { slug } category country seniority month currency count freelancers
    min max mean stddev p10 p25 median p75 p90 excludedOtherCurrency
    histogram(bins: $bins) { lower upper count }
  }
}`

type rateGroup struct {
	Skill *struct {
		Slug string `json:"slug"`
	} `json:"skill"`
	Category              *string `json:"category"`
	Country               *string `json:"country"`
	Seniority             *string `json:"seniority"`
	Month                 *string `json:"month"`
	Currency              string  `json:"currency"`
	Count                 int     `json:"count"`
	Freelancers           int     `json:"freelancers"`
	Min, Max, Mean        string
	Stddev                string
	P10, P25, Median      string
	P75, P90              string
	ExcludedOtherCurrency int `json:"excludedOtherCurrency"`
	Histogram             []struct {
		Lower, Upper string
		Count        int
	} `json:"histogram"`
}

func newRateServer(t *testing.T, cfg api.Config) *apitest.Server {
	t.Helper()
	srv := apitest.New(t, cfg)
	if _, err := srv.Store.DB().ExecContext(context.Background(), rateMarket); err != nil {
		t.Fatal(err)
	}
	return srv
}

func countries(gs []rateGroup) []string {
	var out []string
	for _, g := range gs {
		out = append(out, *g.Country)
	}
	return out
}

func TestRateStatsByCountry(t *testing.T) {
	srv := newRateServer(t, api.Config{})
	var res struct{ RateStats []rateGroup }
	srv.Client().MustDo(t, rateQuery, map[string]any{
		"source": "AGREED", "filter": map[string]any{"skills": []string{"go"}}, "groupBy": []string{"COUNTRY"}, "bins": 2,
	}, &res)
	// The Netherlands has four freelancers: below the default threshold of five, suppressed.
	if got := countries(res.RateStats); !slices.Equal(got, []string{"DE"}) {
		t.Fatalf("agreed groups: got %v, want [DE]", got)
	}
	de := res.RateStats[0]
	// Rates 400, 450, 500, 550, 600 EUR; the USD order is left out and counted.
	want := rateGroup{Currency: "EUR", Count: 5, Freelancers: 5, Min: "400.00", Max: "600.00", Mean: "500.00",
		Stddev: "70.71", P10: "420.00", P25: "450.00", Median: "500.00", P75: "550.00", P90: "580.00", ExcludedOtherCurrency: 1}
	if de.Count != want.Count || de.Freelancers != want.Freelancers || de.Min != want.Min || de.Max != want.Max ||
		de.Mean != want.Mean || de.Stddev != want.Stddev || de.P10 != want.P10 || de.P25 != want.P25 ||
		de.Median != want.Median || de.P75 != want.P75 || de.P90 != want.P90 ||
		de.ExcludedOtherCurrency != want.ExcludedOtherCurrency || de.Currency != want.Currency {
		t.Errorf("DE: got %+v, want %+v", de, want)
	}
	if de.Skill != nil || de.Category != nil || de.Seniority != nil || de.Month != nil {
		t.Errorf("DE: keys not grouped by are set: %+v", de)
	}
	if h := de.Histogram; len(h) != 2 || h[0].Lower != "400.00" || h[0].Upper != "500.00" || h[0].Count != 2 ||
		h[1].Lower != "500.00" || h[1].Upper != "600.00" || h[1].Count != 3 {
		t.Errorf("histogram: got %+v", h)
	}

	// Asking rates are public profiles: no suppression.
	srv.Client().MustDo(t, rateQuery, map[string]any{"source": "ASKING", "groupBy": []string{"COUNTRY"}}, &res)
	if got := countries(res.RateStats); !slices.Equal(got, []string{"DE", "NL"}) {
		t.Fatalf("asking groups: got %v, want [DE NL]", got)
	}

	// In USD only the one USD order is left, from one freelancer: suppressed.
	srv.Client().MustDo(t, rateQuery, map[string]any{"source": "AGREED", "currency": "USD"}, &res)
	if len(res.RateStats) != 0 {
		t.Fatalf("USD: got %+v, want no groups", res.RateStats)
	}
}

func TestRateStatsThresholdConfigurable(t *testing.T) {
	srv := newRateServer(t, api.Config{RateMinFreelancers: 4})
	var res struct{ RateStats []rateGroup }
	srv.Client().MustDo(t, rateQuery, map[string]any{"source": "AGREED", "groupBy": []string{"COUNTRY"}}, &res)
	if got := countries(res.RateStats); !slices.Equal(got, []string{"DE", "NL"}) {
		t.Fatalf("threshold 4: got %v, want [DE NL]", got)
	}
	srv = newRateServer(t, api.Config{RateMinFreelancers: 10})
	srv.Client().MustDo(t, rateQuery, map[string]any{"source": "AGREED"}, &res)
	if len(res.RateStats) != 0 {
		t.Fatalf("threshold 10 with 9 freelancers: got %+v, want no groups", res.RateStats)
	}
}

func TestRateStatsMonthly(t *testing.T) {
	srv := newRateServer(t, api.Config{})
	var res struct{ RateStats []rateGroup }
	srv.Client().MustDo(t, rateQuery, map[string]any{
		"source": "AGREED", "groupBy": []string{"SKILL", "MONTH"},
		"filter": map[string]any{"skills": []string{"postgresql"}, "from": "2025-11-01", "to": "2026-10-31"},
	}, &res)
	if len(res.RateStats) != 1 {
		t.Fatalf("got %+v, want one group", res.RateStats)
	}
	g := res.RateStats[0]
	if g.Skill == nil || g.Skill.Slug != "postgresql" || g.Month == nil || *g.Month != "2026-04-01" || g.Count != 9 || g.Median != "600.00" {
		t.Fatalf("got %+v, want postgresql 2026-04-01 with 9 rates, median 600.00", g)
	}
	// Nothing before the orders were accepted.
	srv.Client().MustDo(t, rateQuery, map[string]any{"source": "AGREED", "filter": map[string]any{"to": "2026-04-01"}}, &res)
	if len(res.RateStats) != 0 {
		t.Fatalf("empty range: got %+v, want no groups", res.RateStats)
	}
}

func TestRateStatsBadInput(t *testing.T) {
	srv := newRateServer(t, api.Config{})
	cases := []struct {
		name string
		vars map[string]any
	}{
		{"unknown skill", map[string]any{"filter": map[string]any{"skills": []string{"cobol"}}}},
		{"not a country", map[string]any{"filter": map[string]any{"countries": []string{"EU"}}}},
		{"country name", map[string]any{"filter": map[string]any{"countries": []string{"Germany"}}}},
		{"lower-case currency", map[string]any{"currency": "eur"}},
		{"unknown currency", map[string]any{"currency": "ABC"}},
		{"no bins", map[string]any{"bins": 0}},
		{"too many bins", map[string]any{"bins": 101}},
		{"to before from", map[string]any{"filter": map[string]any{"from": "2026-05-01", "to": "2026-04-30"}}},
		{"bad date", map[string]any{"filter": map[string]any{"from": "2026-13-01"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := srv.Client().Do(t, rateQuery, c.vars)
			if codes := res.Codes(); len(codes) == 0 || codes[0] != "BAD_USER_INPUT" {
				t.Fatalf("got codes %v (%+v), want BAD_USER_INPUT", codes, res.Errors)
			}
		})
	}
}

// A grouping that may return more groups than allowed is refused before it runs; the same
// grouping narrowed by filters is answered.
func TestRateStatsGroupBound(t *testing.T) {
	// The market has 68 skills, 4 seniorities, 2 countries (DE, NL) and one month of agreed rates.
	srv := newRateServer(t, api.Config{RateMaxGroups: 100, RateMinFreelancers: 4})
	refused := []struct {
		name   string
		vars   map[string]any
		groups float64
	}{
		{"skill × country × seniority", map[string]any{"source": "AGREED", "groupBy": []string{"SKILL", "COUNTRY", "SENIORITY"}}, 68 * 2 * 4},
		{"skill × country, months in the data", map[string]any{"source": "AGREED", "groupBy": []string{"SKILL", "COUNTRY", "MONTH"}}, 68 * 2},
		{"skill × seniority, one country", map[string]any{"source": "ASKING", "groupBy": []string{"SKILL", "COUNTRY", "SENIORITY"},
			"filter": map[string]any{"countries": []string{"DE"}}}, 68 * 4},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			res := srv.Client().Do(t, rateQuery, c.vars)
			if codes := res.Codes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
				t.Fatalf("got codes %v (%+v), want BAD_USER_INPUT", codes, res.Errors)
			}
			ext := res.Errors[0].Extensions
			if ext["field"] != "groupBy" || ext["max"] != float64(100) || ext["groups"] != c.groups {
				t.Fatalf("extensions: got %v, want field groupBy, max 100, groups %v", ext, c.groups)
			}
		})
	}
	// Months are counted within the data's span, not the filter's 12: 6 × 2 × 4 × 1 groups fit.
	t.Run("category × country × seniority × month, 12 months", func(t *testing.T) {
		var res struct{ RateStats []rateGroup }
		srv.Client().MustDo(t, rateQuery, map[string]any{"source": "AGREED", "groupBy": []string{"CATEGORY", "COUNTRY", "SENIORITY", "MONTH"},
			"filter": map[string]any{"from": "2026-01-01", "to": "2026-12-31"}}, &res)
		if len(res.RateStats) != 4 {
			t.Fatalf("got %+v, want LANGUAGE and DATABASE in DE and NL", res.RateStats)
		}
	})

	// Two skills, one seniority: 2 × 2 × 1 groups.
	var res struct{ RateStats []rateGroup }
	srv.Client().MustDo(t, rateQuery, map[string]any{
		"source": "AGREED", "groupBy": []string{"SKILL", "COUNTRY", "SENIORITY"},
		"filter": map[string]any{"skills": []string{"postgresql", "go"}, "seniority": []string{"SENIOR"}},
	}, &res)
	type key struct{ skill, country, median string }
	var got []key
	for _, g := range res.RateStats {
		if g.Seniority == nil || *g.Seniority != "SENIOR" || g.Count != map[string]int{"DE": 5, "NL": 4}[*g.Country] {
			t.Errorf("group %+v: want SENIOR, 5 rates in DE, 4 in NL", g)
		}
		got = append(got, key{g.Skill.Slug, *g.Country, g.Median})
	}
	want := []key{{"go", "DE", "500.00"}, {"go", "NL", "700.00"}, {"postgresql", "DE", "500.00"}, {"postgresql", "NL", "700.00"}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// A query that must read the cube or the per-item table is refused when it would read more rates
// than allowed, and answered when narrowed.
func TestRateStatsScanBound(t *testing.T) {
	// Ten agreed orders, each with Go and PostgreSQL: 10 rates overall, 20 over the skills.
	srv := newRateServer(t, api.Config{RateMaxRates: 15, RateMinFreelancers: 4})
	res := srv.Client().Do(t, rateQuery, map[string]any{"source": "AGREED", "groupBy": []string{"SKILL", "COUNTRY", "MONTH"}})
	if codes := res.Codes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
		t.Fatalf("every skill: got codes %v (%+v), want BAD_USER_INPUT", codes, res.Errors)
	}
	if ext := res.Errors[0].Extensions; ext["field"] != "filter" || ext["max"] != float64(15) || ext["rates"] != float64(20) {
		t.Fatalf("extensions: got %v, want field filter, max 15, rates 20", ext)
	}
	for _, vars := range []map[string]any{
		{"source": "AGREED", "groupBy": []string{"SKILL", "COUNTRY", "MONTH"}, "filter": map[string]any{"skills": []string{"go"}}},
		{"source": "AGREED", "groupBy": []string{"COUNTRY", "MONTH"}},
		{"source": "AGREED", "groupBy": []string{"COUNTRY"}, "filter": map[string]any{"skills": []string{"go"}, "from": "2026-04-02", "to": "2026-04-30"}},
	} {
		var res struct{ RateStats []rateGroup }
		srv.Client().MustDo(t, rateQuery, vars, &res)
		var got []string
		for _, g := range res.RateStats {
			got = append(got, *g.Country+" "+g.Median)
		}
		if want := []string{"DE 500.00", "NL 700.00"}; !slices.Equal(got, want) {
			t.Errorf("%v: got %v, want %v", vars, got, want)
		}
	}
}
