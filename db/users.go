package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
)

const userColumns = `id, email, name, is_admin, created_at`

// CreateUser inserts an account with an already hashed password.
// Returns CONFLICT when the email is taken (case-insensitively).
func (s *Store) CreateUser(ctx context.Context, email, name, passwordHash string) (*market.User, error) {
	const q = `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING ` + userColumns
	var u market.User
	if err := sqlx.GetContext(ctx, s.db, &u, q, email, name, passwordHash); err != nil {
		if IsUniqueViolation(err, "users_email_key") {
			return nil, &market.Error{Code: market.CodeConflict, Field: "input.email", Message: "an account with this email exists already"}
		}
		return nil, translate(err)
	}
	return &u, nil
}

// UsersByID loads users by ID for dataloaders.
func (s *Store) UsersByID(ctx context.Context, ids []int64) (map[int64]*market.User, error) {
	var rows []*market.User
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT `+userColumns+` FROM users WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]*market.User, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// CreateSession stores the hash of a new bearer token for a user.
func (s *Store) CreateSession(ctx context.Context, userID int64, tokenHash []byte, expiresAt time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, $2, $3)`, userID, tokenHash, expiresAt)
	return translate(err)
}

// SessionUser returns the user of a live session (not expired, not revoked) by token hash.
// Returns NOT_FOUND for any other token.
func (s *Store) SessionUser(ctx context.Context, tokenHash []byte) (*market.User, error) {
	const q = `SELECT u.id, u.email, u.name, u.is_admin, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`
	var u market.User
	if err := sqlx.GetContext(ctx, s.db, &u, q, tokenHash); err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// RevokeSession ends a session; it reports whether a live session was revoked.
func (s *Store) RevokeSession(ctx context.Context, tokenHash []byte) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL`, tokenHash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
