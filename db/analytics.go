package db

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"github.com/gigraph/gigraph/market"
)

// Rate sources and dimensions, spelled as in the API and in the rollup tables.
const (
	RateAsking = "ASKING"
	RateAgreed = "AGREED"

	DimSkill     = "SKILL"
	DimCategory  = "CATEGORY"
	DimCountry   = "COUNTRY"
	DimSeniority = "SENIORITY"
	DimMonth     = "MONTH"
)

// RatePercentiles are the percentiles every rate group reports, in this order.
var RatePercentiles = [5]float64{0.1, 0.25, 0.5, 0.75, 0.9}

// RateQuery asks for daily-rate statistics. Zero filter fields select everything.
type RateQuery struct {
	Source     string // RateAsking or RateAgreed
	Currency   string // only rates in this currency are counted; others are reported as excluded
	Skills     []string
	Categories []market.SkillCategory
	Countries  []string
	Seniority  []market.Seniority
	From, To   *time.Time // calendar dates, inclusive
	GroupBy    []string   // Dim* values
	// MinFreelancers suppresses groups whose rates come from fewer distinct freelancers.
	MinFreelancers int
	// WithRates fills RateGroup.Rates and Counts (for histograms).
	WithRates bool
	// MaxGroups, when positive, refuses (BAD_USER_INPUT on groupBy) a query that may return more
	// groups than this, before it runs: see rateGroupBound.
	MaxGroups int
	// MaxRates, when positive, refuses (BAD_USER_INPUT on filter) a query answered from the cube
	// or the per-item table that would read more rates than this: see rateScanBound.
	MaxRates int
}

// RateGroup is the statistics of one group. Amounts are minor units of the query's currency.
type RateGroup struct {
	Skill     *market.Skill
	Category  *market.SkillCategory
	Country   *string
	Seniority *market.Seniority
	Month     *time.Time

	Count       int64
	Freelancers int64
	// Excluded counts the rates with this group's keys in other currencies.
	Excluded int64
	Min, Max int64
	// Mean and Stddev (population) are rounded half away from zero to whole minor units, exactly
	// (integer arithmetic on the sums, no float).
	Mean, Stddev int64
	// Percentiles are exactly what percentile_cont returns on the group's rows (float8), in the
	// order of RatePercentiles, before any rounding.
	Percentiles [5]float64
	// Rates are the group's distinct rates in ascending order and Counts how often each occurs.
	Rates, Counts []int64
}

// Rollup levels, from the smallest to the most detailed table.
const (
	levelFacet = iota // rate_facet_cells / rate_facet_counts: all time, by facet only
	levelDim          // rate_dim_cells / rate_dim_counts: all time, by facet, country, seniority
	levelMonth        // rate_month_cells / rate_month_counts: by facet and month
	levelCube         // rate_cells / rate_people: by facet, month, country, seniority
	levelItems        // rate_items: one row per asking profile or agreed order
)

// ratePlan is how a query is answered: from which level, which facets, and how a facet maps to
// the group's skill or category.
type ratePlan struct {
	level int
	// facets selects facet values (nil: the condition facetCond alone).
	facets    []int64
	facetCond string
	// joinSkill groups items by the category of their matching skills (only at levelItems).
	joinSkill bool
	// anyOf narrows items to those carrying one of these facets (GIN index), at levelItems.
	anyOf []int64
}

func categoryFacet(c market.SkillCategory) int64 {
	return -int64(slices.Index(market.SkillCategories, c) + 1)
}

// RateStats computes daily-rate statistics. Percentiles equal percentile_cont over the
// matching rows; see RateGroup for rounding. Returns BAD_USER_INPUT for an unknown skill slug or
// a grouping broader than q.MaxGroups, and TIMEOUT when PostgreSQL cancels the statement at its
// statement_timeout (a cancelled context is returned as it is).
func (s *Store) RateStats(ctx context.Context, q RateQuery) ([]RateGroup, error) {
	gs, err := s.rateStats(ctx, q)
	if err != nil && ctx.Err() == nil && pq.As(err, pqerror.QueryCanceled) != nil {
		return nil, market.Errorf(market.CodeTimeout, "the statistics took longer than the server allows: narrow the filter or group by fewer dimensions")
	}
	return gs, err
}

