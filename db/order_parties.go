package db

// Batch reads of the gigs and profiles an order points at, for the order resolvers' loaders. The
// read graph owns these aggregates; when its store methods land, these give way to them.

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
)

// ProjectsByID loads projects by ID for dataloaders; missing IDs are absent from the map.
func (s *Store) ProjectsByID(ctx context.Context, ids []int64) (map[int64]*market.Project, error) {
	const q = `SELECT id, client_id, title, description, rate_type, budget, currency, remote, country, status, created_at, updated_at
		FROM projects WHERE id = ANY($1)`
	return byID(ctx, s.db, q, ids, func(p *market.Project) int64 { return p.ID })
}

// ClientsByID loads client profiles by ID for dataloaders; missing IDs are absent from the map.
func (s *Store) ClientsByID(ctx context.Context, ids []int64) (map[int64]*market.Client, error) {
	const q = `SELECT id, user_id, company_name, country, created_at, updated_at FROM clients WHERE id = ANY($1)`
	return byID(ctx, s.db, q, ids, func(c *market.Client) int64 { return c.ID })
}

// FreelancersByID loads freelancer profiles (with the user's name) by ID for dataloaders; missing
// IDs are absent from the map.
func (s *Store) FreelancersByID(ctx context.Context, ids []int64) (map[int64]*market.Freelancer, error) {
	const q = `SELECT f.id, f.user_id, u.name, f.headline, f.bio, f.country, f.seniority, f.years_experience,
			f.daily_rate, f.currency, f.available, f.created_at, f.updated_at
		FROM freelancers f JOIN users u ON u.id = f.user_id WHERE f.id = ANY($1)`
	return byID(ctx, s.db, q, ids, func(f *market.Freelancer) int64 { return f.ID })
}

func byID[T any](ctx context.Context, q sqlx.QueryerContext, query string, ids []int64, key func(*T) int64) (map[int64]*T, error) {
	var rows []*T
	if err := sqlx.SelectContext(ctx, q, &rows, query, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]*T, len(rows))
	for _, r := range rows {
		out[key(r)] = r
	}
	return out, nil
}
