package market

import "slices"

// GigCriteria is what a feed subscriber or a saved alert wants to hear about. Every set condition
// must hold; an empty GigCriteria matches every gig. It is stored as JSON on alerts, so its JSON
// form is part of the database.
type GigCriteria struct {
	// Skills: the gig asks for at least one of these slugs.
	Skills []string `json:"skills,omitempty"`
	// AllSkills: the gig asks for every one of these slugs.
	AllSkills []string `json:"allSkills,omitempty"`
	// Categories: the gig asks for a skill in one of these categories.
	Categories []SkillCategory `json:"categories,omitempty"`
	// Countries: the gig is located in one of these countries.
	Countries []string `json:"countries,omitempty"`
	// Remote: only remote (true) or only on-site (false) gigs.
	Remote *bool `json:"remote,omitempty"`
	// RateType: only gigs paid this way.
	RateType *RateType `json:"rateType,omitempty"`
	// MinBudget: only gigs in this currency with at least this budget.
	MinBudget *Money `json:"minBudget,omitempty"`
}

// GigFacts is what matching needs to know about a gig beyond the project row.
type GigFacts struct {
	Project    *Project
	Skills     []string        // slugs
	Categories []SkillCategory // categories of those skills
}

// Match reports whether the gig satisfies every condition. The store's digest query implements the
// same rules in SQL; the feed's tests check that both agree.
func (c *GigCriteria) Match(g GigFacts) bool {
	p := g.Project
	if len(c.Skills) > 0 && !slices.ContainsFunc(c.Skills, func(s string) bool { return slices.Contains(g.Skills, s) }) {
		return false
	}
	for _, s := range c.AllSkills {
		if !slices.Contains(g.Skills, s) {
			return false
		}
	}
	if len(c.Categories) > 0 && !slices.ContainsFunc(c.Categories, func(k SkillCategory) bool { return slices.Contains(g.Categories, k) }) {
		return false
	}
	if len(c.Countries) > 0 && (p.Country == nil || !slices.Contains(c.Countries, *p.Country)) {
		return false
	}
	if c.Remote != nil && p.Remote != *c.Remote {
		return false
	}
	if c.RateType != nil && p.RateType != *c.RateType {
		return false
	}
	if c.MinBudget != nil && (p.Currency != c.MinBudget.Currency || p.BudgetMinor < c.MinBudget.Minor) {
		return false
	}
	return true
}