func (s *Store) rateStats(ctx context.Context, q RateQuery) ([]RateGroup, error) {
	var all []market.Skill
	if err := sqlx.SelectContext(ctx, s.db, &all, `SELECT `+skillColumns+` FROM skills`); err != nil {
		return nil, err
	}
	skillByID := make(map[int64]*market.Skill, len(all))
	skillBySlug := make(map[string]*market.Skill, len(all))
	for i := range all {
		skillByID[all[i].ID] = &all[i]
		skillBySlug[all[i].Slug] = &all[i]
	}
	for _, slug := range q.Skills {
		if skillBySlug[slug] == nil {
			return nil, market.InvalidInput("filter.skills", "unknown skill %q", slug)
		}
	}
	grouped := func(d string) bool { return slices.Contains(q.GroupBy, d) }

	// The skills that pass the skill and category filters (nil when neither is set).
	var passing []int64
	skillFiltered := len(q.Skills) > 0 || len(q.Categories) > 0
	if skillFiltered {
		for _, sk := range all {
			if (len(q.Skills) == 0 || slices.Contains(q.Skills, sk.Slug)) &&
				(len(q.Categories) == 0 || slices.Contains(q.Categories, sk.Category)) {
				passing = append(passing, sk.ID)
			}
		}
		if len(passing) == 0 {
			return nil, nil
		}
		slices.Sort(passing)
	}

	if q.MaxGroups > 0 {
		n, err := s.rateGroupBound(ctx, q, all, passing)
		if err != nil {
			return nil, err
		}
		if n > int64(q.MaxGroups) {
			return nil, &market.Error{Code: market.CodeBadUserInput, Field: "groupBy",
				Message: fmt.Sprintf("this grouping may return up to %d groups, more than the %d allowed: "+
					"narrow it with filter.skills, categories, countries, seniority or from/to, or group by fewer dimensions", n, q.MaxGroups),
				Extensions: map[string]any{"groups": n, "max": q.MaxGroups}}
		}
	}

	// A rollup answers exactly when each group is one facet; otherwise the items are read.
	p := ratePlan{level: levelFacet}
	switch {
	case grouped(DimSkill):
		if skillFiltered {
			p.facets = passing
		} else {
			p.facetCond = "> 0"
		}
	case grouped(DimCategory):
		if len(q.Skills) == 0 {
			cats := q.Categories
			if len(cats) == 0 {
				cats = market.SkillCategories
			}
			for _, c := range cats {
				p.facets = append(p.facets, categoryFacet(c))
			}
		} else {
			p.level, p.facets, p.joinSkill, p.anyOf = levelItems, passing, true, passing
		}
	default:
		switch {
		case !skillFiltered:
			p.facets = []int64{0}
		case len(q.Skills) == 0 && len(q.Categories) == 1:
			p.facets = []int64{categoryFacet(q.Categories[0])}
		case len(passing) == 1:
			p.facets = passing
		default:
			p.level, p.facets, p.anyOf = levelItems, passing, passing
		}
	}
	monthAligned := (q.From == nil || q.From.Day() == 1) && (q.To == nil || q.To.AddDate(0, 0, 1).Day() == 1)
	if p.level < levelItems && !monthAligned {
		p.level = levelItems
		p.anyOf = nil
	}
	if p.level == levelFacet && (grouped(DimCountry) || grouped(DimSeniority) || len(q.Countries) > 0 || len(q.Seniority) > 0) {
		p.level = levelDim
	}
	if p.level < levelMonth && (grouped(DimMonth) || q.From != nil || q.To != nil) {
		// Distinct freelancers add up over months only when each month is its own group.
		p.level = levelCube
		if grouped(DimMonth) && !grouped(DimCountry) && !grouped(DimSeniority) &&
			len(q.Countries) == 0 && len(q.Seniority) == 0 {
			p.level = levelMonth
		}
	}

	keyed := func(facet *int64, country, senior *string, month *time.Time) RateGroup {
		var g RateGroup
		if facet != nil {
			if *facet > 0 {
				sk := skillByID[*facet]
				if grouped(DimSkill) {
					g.Skill = sk
				}
				if grouped(DimCategory) && sk != nil {
					g.Category = &sk.Category
				}
			} else if *facet < 0 {
				c := market.SkillCategories[-*facet-1]
				g.Category = &c
			}
		}
		g.Country, g.Month = country, month
		if senior != nil {
			sn := market.Seniority(*senior)
			g.Seniority = &sn
		}
		return g
	}
	if q.MaxRates > 0 && p.level >= levelCube {
		n, err := s.rateScanBound(ctx, q, p)
		if err != nil {
			return nil, err
		}
		if n > int64(q.MaxRates) {
			return nil, &market.Error{Code: market.CodeBadUserInput, Field: "filter",
				Message: fmt.Sprintf("this query would read up to %d rates, more than the %d allowed for groupings that combine MONTH "+
					"or from/to with COUNTRY or SENIORITY, or dates off month boundaries: narrow it with filter.skills, "+
					"categories or from/to, or group by fewer dimensions", n, q.MaxRates),
				Extensions: map[string]any{"rates": n, "max": q.MaxRates}}
		}
	}

	var out []RateGroup
	if p.level <= levelMonth {
		var err error
		if out, err = s.rateCounterGroups(ctx, q, p, grouped, keyed); err != nil {
			return nil, err
		}
	} else {
		query, args := rateSQL(q, p, grouped)
		var err error
		if out, err = s.mergeRateGroups(ctx, q, grouped, keyed, query, args); err != nil {
			return nil, err
		}
	}
	if !q.WithRates {
		for i := range out {
			out[i].Rates, out[i].Counts = nil, nil
		}
	}
	sortRateGroups(out)
	return out, nil
}

