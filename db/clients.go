package db

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
)

// The reads of client profiles. Profile writes live with the accounts code (profiles.go).

const clientColumns = `id, user_id, company_name, country, created_at, updated_at`

// ClientsByID loads clients by ID for dataloaders; missing IDs are absent from the map.
func (s *Store) ClientsByID(ctx context.Context, ids []int64) (map[int64]*market.Client, error) {
	return s.clientsBy(ctx, "id", ids, func(c *market.Client) int64 { return c.ID })
}

// ClientsByUserID loads the client profiles of users for dataloaders, keyed by user ID; users
// without one are absent from the map.
func (s *Store) ClientsByUserID(ctx context.Context, userIDs []int64) (map[int64]*market.Client, error) {
	return s.clientsBy(ctx, "user_id", userIDs, func(c *market.Client) int64 { return c.UserID })
}

func (s *Store) clientsBy(ctx context.Context, col string, ids []int64, key func(*market.Client) int64) (map[int64]*market.Client, error) {
	q := `SELECT ` + clientColumns + ` FROM clients WHERE ` + col + ` = ANY($1)`
	var rows []*market.Client
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]*market.Client, len(rows))
	for _, r := range rows {
		out[key(r)] = r
	}
	return out, nil
}
