package db

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
)

const milestoneColumns = `id, order_id, title, amount, currency, due_date, status, created_at, updated_at`

// MilestonesByID loads milestones by ID for dataloaders; missing IDs are absent from the map.
func (s *Store) MilestonesByID(ctx context.Context, ids []int64) (map[int64]*market.Milestone, error) {
	var rows []*market.Milestone
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT `+milestoneColumns+` FROM milestones WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]*market.Milestone, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// MilestonesByOrderID loads the milestones of orders, in the order they were added, for
// dataloaders. Every requested order gets an entry, empty when it has no milestones.
func (s *Store) MilestonesByOrderID(ctx context.Context, orderIDs []int64) (map[int64][]*market.Milestone, error) {
	var rows []*market.Milestone
	const q = `SELECT ` + milestoneColumns + ` FROM milestones WHERE order_id = ANY($1) ORDER BY order_id, id`
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, pq.Array(orderIDs)); err != nil {
		return nil, err
	}
	out := make(map[int64][]*market.Milestone, len(orderIDs))
	for _, id := range orderIDs {
		out[id] = []*market.Milestone{}
	}
	for _, r := range rows {
		out[r.OrderID] = append(out[r.OrderID], r)
	}
	return out, nil
}

// AddMilestoneInput is a new milestone on an order.
type AddMilestoneInput struct {
	OrderID int64
	Title   string
	Amount  market.Money
	DueDate *market.Date
}