// rateGroupBound is an upper bound on the number of groups a query can return, known before it
// runs: the product, over the grouped dimensions, of the values the filter leaves — the passing
// skills (or all), their categories, the filter's countries or those with rates of the source,
// the filter's seniorities or all four, and the months of the data's span within from/to. The
// work of answering grows with it (every group is one frequency table read and summarised), so
// bounding it bounds the latency.
func (s *Store) rateGroupBound(ctx context.Context, q RateQuery, all []market.Skill, passing []int64) (int64, error) {
	grouped := func(d string) bool { return slices.Contains(q.GroupBy, d) }
	n := int64(1)
	switch {
	case grouped(DimSkill):
		if passing != nil {
			n = int64(len(passing))
		} else {
			n = int64(len(all))
		}
	case grouped(DimCategory):
		cats := map[market.SkillCategory]bool{}
		for _, sk := range all {
			if passing == nil || slices.Contains(passing, sk.ID) {
				cats[sk.Category] = true
			}
		}
		n = int64(len(cats))
	}
	if grouped(DimSeniority) {
		if len(q.Seniority) > 0 {
			n *= int64(len(distinct(q.Seniority)))
		} else {
			n *= int64(len(market.Seniorities))
		}
	}
	if !grouped(DimCountry) && !grouped(DimMonth) {
		return n, nil
	}
	// The countries and the span of months with rates of this source, from the overall (facet 0)
	// counters: a few hundred rows.
	const q0 = `SELECT (SELECT count(DISTINCT country) FROM rate_dim_counts WHERE source = $1 AND facet = 0),
       (SELECT min(month) FROM rate_month_counts WHERE source = $1 AND facet = 0),
       (SELECT max(month) FROM rate_month_counts WHERE source = $1 AND facet = 0)`
	var (
		countries   int64
		first, last *time.Time
	)
	if err := s.db.QueryRowContext(ctx, q0, q.Source).Scan(&countries, &first, &last); err != nil {
		return 0, err
	}
	if grouped(DimCountry) {
		if len(q.Countries) > 0 {
			countries = min(countries, int64(len(distinct(q.Countries))))
		}
		n *= countries
	}
	if grouped(DimMonth) {
		if first == nil || last == nil {
			return 0, nil
		}
		from, to := first.UTC(), last.UTC()
		if q.From != nil && q.From.After(from) {
			from = time.Date(q.From.Year(), q.From.Month(), 1, 0, 0, 0, 0, time.UTC)
		}
		if q.To != nil && q.To.Before(to) {
			to = time.Date(q.To.Year(), q.To.Month(), 1, 0, 0, 0, 0, time.UTC)
		}
		months := int64(to.Year()-from.Year())*12 + int64(to.Month()) - int64(from.Month()) + 1
		n *= max(months, 0)
	}
	return n, nil
}

