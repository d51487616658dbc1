package resolvers

import (
	"math"
	"slices"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/graph/model"
	"github.com/gigraph/gigraph/market"
)

// DefaultRateMinFreelancers is the privacy threshold for agreed rates: a group whose rates come
// from fewer distinct freelancers is not shown, so no one's contract can be singled out.
const DefaultRateMinFreelancers = 5

// DefaultRateMaxGroups bounds how many groups one rateStats answer may have (an upper bound
// computed from the grouping and the filter before the query runs; see db.RateQuery.MaxGroups).
// Through the API at 1,000,000 orders, the broadest groupings under it take about 150–400 ms:
// every skill by COUNTRY (1,360–1,600 groups), Go by COUNTRY × SENIORITY × MONTH (1,451–1,918
// groups, from the monthly cube). Every skill by COUNTRY × SENIORITY (5,440 groups) took 450 ms on
// average, too close to the 500 ms the API promises, and is refused unless narrowed (a few
// countries, a category).
const DefaultRateMaxGroups = 2500

// DefaultRateMaxRates bounds the rates one rateStats answer may read when no all-time or
// per-month rollup answers it (MONTH or from/to together with COUNTRY or SENIORITY, dates off
// month boundaries, skill sets no single facet covers). That work grows with the rates read: at
// 1,000,000 orders about 4–5 µs a rate (1.7 million rates took 6.5 s, 54,000 took 256 ms), so
// 80,000 keeps such answers within about 400 ms.
const DefaultRateMaxRates = 80000

func (r *Resolver) rateMaxRates() int {
	if r.RateMaxRates > 0 {
		return r.RateMaxRates
	}
	return DefaultRateMaxRates
}

func (r *Resolver) rateMaxGroups() int {
	if r.RateMaxGroups > 0 {
		return r.RateMaxGroups
	}
	return DefaultRateMaxGroups
}

func (r *Resolver) rateMinFreelancers() int {
	if r.RateMinFreelancers > 0 {
		return r.RateMinFreelancers
	}
	return DefaultRateMinFreelancers
}

// rateQuery checks the arguments of rateStats and turns them into a store query.
func rateQuery(source *model.RateSource, currency *string, filter *model.RateFilter, groupBy []model.RateDimension) (db.RateQuery, error) {
	q := db.RateQuery{Source: db.RateAsking, Currency: "EUR"}
	if source != nil {
		q.Source = string(*source)
	}
	if currency != nil {
		q.Currency = *currency
	}
	if _, err := market.CurrencyScale(q.Currency); err != nil {
		return q, market.InvalidInput("currency", "%q is not an ISO 4217 currency code", q.Currency)
	}
	for _, d := range groupBy {
		if !slices.Contains(q.GroupBy, string(d)) {
			q.GroupBy = append(q.GroupBy, string(d))
		}
	}
	if filter == nil {
		return q, nil
	}
	q.Skills, q.Categories, q.Seniority = filter.Skills, filter.Categories, filter.Seniority
	cs, err := countries("filter.countries", filter.Countries)
	if err != nil {
		return q, err
	}
	q.Countries = cs
	if filter.From != nil {
		q.From = &filter.From.Time
	}
	if filter.To != nil {
		q.To = &filter.To.Time
	}
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		return q, market.InvalidInput("filter.to", "to must not be before from")
	}
	return q, nil
}

// rateStats formats a group's statistics in the currency's minor units. Percentiles are rounded
// half away from zero (math.Round), the same as PostgreSQL's round(numeric).
func rateStats(g *db.RateGroup, currency string) *market.RateStats {
	money := func(minor int64) market.Decimal { return market.Decimal(market.FormatMinor(minor, currency)) }
	pct := func(i int) market.Decimal { return money(int64(math.Round(g.Percentiles[i]))) }
	s := &market.RateStats{
		Skill: g.Skill, Category: g.Category, Country: g.Country, Seniority: g.Seniority,
		Currency: currency, Count: int(g.Count), Freelancers: int(g.Freelancers),
		Min: money(g.Min), Max: money(g.Max), Mean: money(g.Mean), Stddev: money(g.Stddev),
		P10: pct(0), P25: pct(1), Median: pct(2), P75: pct(3), P90: pct(4),
		ExcludedOtherCurrency: int(g.Excluded),
		Rates:                 g.Rates, Counts: g.Counts,
	}
	if g.Month != nil {
		d := market.NewDate(*g.Month)
		s.Month = &d
	}
	return s
}