// AddMilestone adds a PENDING milestone to a PROPOSED or ACCEPTED order.
//
// The milestones that can still pay (all but CANCELLED and REFUNDED ones) never add up to more than
// the order's amount. A milestone that would break this is BAD_USER_INPUT on input.amount, with the
// amount still free in extensions.available: the request is wrong for the order as it stands, not a
// race to retry. For a DAILY order the amount is a daily rate, and milestones are the days billed
// so far: the cap does not apply to them.
// Returns CONFLICT when the order is in another state (extensions.status), BAD_USER_INPUT for a
// title of the wrong length or an amount that is not positive or not in the order's currency.
func (s *Store) AddMilestone(ctx context.Context, userID int64, in AddMilestoneInput) (*market.Milestone, error) {
	if n := len([]rune(in.Title)); n < 1 || n > 200 || strings.TrimSpace(in.Title) == "" {
		return nil, market.InvalidInput("input.title", "the title must be 1–200 characters")
	}
	var out market.Milestone
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		// Locking the order serialises milestone additions, so two concurrent ones cannot both fit.
		o, err := lockOrder(ctx, tx, in.OrderID)
		if err != nil {
			return err
		}
		if o.Status != market.OrderProposed && o.Status != market.OrderAccepted {
			return stateConflict("status", o.Status, "the order is %s: milestones are added to PROPOSED or ACCEPTED orders", o.Status)
		}
		if in.Amount.Minor <= 0 {
			return market.InvalidInput("input.amount.amount", "the amount must be positive")
		}
		if in.Amount.Currency != o.Currency {
			return market.InvalidInput("input.amount.currency", "the amount must be in the order's currency %s", o.Currency)
		}
		if o.RateType == market.RateFixed {
			var committed int64
			const q = `SELECT coalesce(sum(amount), 0) FROM milestones WHERE order_id = $1 AND status NOT IN ('CANCELLED', 'REFUNDED')`
			if err := sqlx.GetContext(ctx, tx, &committed, q, o.ID); err != nil {
				return err
			}
			if available := o.AmountMinor - committed; in.Amount.Minor > available {
				return market.InvalidInput("input.amount.amount", "the milestones would add up to more than the order's amount").
					With("available", market.FormatMinor(max(available, 0), o.Currency))
			}
		}
		const insert = `INSERT INTO milestones (order_id, title, amount, currency, due_date, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, now(), now()) RETURNING ` + milestoneColumns
		var due any
		if in.DueDate != nil {
			due = in.DueDate.Time
		}
		if err := sqlx.GetContext(ctx, tx, &out, insert, o.ID, in.Title, in.Amount.Minor, in.Amount.Currency, due); err != nil {
			return translate(err)
		}
		return AppendOrderEvent(ctx, tx, OrderEvent{OrderID: o.ID, MilestoneID: &out.ID, Kind: "MILESTONE_ADDED", ActorID: &userID})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// milestoneOrder is what a milestone transition needs of the order: its state and parties.
type milestoneOrder struct {
	ID           int64              `db:"id"`
	Status       market.OrderStatus `db:"status"`
	ClientID     int64              `db:"client_id"`
	FreelancerID int64              `db:"freelancer_id"`
}

// milestoneMove is one milestone transition.
type milestoneMove struct {
	op    string // the idempotency operation, "" for an unkeyed transition
	from  []market.MilestoneStatus
	to    market.MilestoneStatus
	event string
	// ledger is the movement to record, if any: kind and the accounts debited and credited.
	ledger func(m *market.Milestone, o milestoneOrder) (kind market.LedgerEntryKind, debit, credit string)
}

// moveMilestone runs a milestone transition in one transaction: claim the idempotency key (for
// money moves), share-lock the order (so it cannot be cancelled or completed meanwhile, while other
// milestones of it move in parallel), compare-and-set the milestone's status, write the ledger
// transfer and the event.
func (s *Store) moveMilestone(ctx context.Context, userID, id int64, key string, mv milestoneMove) (*market.Milestone, error) {
	var out market.Milestone
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if mv.op != "" {
			replay, err := claimKey(ctx, tx, userID, key, mv.op, requestHash(mv.op, id), &out)
			if err != nil || replay {
				return err
			}
		}
		var o milestoneOrder
		const lock = `SELECT o.id, o.status, o.client_id, o.freelancer_id FROM orders o JOIN milestones m ON m.order_id = o.id
			WHERE m.id = $1 FOR SHARE OF o`
		if err := sqlx.GetContext(ctx, tx, &o, lock, id); err != nil {
			return translate(err)
		}
		if o.Status != market.OrderAccepted {
			return stateConflict("orderStatus", o.Status, "the order is %s: its milestones move only while it is ACCEPTED", o.Status)
		}
		set := "status = $3, updated_at = now()"
		switch mv.to {
		case market.MilestoneFunded:
			set += ", funded_at = now()"
		case market.MilestoneSubmitted:
			set += ", submitted_at = now()"
		case market.MilestoneReleased:
			set += ", released_at = now()"
		case market.MilestoneRefunded:
			set += ", refunded_at = now()"
		}
		q := `UPDATE milestones SET ` + set + ` WHERE id = $1 AND status = ANY($2) RETURNING ` + milestoneColumns
		if err := sqlx.GetContext(ctx, tx, &out, q, id, statusArray(mv.from...), mv.to); err != nil {
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			var current market.MilestoneStatus
			if err := sqlx.GetContext(ctx, tx, &current, `SELECT status FROM milestones WHERE id = $1`, id); err != nil {
				return translate(err)
			}
			return stateConflict("status", current, "the milestone is %s: it cannot become %s", current, mv.to)
		}
		if mv.ledger != nil {
			kind, debit, credit := mv.ledger(&out, o)
			if err := transfer(ctx, tx, kind, o.ID, out.ID, out.AmountMinor, out.Currency, debit, credit); err != nil {
				return err
			}
		}
		if err := AppendOrderEvent(ctx, tx, OrderEvent{OrderID: o.ID, MilestoneID: &out.ID, Kind: mv.event, ActorID: &userID}); err != nil {
			return err
		}
		if mv.op != "" {
			return saveKeyResult(ctx, tx, userID, key, out.ID, &out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// The ledger accounts.
func clientAccount(id int64) string     { return "client:" + strconv.FormatInt(id, 10) }
func freelancerAccount(id int64) string { return "freelancer:" + strconv.FormatInt(id, 10) }
func escrowAccount(id int64) string     { return "escrow:milestone:" + strconv.FormatInt(id, 10) }

// FundMilestone is the client paying a PENDING milestone of an ACCEPTED order into escrow:
// client:<client> → escrow:milestone:<milestone>. Returns CONFLICT when the milestone is not
// PENDING (extensions.status) or the order not ACCEPTED (extensions.orderStatus). Idempotent by key
// per user: a retry returns the first result; the same key with other input is CONFLICT.
func (s *Store) FundMilestone(ctx context.Context, userID, id int64, key string) (*market.Milestone, error) {
	return s.moveMilestone(ctx, userID, id, key, milestoneMove{
		op: opFundMilestone, from: []market.MilestoneStatus{market.MilestonePending}, to: market.MilestoneFunded,
		event: "MILESTONE_FUNDED",
		ledger: func(m *market.Milestone, o milestoneOrder) (market.LedgerEntryKind, string, string) {
			return market.LedgerFund, clientAccount(o.ClientID), escrowAccount(m.ID)
		},
	})
}

// SubmitMilestone is the freelancer delivering a FUNDED milestone. Returns CONFLICT when it is not
// FUNDED.
func (s *Store) SubmitMilestone(ctx context.Context, userID, id int64) (*market.Milestone, error) {
	return s.moveMilestone(ctx, userID, id, "", milestoneMove{
		from: []market.MilestoneStatus{market.MilestoneFunded}, to: market.MilestoneSubmitted, event: "MILESTONE_SUBMITTED",
	})
}

// ReleaseMilestone is the client paying a FUNDED or SUBMITTED milestone out of escrow:
// escrow:milestone:<milestone> → freelancer:<freelancer>. Returns CONFLICT in any other state.
// Idempotent by key, as FundMilestone.
func (s *Store) ReleaseMilestone(ctx context.Context, userID, id int64, key string) (*market.Milestone, error) {
	return s.moveMilestone(ctx, userID, id, key, milestoneMove{
		op: opReleaseMilestone, from: []market.MilestoneStatus{market.MilestoneFunded, market.MilestoneSubmitted},
		to: market.MilestoneReleased, event: "MILESTONE_RELEASED",
		ledger: func(m *market.Milestone, o milestoneOrder) (market.LedgerEntryKind, string, string) {
			return market.LedgerRelease, escrowAccount(m.ID), freelancerAccount(o.FreelancerID)
		},
	})
}

// RefundMilestone pays a milestone's escrow back to the client: escrow:milestone:<milestone> →
// client:<client>. The client may refund while the milestone is FUNDED (before the freelancer
// delivered); an admin (asAdmin) also while it is SUBMITTED, to settle a dispute. Returns CONFLICT
// in any other state. Idempotent by key, as FundMilestone.
func (s *Store) RefundMilestone(ctx context.Context, userID, id int64, key string, asAdmin bool) (*market.Milestone, error) {
	from := []market.MilestoneStatus{market.MilestoneFunded}
	if asAdmin {
		from = append(from, market.MilestoneSubmitted)
	}
	return s.moveMilestone(ctx, userID, id, key, milestoneMove{
		op: opRefundMilestone, from: from, to: market.MilestoneRefunded, event: "MILESTONE_REFUNDED",
		ledger: func(m *market.Milestone, o milestoneOrder) (market.LedgerEntryKind, string, string) {
			return market.LedgerRefund, escrowAccount(m.ID), clientAccount(o.ClientID)
		},
	})
}