// rateScanBound is an upper bound on the rates a cube or per-item query reads: the rates of its
// facets in the months of its date range, in every currency, from the per-month counters. The
// time of those queries grows with it (about 4 µs a rate at 1,000,000 orders), not with the
// number of groups.
func (s *Store) rateScanBound(ctx context.Context, q RateQuery, p ratePlan) (int64, error) {
	args := []any{q.Source}
	cond := "facet " + p.facetCond
	if p.facets != nil {
		args = append(args, pq.Array(p.facets))
		cond = "facet = ANY($2)"
	}
	if q.From != nil {
		args = append(args, time.Date(q.From.Year(), q.From.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
		cond += " AND month >= $" + itoa(len(args)) + "::date"
	}
	if q.To != nil {
		args = append(args, q.To.Format(time.DateOnly))
		cond += " AND month <= $" + itoa(len(args)) + "::date"
	}
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(n), 0)::bigint FROM rate_month_counts WHERE source = $1 AND `+cond, args...).Scan(&n)
	return n, err
}

func distinct[T comparable](vs []T) map[T]bool {
	m := make(map[T]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// rateCounterGroups answers from the all-time tables: the frequency rows of the query's
// currency, and per group the distinct freelancers and the rates in other currencies, read from
// counters (distinct freelancers add up over countries and seniorities: each freelancer has one).
func (s *Store) rateCounterGroups(ctx context.Context, q RateQuery, p ratePlan, grouped func(string) bool,
	keyed func(*int64, *string, *string, *time.Time) RateGroup) ([]RateGroup, error) {
	cells, counts := "rate_facet_cells", "rate_facet_counts"
	switch p.level {
	case levelDim:
		cells, counts = "rate_dim_cells", "rate_dim_counts"
	case levelMonth:
		cells, counts = "rate_month_cells", "rate_month_counts"
	}
	args := []any{q.Source, q.Currency}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	cond := "facet " + p.facetCond
	if p.facets != nil {
		cond = "facet = ANY(" + arg(pq.Array(p.facets)) + ")"
	}
	if len(q.Countries) > 0 {
		cond += " AND country = ANY(" + arg(pq.Array(q.Countries)) + ")"
	}
	if len(q.Seniority) > 0 {
		ss := make([]string, len(q.Seniority))
		for i, sn := range q.Seniority {
			ss[i] = string(sn)
		}
		cond += " AND seniority = ANY(" + arg(pq.Array(ss)) + ")"
	}
	if q.From != nil {
		cond += " AND month >= " + arg(q.From.Format(time.DateOnly)) + "::date"
	}
	if q.To != nil {
		cond += " AND month <= " + arg(q.To.Format(time.DateOnly)) + "::date"
	}
	// keys are the group's keys (NULL for a dimension not grouped by); cols and order the
	// table's own key columns, in its primary key order.
	keys, cols, order := "facet, NULL::text, NULL::text, NULL::date", "facet, NULL::text, NULL::text, NULL::date", "facet"
	switch p.level {
	case levelDim:
		keys = "facet, " + map[bool]string{true: "country", false: "NULL::text"}[grouped(DimCountry)] +
			", " + map[bool]string{true: "seniority", false: "NULL::text"}[grouped(DimSeniority)] + ", NULL::date"
		cols, order = "facet, country, seniority, NULL::date", "facet, country, seniority"
	case levelMonth:
		keys, cols, order = "facet, NULL::text, NULL::text, month", "facet, NULL::text, NULL::text, month", "facet, month"
	}
	// One frequency table per (facet[, country, seniority | month]), read in index order; at the
	// dim level the tables of the countries or seniorities not grouped by are merged in Go (adding
	// them up in SQL would hash and sort every row).
	freqSQL := `SELECT ` + cols + `, rate, n FROM ` + cells + ` WHERE source = $1 AND currency = $2 AND ` + cond
	// The frequency rows come in (group, rate) order — the tables' primary key order, so without a
	// sort at the facet and month levels — and each group's arrays keep it; mergeRateGroups checks
	// the order rather than trusting it. (array_agg(… ORDER BY rate) would sort every group twice.)
	// Grouped by the real keys only: constant NULL keys in GROUP BY make PostgreSQL sort input
	// that the index already delivers in order.
	query := `SELECT ` + keys + `, array_agg(rate), array_agg(n), 0::bigint, 0::bigint
  FROM (` + freqSQL + ` ORDER BY ` + order + `, rate) AS f (facet, country, seniority, month, rate, n) GROUP BY ` + order + `
UNION ALL
SELECT ` + keys + `, NULL, NULL, coalesce(sum(freelancers) FILTER (WHERE currency = $2), 0)::bigint,
       coalesce(sum(n) FILTER (WHERE currency <> $2), 0)::bigint
  FROM ` + counts + ` WHERE source = $1 AND ` + cond + ` GROUP BY ` + order
	return s.mergeRateGroups(ctx, q, grouped, keyed, query, args)
}

// mergeRateGroups runs a rate query whose rows are (facet, country, seniority, month, rates,
// counts, freelancers, excluded) and adds up the rows of each group: some carry the frequency
// table, others the counters. Groups below the privacy threshold or without a rate in the
// query's currency are left out.
func (s *Store) mergeRateGroups(ctx context.Context, q RateQuery, grouped func(string) bool,
	keyed func(*int64, *string, *string, *time.Time) RateGroup, query string, args []any) ([]RateGroup, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type groupKey struct {
		facet            int64
		hasFacet         bool
		country, senior  string
		hasCountry, hasS bool
		month            time.Time
		hasMonth         bool
	}
	type freq struct {
		key              groupKey
		rates, counts    []int64
		people, excluded int64
	}
	byKey := map[groupKey]*freq{}
	var order []groupKey
	for rows.Next() {
		var (
			k                groupKey
			country, senior  *string
			month            *time.Time
			rates, ns        int64Array
			people, excluded int64
		)
		var facet *int64
		if err := rows.Scan(&facet, &country, &senior, &month, &rates, &ns, &people, &excluded); err != nil {
			return nil, err
		}
		if facet != nil {
			k.facet, k.hasFacet = *facet, true
		}
		if country != nil {
			k.country, k.hasCountry = *country, true
		}
		if senior != nil {
			k.senior, k.hasS = *senior, true
		}
		if month != nil {
			k.month, k.hasMonth = month.UTC(), true
		}
		f := byKey[k]
		if f == nil {
			f = &freq{key: k}
			byKey[k] = f
			order = append(order, k)
		}
		if rates != nil {
			if len(rates) != len(ns) {
				return nil, fmt.Errorf("rate statistics: %d rates but %d counts", len(rates), len(ns))
			}
			sortByRate(rates, ns)
			if f.rates == nil {
				f.rates, f.counts = rates, ns
			} else {
				f.rates, f.counts = mergeFreq(f.rates, f.counts, rates, ns)
			}
		}
		f.people += people
		f.excluded += excluded
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	byFacet := grouped(DimSkill) || grouped(DimCategory)
	var out []RateGroup
	for _, k := range order {
		f := byKey[k]
		if len(f.rates) == 0 || f.people < int64(q.MinFreelancers) {
			continue
		}
		var facet *int64
		if byFacet && k.hasFacet {
			facet = &k.facet
		}
		var country, senior *string
		if k.hasCountry {
			country = &k.country
		}
		if k.hasS {
			senior = &k.senior
		}
		var month *time.Time
		if k.hasMonth {
			month = &k.month
		}
		g := keyed(facet, country, senior, month)
		g.Freelancers, g.Excluded = f.people, f.excluded
		g.finish(f.rates, f.counts)
		out = append(out, g)
	}
	return out, nil
}

// finish computes the statistics from the group's frequency table (distinct rates ascending,
// with counts). Sums are exact integers; percentiles interpolate the way percentile_cont does:
// position h = p·(N−1), result lo + (h − ⌊h⌋)·(hi − lo) in float8.
func (g *RateGroup) finish(rates, counts []int64) {
	n, sum, sumSq := sums(rates, counts)
	g.Count, g.Min, g.Max = n, rates[0], rates[len(rates)-1]
	g.Rates, g.Counts = rates, counts
	bn := big.NewInt(n)
	// mean = ⌊(2·Σx + N) / 2N⌋: Σx/N rounded half up (all rates are positive).
	mean := new(big.Int).Add(new(big.Int).Lsh(sum, 1), bn)
	g.Mean = mean.Quo(mean, new(big.Int).Lsh(bn, 1)).Int64()
	// stddev = √V / N with V = N·Σx² − (Σx)²; rounded half up it is (⌊√(4V)⌋ div N + 1) div 2.
	v := new(big.Int).Sub(new(big.Int).Mul(bn, sumSq), new(big.Int).Mul(sum, sum))
	root := new(big.Int).Sqrt(v.Lsh(v, 2))
	root.Quo(root, bn)
	g.Stddev = root.Add(root, big.NewInt(1)).Rsh(root, 1).Int64()
	// The rate at 0-based position k is the first whose running count exceeds k.
	at := func(k int64) int64 {
		var upto int64
		for i, c := range counts {
			if upto += c; upto > k {
				return rates[i]
			}
		}
		return rates[len(rates)-1]
	}
	for i, p := range RatePercentiles {
		h := p * float64(n-1)
		g.Percentiles[i] = percentileCont(h, at(int64(math.Floor(h))), at(int64(math.Ceil(h))))
	}
}

// sums returns N = Σc, Σx = Σr·c and Σx² = Σr²·c of a frequency table, exactly. They are
// accumulated in 128 bits (a million-order table needs about 100), falling back to big integers
// on anything out of that range.
func sums(rates, counts []int64) (int64, *big.Int, *big.Int) {
	var n int64
	var sumHi, sumLo, sqHi, sqLo uint64
	for i, r := range rates {
		c := counts[i]
		if r <= 0 || c <= 0 {
			return sumsBig(rates, counts)
		}
		n += c
		hi, lo := bits.Mul64(uint64(r), uint64(c)) // r·c
		var carry uint64
		sumLo, carry = bits.Add64(sumLo, lo, 0)
		sumHi, carry = bits.Add64(sumHi, hi, carry)
		if carry != 0 {
			return sumsBig(rates, counts)
		}
		// r²·c = r·(r·c): both 64-bit halves of r·c times r; anything past 128 bits overflows.
		h1, l1 := bits.Mul64(lo, uint64(r))
		h2, l2 := bits.Mul64(hi, uint64(r))
		var over uint64
		h1, over = bits.Add64(h1, l2, 0)
		if h2 != 0 || over != 0 {
			return sumsBig(rates, counts)
		}
		sqLo, carry = bits.Add64(sqLo, l1, 0)
		sqHi, carry = bits.Add64(sqHi, h1, carry)
		if carry != 0 {
			return sumsBig(rates, counts)
		}
	}
	return n, uint128(sumHi, sumLo), uint128(sqHi, sqLo)
}

func sumsBig(rates, counts []int64) (int64, *big.Int, *big.Int) {
	var n int64
	sum, sumSq := new(big.Int), new(big.Int)
	x, w := new(big.Int), new(big.Int)
	for i, r := range rates {
		n += counts[i]
		x.SetInt64(r)
		w.SetInt64(counts[i])
		w.Mul(w, x)
		sum.Add(sum, w)
		sumSq.Add(sumSq, w.Mul(w, x))
	}
	return n, sum, sumSq
}

func uint128(hi, lo uint64) *big.Int {
	b := new(big.Int).SetUint64(hi)
	return b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(lo))
}

// mergeFreq adds up two frequency tables (ascending rates) into one.
func mergeFreq(ra, ca, rb, cb []int64) ([]int64, []int64) {
	rates, counts := make([]int64, 0, len(ra)+len(rb)), make([]int64, 0, len(ra)+len(rb))
	i, j := 0, 0
	for i < len(ra) || j < len(rb) {
		switch {
		case j == len(rb) || i < len(ra) && ra[i] < rb[j]:
			rates, counts = append(rates, ra[i]), append(counts, ca[i])
			i++
		case i == len(ra) || rb[j] < ra[i]:
			rates, counts = append(rates, rb[j]), append(counts, cb[j])
			j++
		default:
			rates, counts = append(rates, ra[i]), append(counts, ca[i]+cb[j])
			i++
			j++
		}
	}
	return rates, counts
}

// sortByRate puts a frequency table in ascending rate order (it normally is already).
func sortByRate(rates, counts []int64) {
	if slices.IsSorted(rates) {
		return
	}
	idx := make([]int, len(rates))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(rates[a], rates[b]) })
	r2, c2 := make([]int64, len(rates)), make([]int64, len(rates))
	for i, j := range idx {
		r2[i], c2[i] = rates[j], counts[j]
	}
	copy(rates, r2)
	copy(counts, c2)
}

// int64Array scans a PostgreSQL bigint[] in text form ({1,2,3}; NULL: nil). Frequency tables
// hold thousands of numbers, and pq.Int64Array's general parser (quoting, nesting, NULL elements)
// took most of the time of a rate query.
type int64Array []int64

// Scan implements sql.Scanner.
func (a *int64Array) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*a = nil
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("int64Array: cannot scan %T", src)
	}
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return fmt.Errorf("int64Array: not a one-dimensional array: %.20q", b)
	}
	b = b[1 : len(b)-1]
	out := make([]int64, 0, bytes.Count(b, []byte{','})+1)
	for len(b) > 0 {
		end := bytes.IndexByte(b, ',')
		if end < 0 {
			end = len(b)
		}
		v, err := strconv.ParseInt(string(b[:end]), 10, 64)
		if err != nil {
			return fmt.Errorf("int64Array: %w", err)
		}
		out = append(out, v)
		if end == len(b) {
			break
		}
		b = b[end+1:]
	}
	*a = out
	return nil
}

// percentileCont interpolates like PostgreSQL's percentile_cont_final_common and float8_lerp.
func percentileCont(h float64, lo, hi int64) float64 {
	first := math.Floor(h)
	if first == math.Ceil(h) {
		return float64(lo)
	}
	// The explicit float64 conversions keep the compiler from fusing into an FMA, which rounds
	// differently from PostgreSQL's separate multiply and add.
	prod := float64((h - first) * float64(float64(hi)-float64(lo)))
	return float64(lo) + prod
}

func sortRateGroups(gs []RateGroup) {
	rank := func(g RateGroup) []string {
		var k []string
		if g.Skill != nil {
			k = append(k, g.Skill.Slug)
		}
		if g.Category != nil {
			k = append(k, fmt.Sprint(slices.Index(market.SkillCategories, *g.Category)))
		}
		if g.Country != nil {
			k = append(k, *g.Country)
		}
		if g.Seniority != nil {
			k = append(k, fmt.Sprint(slices.Index(market.Seniorities, *g.Seniority)))
		}
		if g.Month != nil {
			k = append(k, g.Month.Format(time.DateOnly))
		}
		return k
	}
	slices.SortStableFunc(gs, func(a, b RateGroup) int { return slices.Compare(rank(a), rank(b)) })
}

// rateSQL builds the one statement that answers a query. Its parts:
//
//	cells  (keys…, currency, rate, n)   frequency of each rate per group, all currencies
//	people (keys…, freelancers)         distinct freelancers per group, in the query's currency
//	cum    running and total counts per group, in rate order, for the percentile positions
//
// A percentile at 0-based position k is the smallest rate whose running count exceeds k.
func rateSQL(q RateQuery, p ratePlan, grouped func(string) bool) (string, []any) {
	args := []any{q.Source, q.Currency}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	monthExpr, facetCol := "month", "facet"
	if p.level == levelItems {
		monthExpr, facetCol = "date_trunc('month', i.day)::date", "f"
	}
	// The group keys: the SQL that computes them at this level, under fixed names.
	keys := []string{"0"}
	names := []string{"g"}
	if grouped(DimSkill) || grouped(DimCategory) {
		expr := facetCol
		if p.joinSkill {
			expr = "rate_category_facet(s.category)"
		}
		keys, names = append(keys, expr), append(names, "facet")
	}
	if grouped(DimCountry) {
		keys, names = append(keys, "country"), append(names, "country")
	}
	if grouped(DimSeniority) {
		keys, names = append(keys, "seniority"), append(names, "seniority")
	}
	if grouped(DimMonth) {
		keys, names = append(keys, monthExpr), append(names, "month")
	}
	selectKeys := make([]string, len(keys))
	for i := range keys {
		selectKeys[i] = keys[i] + " AS " + names[i]
	}
	G := strings.Join(names, ", ")
	groupPos := make([]string, len(keys))
	for i := range keys {
		groupPos[i] = itoa(i + 1)
	}

	var conds []string
	if p.facets != nil {
		conds = append(conds, facetCol+" = ANY("+arg(pq.Array(p.facets))+")")
	} else {
		conds = append(conds, facetCol+" "+p.facetCond)
	}
	if len(q.Countries) > 0 {
		conds = append(conds, "country = ANY("+arg(pq.Array(q.Countries))+")")
	}
	if len(q.Seniority) > 0 {
		ss := make([]string, len(q.Seniority))
		for i, s := range q.Seniority {
			ss[i] = string(s)
		}
		conds = append(conds, "seniority = ANY("+arg(pq.Array(ss))+")")
	}
	if q.From != nil {
		if p.level == levelItems {
			conds = append(conds, "i.day >= "+arg(q.From.Format(time.DateOnly))+"::date")
		} else {
			conds = append(conds, "month >= "+arg(q.From.Format(time.DateOnly))+"::date")
		}
	}
	if q.To != nil {
		if p.level == levelItems {
			conds = append(conds, "i.day <= "+arg(q.To.Format(time.DateOnly))+"::date")
		} else {
			conds = append(conds, "month <= "+arg(q.To.Format(time.DateOnly))+"::date")
		}
	}
	where := "source = $1 AND " + strings.Join(conds, " AND ")

	var cells, people string
	switch p.level {
	case levelFacet:
		cells = `SELECT ` + strings.Join(selectKeys, ", ") + `, currency, rate, n FROM rate_facet_cells WHERE ` + where
		people = `SELECT ` + strings.Join(selectKeys, ", ") + `, freelancers FROM rate_facet_counts WHERE ` + where + ` AND currency = $2`
	case levelCube:
		cells = `SELECT ` + strings.Join(selectKeys, ", ") + `, currency, rate, sum(n) AS n FROM rate_cells WHERE ` + where +
			` GROUP BY ` + strings.Join(groupPos, ", ") + `, currency, rate`
		if grouped(DimMonth) {
			// A freelancer has one country and seniority, so each (facet, month, freelancer) row
			// is one freelancer of one group: counting rows counts distinct freelancers.
			people = `SELECT ` + strings.Join(selectKeys, ", ") + `, count(*) AS freelancers FROM rate_people WHERE ` + where +
				` AND currency = $2 GROUP BY ` + strings.Join(groupPos, ", ")
		} else {
			people = `SELECT ` + G + `, count(*) AS freelancers FROM (SELECT DISTINCT ` + strings.Join(selectKeys, ", ") +
				`, freelancer_id FROM rate_people WHERE ` + where + ` AND currency = $2) d GROUP BY ` + G
		}
	case levelItems:
		from := `rate_items i CROSS JOIN LATERAL unnest(i.facets) AS f`
		if p.joinSkill {
			from += ` JOIN skills s ON s.id = f`
		}
		w := strings.ReplaceAll(where, "source = $1", "i.source = $1")
		if p.anyOf != nil {
			w += " AND i.facets && " + arg(pq.Array(p.anyOf))
		}
		// An item counts once per group even when several of its facets map to the group.
		items := `SELECT DISTINCT i.ref, ` + strings.Join(selectKeys, ", ") + `, i.currency, i.rate, i.freelancer_id FROM ` + from + ` WHERE ` + w
		cells = `SELECT ` + G + `, currency, rate, count(*) AS n FROM items GROUP BY ` + G + `, currency, rate`
		people = `SELECT ` + G + `, count(DISTINCT freelancer_id) AS freelancers FROM items WHERE currency = $2 GROUP BY ` + G
		cells = `items AS (` + items + `), cells AS (` + cells + `)`
	}
	if p.level != levelItems {
		cells = `cells AS (` + cells + `)`
	}

	typed := map[string]string{"facet": "NULL::bigint", "country": "NULL::text", "seniority": "NULL::text", "month": "NULL::date"}
	var outKeys []string
	for _, d := range []string{"facet", "country", "seniority", "month"} {
		if slices.Contains(names, d) {
			outKeys = append(outKeys, d)
		} else {
			outKeys = append(outKeys, typed[d])
		}
	}
	// One row per group with its frequency table and the rates left out, and one with its
	// distinct freelancers; Go puts them together (a join of two aggregates would be planned on
	// guessed row counts). Everything else is computed from the frequency table in Go, exactly.
	query := `WITH ` + cells + `,
people AS (` + people + `)
SELECT ` + strings.Join(outKeys, ", ") + `,
       array_agg(rate ORDER BY rate) FILTER (WHERE currency = $2), array_agg(n::bigint ORDER BY rate) FILTER (WHERE currency = $2),
       0::bigint, coalesce(sum(n) FILTER (WHERE currency <> $2), 0)::bigint
  FROM cells GROUP BY ` + G + `
UNION ALL
SELECT ` + strings.Join(outKeys, ", ") + `, NULL, NULL, freelancers::bigint, 0::bigint FROM people`
	return query, args
}
