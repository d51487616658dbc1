package db

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gigraph/gigraph/market"
)

// Session returns the live session (not expired, not revoked) of a token hash, with the IDs of the
// user's profiles. Returns NOT_FOUND for any other token.
func (s *Store) Session(ctx context.Context, tokenHash []byte) (*market.Session, error) {
	const q = `SELECT s.user_id, u.is_admin, c.id AS client_id, f.id AS freelancer_id, s.expires_at
		FROM sessions s
		JOIN users u ON u.id = s.user_id
		LEFT JOIN clients c ON c.user_id = s.user_id
		LEFT JOIN freelancers f ON f.user_id = s.user_id
		WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`
	var out market.Session
	if err := sqlx.GetContext(ctx, s.db, &out, q, tokenHash); err != nil {
		return nil, translate(err)
	}
	return &out, nil
}

// Register creates an account and its first session in one transaction. Returns CONFLICT on field
// input.email when the email is taken (case-insensitively).
func (s *Store) Register(ctx context.Context, email, name, passwordHash string, tokenHash []byte, expiresAt time.Time) (*market.User, error) {
	const q = `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING ` + userColumns
	var u market.User
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := sqlx.GetContext(ctx, tx, &u, q, email, name, passwordHash); err != nil {
			if IsUniqueViolation(err, "users_email_key") {
				return &market.Error{Code: market.CodeConflict, Field: "input.email", Message: "an account with this email exists already"}
			}
			return translate(err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, $2, $3)`, u.ID, tokenHash, expiresAt)
		return translate(err)
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// LoginUser returns the account with an email (case-insensitively) and its password hash.
// Returns NOT_FOUND when there is none.
func (s *Store) LoginUser(ctx context.Context, email string) (*market.User, string, error) {
	const q = `SELECT ` + userColumns + `, password_hash FROM users WHERE lower(email) = lower($1)`
	var row struct {
		market.User
		PasswordHash string `db:"password_hash"`
	}
	if err := sqlx.GetContext(ctx, s.db, &row, q, email); err != nil {
		return nil, "", translate(err)
	}
	return &row.User, row.PasswordHash, nil
}

// sweepEvery: one CountLoginAttempt call in this many also deletes the rows of finished windows.
const sweepEvery = 64

var loginAttemptCalls atomic.Uint64

// CountLoginAttempt records one login attempt for an email (case-insensitively) and returns how
// many attempts without a success its current window holds, this one included, and how long that
// window still runs. The count is taken before the password is checked and in one statement, so
// concurrent attempts on several server instances each see a distinct count and none slips past
// the limit. A window starts with the first attempt after the previous one ended.
func (s *Store) CountLoginAttempt(ctx context.Context, email string, window time.Duration) (attempts int, remaining time.Duration, err error) {
	const q = `INSERT INTO login_attempts AS a (email, attempts) VALUES (lower($1), 1)
		ON CONFLICT (email) DO UPDATE SET
			attempts     = CASE WHEN a.window_start <= now() - $2 * interval '1 microsecond' THEN 1 ELSE a.attempts + 1 END,
			window_start = CASE WHEN a.window_start <= now() - $2 * interval '1 microsecond' THEN now() ELSE a.window_start END
		RETURNING attempts, (extract(epoch FROM a.window_start + $2 * interval '1 microsecond' - now()) * 1000000)::bigint`
	var micros int64
	if err := s.db.QueryRowContext(ctx, q, email, window.Microseconds()).Scan(&attempts, &micros); err != nil {
		return 0, 0, err
	}
	if loginAttemptCalls.Add(1)%sweepEvery == 0 {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM login_attempts WHERE window_start <= now() - $1 * interval '1 microsecond'`, window.Microseconds()); err != nil {
			return 0, 0, err
		}
	}
	return attempts, time.Duration(micros) * time.Microsecond, nil
}

// StartSession stores the hash of a new bearer token for a user after a login, and deletes the
// user's sessions that have expired or were revoked, so they do not pile up.
func (s *Store) StartSession(ctx context.Context, userID int64, tokenHash []byte, expiresAt time.Time) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND (expires_at <= now() OR revoked_at IS NOT NULL)`, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, $2, $3)`, userID, tokenHash, expiresAt)
		return translate(err)
	})
}

// ClearLoginAttempts forgets the attempts of an email after a successful login.
func (s *Store) ClearLoginAttempts(ctx context.Context, email string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_attempts WHERE email = lower($1)`, email)
	return err
}

// SetPasswordHash replaces a user's password hash (after a login with outdated hash parameters).
func (s *Store) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash)
	return err
}
