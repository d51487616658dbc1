package db

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// OrderEvent is a row to append to an order's event log.
type OrderEvent struct {
	OrderID     int64
	MilestoneID *int64
	Kind        string // an OrderEventKind value: PLACED, ACCEPTED, MILESTONE_FUNDED, …
	ActorID     *int64
}

// AppendOrderEvent appends to the order event log. Call it inside the transaction of the change it
// records, so the event exists exactly when the change does.
func AppendOrderEvent(ctx context.Context, tx sqlx.ExtContext, e OrderEvent) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO order_events (order_id, milestone_id, kind, actor_id) VALUES ($1, $2, $3, $4)`,
		e.OrderID, e.MilestoneID, e.Kind, e.ActorID)
	return err
}

// AppendGigEvent appends a POSTED event for a new gig to the gig feed. Call it inside the
// transaction that inserts the project.
func AppendGigEvent(ctx context.Context, tx sqlx.ExtContext, projectID int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO gig_events (project_id) VALUES ($1)`, projectID)
	return err
}
