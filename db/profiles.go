package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
)

// FreelancerProfile is a whole freelancer profile to save; the caller has validated its fields.
type FreelancerProfile struct {
	Headline        string
	Bio             string
	Country         string
	Seniority       market.Seniority
	YearsExperience int
	DailyRate       market.Money
	Available       bool
	Skills          []ProfileSkill
}

// ProfileSkill is a skill on a profile to save, by slug.
type ProfileSkill struct {
	Slug  string
	Level int
	Years int
}

// savedFreelancerQuery reads one profile back with its owner's name.
const savedFreelancerQuery = `SELECT ` + freelancerColumns + freelancerFrom + ` WHERE f.id = $1`

// SaveFreelancerProfile creates or replaces the freelancer profile of a user, skills included, in
// one transaction. An unknown skill slug is BAD_USER_INPUT on `input.skills[i].skill`.
func (s *Store) SaveFreelancerProfile(ctx context.Context, userID int64, p FreelancerProfile) (*market.Freelancer, error) {
	const upsert = `INSERT INTO freelancers (user_id, headline, bio, country, seniority, years_experience, daily_rate, currency, available)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (user_id) DO UPDATE SET headline = EXCLUDED.headline, bio = EXCLUDED.bio, country = EXCLUDED.country,
			seniority = EXCLUDED.seniority, years_experience = EXCLUDED.years_experience, daily_rate = EXCLUDED.daily_rate,
			currency = EXCLUDED.currency, available = EXCLUDED.available, updated_at = now()
		RETURNING id`
	slugs := make([]string, len(p.Skills))
	for i, sk := range p.Skills {
		slugs[i] = sk.Slug
	}
	var f market.Freelancer
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		ids, err := skillIDs(ctx, tx, slugs, "input.skills[%d].skill")
		if err != nil {
			return err
		}
		var id int64
		if err := tx.GetContext(ctx, &id, upsert, userID, p.Headline, p.Bio, p.Country, p.Seniority,
			p.YearsExperience, p.DailyRate.Minor, p.DailyRate.Currency, p.Available); err != nil {
			return translate(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM freelancer_skills WHERE freelancer_id = $1`, id); err != nil {
			return err
		}
		levels, years := make([]int64, len(p.Skills)), make([]int64, len(p.Skills))
		for i, sk := range p.Skills {
			levels[i], years[i] = int64(sk.Level), int64(sk.Years)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO freelancer_skills (freelancer_id, skill_id, level, years)
			SELECT $1::bigint, * FROM unnest($2::bigint[], $3::int[], $4::int[])`,
			id, pq.Array(ids), pq.Array(levels), pq.Array(years)); err != nil {
			return translate(err)
		}
		return translate(tx.GetContext(ctx, &f, savedFreelancerQuery, id))
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// skillIDs maps slugs to skill IDs, in order. An unknown slug is BAD_USER_INPUT on the field
// fieldFormat names with the slug's index.
func skillIDs(ctx context.Context, q sqlx.QueryerContext, slugs []string, fieldFormat string) ([]int64, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Slug string `db:"slug"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, slug FROM skills WHERE slug = ANY($1)`, pq.Array(slugs)); err != nil {
		return nil, err
	}
	bySlug := make(map[string]int64, len(rows))
	for _, r := range rows {
		bySlug[r.Slug] = r.ID
	}
	ids := make([]int64, len(slugs))
	for i, slug := range slugs {
		id, ok := bySlug[slug]
		if !ok {
			return nil, market.InvalidInput(fmt.Sprintf(fieldFormat, i), "%q is not a known skill (see the skills query)", slug)
		}
		ids[i] = id
	}
	return ids, nil
}

// ClientProfile is a whole client profile to save; the caller has validated its fields.
type ClientProfile struct {
	CompanyName string
	Country     string
}

// SaveClientProfile creates or replaces the client profile of a user.
func (s *Store) SaveClientProfile(ctx context.Context, userID int64, p ClientProfile) (*market.Client, error) {
	const q = `INSERT INTO clients (user_id, company_name, country) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET company_name = EXCLUDED.company_name, country = EXCLUDED.country, updated_at = now()
		RETURNING ` + clientColumns
	var c market.Client
	if err := sqlx.GetContext(ctx, s.db, &c, q, userID, p.CompanyName, p.Country); err != nil {
		return nil, translate(err)
	}
	return &c, nil
}
