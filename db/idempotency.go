package db

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"github.com/gigraph/gigraph/market"
)

// The operations an idempotency key can guard; the migration's CHECK lists the same names.
const (
	opPlaceOrder       = "placeOrder"
	opFundMilestone    = "fundMilestone"
	opReleaseMilestone = "releaseMilestone"
	opRefundMilestone  = "refundMilestone"
)

// IdempotencyKeyTTL is how long a key is kept at least: a retry within it returns the first result.
const IdempotencyKeyTTL = 24 * time.Hour

// maxIdempotencyKey bounds a key's length (the migration's CHECK says the same).
const maxIdempotencyKey = 200

// requestHash is the SHA-256 of an operation's canonical input: its parts joined by a byte that
// cannot occur in them (IDs, amounts and currency codes).
func requestHash(parts ...any) []byte {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		fmt.Fprint(&b, p)
	}
	h := sha256.Sum256([]byte(b.String()))
	return h[:]
}

// claimKey claims an idempotency key for op inside tx, before anything else the transaction does.
//
// It returns replay=false when the key is new: the caller goes on and must call saveKeyResult before
// committing. It returns replay=true, with the first call's result decoded into dst, when the key was
// used before for the same operation and input. A concurrent call holding the same key makes this
// insert wait on the primary key until that transaction ends: if it committed, its result is
// returned; if it rolled back, this call claims the key and runs instead. So a keyed operation never
// runs twice. The same key with another operation or input is CONFLICT.
func claimKey(ctx context.Context, tx *sqlx.Tx, userID int64, key, op string, hash []byte, dst any) (replay bool, err error) {
	if strings.TrimSpace(key) == "" || len(key) > maxIdempotencyKey {
		return false, market.InvalidInput("idempotencyKey", "idempotencyKey must be 1–%d characters", maxIdempotencyKey)
	}
	const insert = `INSERT INTO idempotency_keys (user_id, key, operation, request_hash) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, key) DO NOTHING`
	res, err := tx.ExecContext(ctx, insert, userID, key, op, hash)
	if pq.As(err, pqerror.LockNotAvailable) != nil {
		// The first call with this key held it longer than lock_timeout: it is still running.
		return false, (&market.Error{Code: market.CodeConflict, Field: "idempotencyKey",
			Message: "a request with this idempotency key is still in progress; retry later"}).With("inProgress", true)
	}
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return false, err
	}
	// Read committed: this statement sees the row the conflicting transaction committed.
	const q = `SELECT operation, request_hash, result FROM idempotency_keys WHERE user_id = $1 AND key = $2`
	var row struct {
		Operation   string `db:"operation"`
		RequestHash []byte `db:"request_hash"`
		Result      []byte `db:"result"`
	}
	if err := sqlx.GetContext(ctx, tx, &row, q, userID, key); err != nil {
		return false, err
	}
	if row.Operation != op || !bytes.Equal(row.RequestHash, hash) {
		return false, &market.Error{Code: market.CodeConflict, Field: "idempotencyKey",
			Message: "this idempotency key was already used with other input"}
	}
	if row.Result == nil {
		// Impossible while saveKeyResult runs before every commit; refuse rather than guess.
		return false, fmt.Errorf("idempotency key %q of user %d has no result", key, userID)
	}
	if err := json.Unmarshal(row.Result, dst); err != nil {
		return false, fmt.Errorf("decode idempotent result: %w", err)
	}
	return true, nil
}

// saveKeyResult stores the result of the operation a key guards, in the claiming transaction.
func saveKeyResult(ctx context.Context, tx *sqlx.Tx, userID int64, key string, resultID int64, result any) error {
	b, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("encode idempotent result: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE idempotency_keys SET result_id = $3, result = $4 WHERE user_id = $1 AND key = $2`,
		userID, key, resultID, b)
	return err
}

// DeleteExpiredIdempotencyKeys deletes keys older than olderThan, which is raised to
// IdempotencyKeyTTL if shorter, and returns how many it deleted. Run it periodically.
func (s *Store) DeleteExpiredIdempotencyKeys(ctx context.Context, olderThan time.Duration) (int64, error) {
	olderThan = max(olderThan, IdempotencyKeyTTL)
	res, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)`,
		olderThan.Seconds())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
