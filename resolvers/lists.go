package resolvers

import (
	"context"
	"strings"

	"golang.org/x/text/language"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/graph/model"
	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// Limits on list filters, so a filter cannot grow a statement without bound.
const (
	maxFilterItems  = 20
	maxSearchLength = 200
)

// freelancerFilter validates a FreelancerFilter and turns it into the store's filter: unknown
// skills, countries and currencies, and out-of-range levels and rates are BAD_USER_INPUT naming
// the field.
func (r *Resolver) freelancerFilter(ctx context.Context, in *model.FreelancerFilter) (db.FreelancerFilter, error) {
	var f db.FreelancerFilter
	if in == nil {
		return f, nil
	}
	var err error
	if f.Skills, f.AnySkills, err = r.skillIDs(ctx, in.Skills, in.AnySkills); err != nil {
		return f, err
	}
	if in.MinLevel != nil {
		if *in.MinLevel < 1 || *in.MinLevel > 5 {
			return f, market.InvalidInput("filter.minLevel", "minLevel must be between 1 and 5, got %d", *in.MinLevel)
		}
		if len(in.Skills) == 0 && len(in.AnySkills) == 0 {
			return f, market.InvalidInput("filter.minLevel", "minLevel applies to skills or anySkills; give one of them")
		}
		f.MinLevel = *in.MinLevel
	}
	if f.Countries, err = countries("filter.countries", in.Countries); err != nil {
		return f, err
	}
	f.Seniority, f.Available = in.Seniority, in.Available
	if rr := in.DailyRate; rr != nil {
		f.RateCurrency = "EUR"
		if rr.Currency != nil {
			f.RateCurrency = *rr.Currency
		}
		if _, err := market.CurrencyScale(f.RateCurrency); err != nil {
			return f, market.InvalidInput("filter.dailyRate.currency", "%q is not an ISO 4217 currency code", f.RateCurrency)
		}
		if f.RateMin, err = minorOf("filter.dailyRate.min", rr.Min, f.RateCurrency); err != nil {
			return f, err
		}
		if f.RateMax, err = minorOf("filter.dailyRate.max", rr.Max, f.RateCurrency); err != nil {
			return f, err
		}
		if f.RateMin != nil && f.RateMax != nil && *f.RateMin > *f.RateMax {
			return f, market.InvalidInput("filter.dailyRate.max", "max is below min")
		}
	}
	f.Search, err = search(in.Search)
	return f, err
}

// freelancerOrder applies the defaults of FreelancerOrder: NEWEST (RELEVANCE when searching),
// descending except for DAILY_RATE.
func freelancerOrder(in *model.FreelancerOrder, searching bool) db.FreelancerOrder {
	o := db.FreelancerOrder{Field: db.FreelancersByNewest, Desc: true}
	if searching {
		o.Field = db.FreelancersByRelevance
	}
	if in != nil {
		o.Field = db.FreelancerOrderField(in.Field)
		o.Desc = in.Field != model.FreelancerOrderFieldDailyRate
		if in.Direction != nil {
			o.Desc = *in.Direction == model.OrderDirectionDesc
		}
	}
	return o
}

// projectFilter validates a ProjectFilter and turns it into the store's filter.
func (r *Resolver) projectFilter(ctx context.Context, in *model.ProjectFilter) (db.ProjectFilter, error) {
	var f db.ProjectFilter
	if in == nil {
		return f, nil
	}
	var err error
	if f.Skills, f.AnySkills, err = r.skillIDs(ctx, in.Skills, in.AnySkills); err != nil {
		return f, err
	}
	if f.Countries, err = countries("filter.countries", in.Countries); err != nil {
		return f, err
	}
	f.Statuses, f.Remote, f.PostedAfter = in.Status, in.Remote, in.PostedAfter
	if in.RateType != nil {
		f.RateType = *in.RateType
	}
	if in.MinBudget != nil {
		if _, err := market.CurrencyScale(in.MinBudget.Currency); err != nil {
			return f, market.InvalidInput("filter.minBudget.currency", "%q is not an ISO 4217 currency code", in.MinBudget.Currency)
		}
		m, err := market.ParseMoney(in.MinBudget.Amount, in.MinBudget.Currency)
		if err != nil {
			return f, market.InvalidInput("filter.minBudget.amount", "%s", err.Error())
		}
		f.MinBudget = &m
	}
	f.Search, err = search(in.Search)
	return f, err
}

// projectOrder applies the defaults of ProjectOrder: NEWEST (RELEVANCE when searching), descending.
func projectOrder(in *model.ProjectOrder, searching bool) db.ProjectOrder {
	o := db.ProjectOrder{Field: db.ProjectsByNewest, Desc: true}
	if searching {
		o.Field = db.ProjectsByRelevance
	}
	if in != nil {
		o.Field = db.ProjectOrderField(in.Field)
		if in.Direction != nil {
			o.Desc = *in.Direction == model.OrderDirectionDesc
		}
	}
	return o
}

// skillIDs resolves the all-of and any-of skill slugs of a filter; an unknown slug is
// BAD_USER_INPUT naming its list.
func (r *Resolver) skillIDs(ctx context.Context, all, anyOf []string) (allIDs, anyIDs []int64, err error) {
	if len(all) > maxFilterItems {
		return nil, nil, market.InvalidInput("filter.skills", "at most %d skills", maxFilterItems)
	}
	if len(anyOf) > maxFilterItems {
		return nil, nil, market.InvalidInput("filter.anySkills", "at most %d skills", maxFilterItems)
	}
	if allIDs, err = r.Store.SkillIDsBySlug(ctx, "filter.skills", all); err != nil {
		return nil, nil, err
	}
	anyIDs, err = r.Store.SkillIDsBySlug(ctx, "filter.anySkills", anyOf)
	return allIDs, anyIDs, err
}

// countries checks ISO 3166-1 alpha-2 country codes (case-insensitive) and returns them upper
// case. Codes that are not countries (EU, UN, ZZ) are refused.
func countries(field string, in []string) ([]string, error) {
	if len(in) > maxFilterItems*5 {
		return nil, market.InvalidInput(field, "at most %d countries", maxFilterItems*5)
	}
	out := make([]string, len(in))
	for i, c := range in {
		code, ok := countryCode(c)
		if !ok {
			return nil, market.InvalidInput(field, "%q is not an ISO 3166-1 alpha-2 country code", c)
		}
		out[i] = code
	}
	return out, nil
}

func countryCode(s string) (string, bool) {
	up := strings.ToUpper(s)
	if len(up) != 2 || up[0] < 'A' || up[0] > 'Z' || up[1] < 'A' || up[1] > 'Z' {
		return "", false
	}
	reg, err := language.ParseRegion(up)
	// ParseRegion maps deprecated codes to current ones (UK → GB); only the canonical code is a
	// country a profile can have.
	if err != nil || !reg.IsCountry() || reg.String() != up {
		return "", false
	}
	return up, true
}

func minorOf(field string, d *market.Decimal, currency string) (*int64, error) {
	if d == nil {
		return nil, nil
	}
	m, err := market.ParseMoney(*d, currency)
	if err != nil {
		return nil, market.InvalidInput(field, "%s", err.Error())
	}
	return &m.Minor, nil
}

func search(s *string) (string, error) {
	if s == nil {
		return "", nil
	}
	if len(*s) > maxSearchLength {
		return "", market.InvalidInput("filter.search", "search is at most %d bytes", maxSearchLength)
	}
	return strings.TrimSpace(*s), nil
}

// statusKey turns a status filter into the comparable form nested-list loaders key by.
func statusKey(st []market.ProjectStatus) string {
	s := make([]string, len(st))
	for i, v := range st {
		s[i] = string(v)
	}
	return strings.Join(s, ",")
}

func freelancerConnection(pg *db.Page[market.Freelancer], count relay.Counter) *model.FreelancerConnection {
	conn := &model.FreelancerConnection{
		Edges:    make([]*model.FreelancerEdge, len(pg.Rows)),
		PageInfo: pageInfo(pg.HasNextPage, pg.HasPreviousPage, pg.Cursors),
		Count:    count,
	}
	for i := range pg.Rows {
		conn.Edges[i] = &model.FreelancerEdge{Cursor: pg.Cursors[i], Node: &pg.Rows[i]}
	}
	return conn
}

func projectConnection(pg *db.Page[market.Project], count relay.Counter) *model.ProjectConnection {
	conn := &model.ProjectConnection{
		Edges:    make([]*model.ProjectEdge, len(pg.Rows)),
		PageInfo: pageInfo(pg.HasNextPage, pg.HasPreviousPage, pg.Cursors),
		Count:    count,
	}
	for i := range pg.Rows {
		conn.Edges[i] = &model.ProjectEdge{Cursor: pg.Cursors[i], Node: &pg.Rows[i]}
	}
	return conn
}
