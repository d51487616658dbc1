package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gigraph/gigraph/market"
)

// GigAlert is a saved gig search of a user; its digest is the matching gig events after Acked.
type GigAlert struct {
	ID        int64              `db:"id"`
	UserID    int64              `db:"user_id"`
	Name      string             `db:"name"`
	Criteria  market.GigCriteria `db:"-"`
	RawFilter []byte             `db:"filter"`
	Cadence   string             `db:"cadence"`
	Acked     int64              `db:"acked"`
	CreatedAt time.Time          `db:"created_at"`
}

const gigAlertColumns = `id, user_id, name, filter, cadence, acked, created_at`

func (a *GigAlert) decode() error {
	if err := json.Unmarshal(a.RawFilter, &a.Criteria); err != nil {
		return fmt.Errorf("gig alert %d: filter: %w", a.ID, err)
	}
	return nil
}

// CreateGigAlert saves an alert for userID that starts after position acked; a negative acked
// means "from now": the newest gig event position.
func (s *Store) CreateGigAlert(ctx context.Context, userID int64, name string, c market.GigCriteria, cadence string, acked int64) (*GigAlert, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	const q = `
INSERT INTO gig_alerts (user_id, name, filter, cadence, acked)
VALUES ($1, $2, $3, $4, CASE WHEN $5 < 0 THEN (SELECT coalesce(max(id), 0) FROM gig_events) ELSE $5 END)
RETURNING ` + gigAlertColumns
	var a GigAlert
	if err := sqlx.GetContext(ctx, s.db, &a, q, userID, name, raw, cadence, acked); err != nil {
		return nil, translate(err)
	}
	return &a, a.decode()
}

// GigAlertsByUser lists a user's alerts, oldest first.
func (s *Store) GigAlertsByUser(ctx context.Context, userID int64) ([]*GigAlert, error) {
	const q = `SELECT ` + gigAlertColumns + ` FROM gig_alerts WHERE user_id = $1 ORDER BY id`
	var rows []*GigAlert
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, userID); err != nil {
		return nil, err
	}
	for _, a := range rows {
		if err := a.decode(); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// GigAlert returns one alert. Returns NOT_FOUND when it does not exist.
func (s *Store) GigAlert(ctx context.Context, id int64) (*GigAlert, error) {
	const q = `SELECT ` + gigAlertColumns + ` FROM gig_alerts WHERE id = $1`
	var a GigAlert
	if err := sqlx.GetContext(ctx, s.db, &a, q, id); err != nil {
		return nil, translate(err)
	}
	return &a, a.decode()
}

// AckGigAlert moves an alert's acknowledged position forward to pos; a smaller pos leaves it where
// it is (acks may arrive out of order and must never replay gigs already read), and a position
// beyond the newest event is clamped so that no future gig can be skipped.
// Returns NOT_FOUND when the alert does not exist.
func (s *Store) AckGigAlert(ctx context.Context, id, pos int64) (*GigAlert, error) {
	const q = `UPDATE gig_alerts SET acked = GREATEST(acked, LEAST($2, (SELECT coalesce(max(id), 0) FROM gig_events))) WHERE id = $1 RETURNING ` + gigAlertColumns
	var a GigAlert
	if err := sqlx.GetContext(ctx, s.db, &a, q, id, pos); err != nil {
		return nil, translate(err)
	}
	return &a, a.decode()
}

// DeleteGigAlert deletes an alert. Returns NOT_FOUND when it does not exist.
func (s *Store) DeleteGigAlert(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM gig_alerts WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return market.ErrNotFound
	}
	return nil
}
