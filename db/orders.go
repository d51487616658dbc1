package db

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// How transitions stay exact: each one is a single transaction that locks what it depends on in a
// fixed order — project, then order, then milestone — and changes state with a compare-and-set
// (UPDATE … WHERE status = ANY(allowed)); ledger entries and the order event are written in the same
// transaction. Timestamps come from now(), the transaction's start time, so everything one
// transition writes carries the same instant. The event is appended after every row lock is taken:
// if the feed serialises appends, no transaction waits for a row while holding that turn.
//
// Who may do what (client, freelancer, admin) is decided by the caller before it calls a method
// here; participants never change, so that check cannot race with a transition. What depends on
// state is checked here, under the locks.

// orderColumns reads an order with its participants' user IDs; it needs orderJoin.
const orderColumns = `o.id, o.project_id, o.client_id, o.freelancer_id, o.rate_type, o.amount, o.currency,
	o.status, o.created_at, o.updated_at, c.user_id AS client_user_id, f.user_id AS freelancer_user_id`

const orderJoin = `orders o JOIN clients c ON c.id = o.client_id JOIN freelancers f ON f.id = o.freelancer_id`

// liveOrderStatuses are the orders that still bind their project.
var liveOrderStatuses = []market.OrderStatus{market.OrderProposed, market.OrderAccepted}

func statusArray[T ~string](ss ...T) any {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return pq.Array(out)
}

// stateConflict is the CONFLICT of a transition the current state does not allow; the state is in
// extensions under key ("status", "orderStatus", "projectStatus").
func stateConflict(key string, current any, format string, args ...any) error {
	return market.Errorf(market.CodeConflict, format, args...).With(key, current)
}

func orderByID(ctx context.Context, q sqlx.QueryerContext, id int64) (*market.Order, error) {
	var o market.Order
	if err := sqlx.GetContext(ctx, q, &o, `SELECT `+orderColumns+` FROM `+orderJoin+` WHERE o.id = $1`, id); err != nil {
		return nil, translate(err)
	}
	return &o, nil
}

// OrdersByID loads orders by ID for dataloaders; missing IDs are absent from the map.
func (s *Store) OrdersByID(ctx context.Context, ids []int64) (map[int64]*market.Order, error) {
	var rows []*market.Order
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT `+orderColumns+` FROM `+orderJoin+` WHERE o.id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]*market.Order, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// PlaceOrderInput is a client's offer to hire a freelancer for a gig.
type PlaceOrderInput struct {
	ProjectID    int64
	FreelancerID int64
	// Amount is the whole price (FIXED gig) or daily rate (DAILY gig), in the gig's currency.
	Amount market.Money
	// Key makes the call idempotent per user.
	Key string
}

// PlaceOrder makes a PROPOSED order on one of the user's gigs; the rate type is the gig's.
// Returns NOT_FOUND for an unknown gig or freelancer, FORBIDDEN when the gig is not the user's,
// CONFLICT when the gig is not OPEN (extensions.projectStatus) or the freelancer has a live order on
// it already, BAD_USER_INPUT for an amount that is not positive or not in the gig's currency or for
// hiring oneself. A retry with the same key and input returns the first order; the same key with
// other input is CONFLICT.
func (s *Store) PlaceOrder(ctx context.Context, userID int64, in PlaceOrderInput) (*market.Order, error) {
	var out market.Order
	hash := requestHash(opPlaceOrder, in.ProjectID, in.FreelancerID, in.Amount.Minor, in.Amount.Currency)
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		replay, err := claimKey(ctx, tx, userID, in.Key, opPlaceOrder, hash, &out)
		if err != nil || replay {
			return err
		}
		var p struct {
			Status       market.ProjectStatus `db:"status"`
			RateType     market.RateType      `db:"rate_type"`
			Currency     string               `db:"currency"`
			ClientID     int64                `db:"client_id"`
			ClientUserID int64                `db:"client_user_id"`
		}
		const lockProject = `SELECT p.status, p.rate_type, p.currency, p.client_id, c.user_id AS client_user_id
			FROM projects p JOIN clients c ON c.id = p.client_id WHERE p.id = $1 FOR UPDATE OF p`
		if err := sqlx.GetContext(ctx, tx, &p, lockProject, in.ProjectID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return &market.Error{Code: market.CodeNotFound, Field: "input.projectId", Message: "no such project"}
			}
			return err
		}
		if p.ClientUserID != userID {
			return market.Errorf(market.CodeForbidden, "only the project's client can place orders on it")
		}
		if p.Status != market.ProjectOpen {
			return stateConflict("projectStatus", p.Status, "the project is %s: orders are placed on OPEN projects only", p.Status)
		}
		if in.Amount.Minor <= 0 {
			return market.InvalidInput("input.amount.amount", "the amount must be positive")
		}
		if in.Amount.Currency != p.Currency {
			return market.InvalidInput("input.amount.currency", "the amount must be in the project's currency %s", p.Currency)
		}
		var freelancerUserID int64
		if err := sqlx.GetContext(ctx, tx, &freelancerUserID, `SELECT user_id FROM freelancers WHERE id = $1`, in.FreelancerID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return &market.Error{Code: market.CodeNotFound, Field: "input.freelancerId", Message: "no such freelancer"}
			}
			return err
		}
		if freelancerUserID == userID {
			return market.InvalidInput("input.freelancerId", "you cannot hire yourself")
		}
		var id int64
		const insert = `INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, now(), now()) RETURNING id`
		if err := sqlx.GetContext(ctx, tx, &id, insert, in.ProjectID, p.ClientID, in.FreelancerID, p.RateType, in.Amount.Minor, in.Amount.Currency); err != nil {
			if IsUniqueViolation(err, "orders_live_key") {
				return market.Errorf(market.CodeConflict, "this freelancer already has a live order on the project")
			}
			return translate(err)
		}
		o, err := orderByID(ctx, tx, id)
		if err != nil {
			return err
		}
		out = *o
		if err := AppendOrderEvent(ctx, tx, OrderEvent{OrderID: id, Kind: "PLACED", ActorID: &userID}); err != nil {
			return err
		}
		return saveKeyResult(ctx, tx, userID, in.Key, id, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// lockOrderProject locks the project of an order (the first lock of every order transition) and
// returns the project's ID and status.
func lockOrderProject(ctx context.Context, tx *sqlx.Tx, orderID int64) (int64, market.ProjectStatus, error) {
	var p struct {
		ID     int64                `db:"id"`
		Status market.ProjectStatus `db:"status"`
	}
	const q = `SELECT p.id, p.status FROM projects p WHERE p.id = (SELECT project_id FROM orders WHERE id = $1) FOR UPDATE`
	if err := sqlx.GetContext(ctx, tx, &p, q, orderID); err != nil {
		return 0, "", translate(err)
	}
	return p.ID, p.Status, nil
}

// lockOrder locks an order for a transition and returns it.
func lockOrder(ctx context.Context, tx *sqlx.Tx, id int64) (*market.Order, error) {
	var o market.Order
	if err := sqlx.GetContext(ctx, tx, &o, `SELECT `+orderColumns+` FROM `+orderJoin+` WHERE o.id = $1 FOR UPDATE OF o`, id); err != nil {
		return nil, translate(err)
	}
	return &o, nil
}

// setOrderStatus moves a locked order to status to, stamping the matching timestamp.
func setOrderStatus(ctx context.Context, tx *sqlx.Tx, o *market.Order, to market.OrderStatus) (*market.Order, error) {
	set := "status = $2, updated_at = now()"
	switch to {
	case market.OrderAccepted:
		set += ", accepted_at = now()"
	case market.OrderCompleted:
		set += ", completed_at = now()"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET `+set+` WHERE id = $1`, o.ID, to); err != nil {
		return nil, translate(err)
	}
	return orderByID(ctx, tx, o.ID)
}

// settleProject updates an IN_PROGRESS project once it has no live order left: COMPLETED when one of
// its orders was completed, otherwise OPEN again so that the client can hire someone else.
func settleProject(ctx context.Context, tx *sqlx.Tx, projectID int64) error {
	const q = `UPDATE projects p SET status = CASE WHEN EXISTS (SELECT 1 FROM orders WHERE project_id = p.id AND status = 'COMPLETED')
			THEN 'COMPLETED' ELSE 'OPEN' END, updated_at = now()
		WHERE p.id = $1 AND p.status = 'IN_PROGRESS'
		  AND NOT EXISTS (SELECT 1 FROM orders WHERE project_id = p.id AND status = ANY($2))`
	_, err := tx.ExecContext(ctx, q, projectID, statusArray(liveOrderStatuses...))
	return err
}

// orderTransition runs one order transition: it locks the project and the order, checks that the
// order is in one of the states from, runs check (if any) under the locks, sets the new state,
// settles the project and appends the event.
func (s *Store) orderTransition(ctx context.Context, userID, orderID int64, from []market.OrderStatus, to market.OrderStatus,
	event string, check func(tx *sqlx.Tx, o *market.Order, projectStatus market.ProjectStatus) error,
) (*market.Order, error) {
	var out *market.Order
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		projectID, projectStatus, err := lockOrderProject(ctx, tx, orderID)
		if err != nil {
			return err
		}
		o, err := lockOrder(ctx, tx, orderID)
		if err != nil {
			return err
		}
		allowed := false
		for _, f := range from {
			allowed = allowed || o.Status == f
		}
		if !allowed {
			return stateConflict("status", o.Status, "the order is %s: it cannot become %s", o.Status, to)
		}
		if check != nil {
			if err := check(tx, o, projectStatus); err != nil {
				return err
			}
		}
		if out, err = setOrderStatus(ctx, tx, o, to); err != nil {
			return err
		}
		if to == market.OrderAccepted {
			_, err = tx.ExecContext(ctx, `UPDATE projects SET status = 'IN_PROGRESS', updated_at = now() WHERE id = $1 AND status = 'OPEN'`, projectID)
		} else {
			err = settleProject(ctx, tx, projectID)
		}
		if err != nil {
			return err
		}
		return AppendOrderEvent(ctx, tx, OrderEvent{OrderID: orderID, Kind: event, ActorID: &userID})
	})
	return out, err
}

// AcceptOrder is the freelancer accepting a PROPOSED order; an OPEN project moves to IN_PROGRESS.
// Returns CONFLICT when the order is not PROPOSED (extensions.status) or the project was closed
// (extensions.projectStatus).
func (s *Store) AcceptOrder(ctx context.Context, userID, orderID int64) (*market.Order, error) {
	return s.orderTransition(ctx, userID, orderID, []market.OrderStatus{market.OrderProposed}, market.OrderAccepted, "ACCEPTED",
		func(_ *sqlx.Tx, _ *market.Order, ps market.ProjectStatus) error {
			if ps != market.ProjectOpen && ps != market.ProjectInProgress {
				return stateConflict("projectStatus", ps, "the project is %s: its orders can no longer be accepted", ps)
			}
			return nil
		})
}

// DeclineOrder is the freelancer declining a PROPOSED order; its milestones (all PENDING, as nothing
// is funded before acceptance) become CANCELLED. Returns CONFLICT when it is not PROPOSED.
func (s *Store) DeclineOrder(ctx context.Context, userID, orderID int64) (*market.Order, error) {
	return s.orderTransition(ctx, userID, orderID, []market.OrderStatus{market.OrderProposed}, market.OrderDeclined, "DECLINED",
		func(tx *sqlx.Tx, o *market.Order, _ market.ProjectStatus) error {
			return cancelPendingMilestones(ctx, tx, o.ID)
		})
}

func cancelPendingMilestones(ctx context.Context, tx *sqlx.Tx, orderID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE milestones SET status = 'CANCELLED', updated_at = now() WHERE order_id = $1 AND status = 'PENDING'`, orderID)
	return err
}

// CancelOrder calls off a PROPOSED or ACCEPTED order; its PENDING milestones become CANCELLED.
// Returns CONFLICT when the order is in another state, or when a milestone holds money (FUNDED or
// SUBMITTED: refund it first; extensions.milestoneStatus).
func (s *Store) CancelOrder(ctx context.Context, userID, orderID int64) (*market.Order, error) {
	return s.orderTransition(ctx, userID, orderID, liveOrderStatuses, market.OrderCancelled, "CANCELLED",
		func(tx *sqlx.Tx, o *market.Order, _ market.ProjectStatus) error {
			var held []string
			const q = `SELECT status FROM milestones WHERE order_id = $1 AND status IN ('FUNDED', 'SUBMITTED') ORDER BY id FOR UPDATE`
			if err := sqlx.SelectContext(ctx, tx, &held, q, o.ID); err != nil {
				return err
			}
			if len(held) > 0 {
				return stateConflict("milestoneStatus", held[0], "a milestone of this order holds money (%s): refund or release it first", held[0])
			}
			return cancelPendingMilestones(ctx, tx, o.ID)
		})
}

// CompleteOrder is the client completing an ACCEPTED order whose milestones are all RELEASED or
// CANCELLED (or REFUNDED: money returned is settled too). Completing the project's last live order
// completes the project. Returns CONFLICT otherwise (extensions.status, or extensions.milestoneStatus
// for an unsettled milestone).
func (s *Store) CompleteOrder(ctx context.Context, userID, orderID int64) (*market.Order, error) {
	return s.orderTransition(ctx, userID, orderID, []market.OrderStatus{market.OrderAccepted}, market.OrderCompleted, "COMPLETED",
		func(tx *sqlx.Tx, o *market.Order, _ market.ProjectStatus) error {
			var open []string
			const q = `SELECT status FROM milestones WHERE order_id = $1 AND status IN ('PENDING', 'FUNDED', 'SUBMITTED') ORDER BY id`
			if err := sqlx.SelectContext(ctx, tx, &open, q, o.ID); err != nil {
				return err
			}
			if len(open) > 0 {
				return stateConflict("milestoneStatus", open[0], "a milestone of this order is still %s", open[0])
			}
			return nil
		})
}

// OrderFilter selects orders; zero fields select everything.
type OrderFilter struct {
	// ParticipantUserID keeps the orders where this user is the client or the freelancer (or only
	// one side, with Role).
	ParticipantUserID int64
	// Role is "", "CLIENT" or "FREELANCER"; it needs ParticipantUserID.
	Role         string
	ProjectID    int64
	ClientID     int64
	FreelancerID int64
	Statuses     []market.OrderStatus
}

// newestOrders is the one ordering of orders, newest first; the (…, created_at DESC, id DESC)
// indexes serve it.
var newestOrders = &ordering[market.Order]{
	name:  "orders:created_at_desc",
	exprs: []string{"o.created_at", "o.id"},
	desc:  true,
	keys:  func(o *market.Order) []any { return []any{o.CreatedAt, o.ID} },
	dst:   func() []any { return []any{new(time.Time), new(int64)} },
}

func (f OrderFilter) where(args []any) (string, []any) {
	var conds []string
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	if f.ParticipantUserID != 0 {
		u := arg(f.ParticipantUserID)
		asClient := "o.client_id = (SELECT id FROM clients WHERE user_id = " + u + ")"
		asFreelancer := "o.freelancer_id = (SELECT id FROM freelancers WHERE user_id = " + u + ")"
		switch f.Role {
		case "CLIENT":
			conds = append(conds, asClient)
		case "FREELANCER":
			conds = append(conds, asFreelancer)
		default:
			conds = append(conds, "("+asClient+" OR "+asFreelancer+")")
		}
	}
	if f.ProjectID != 0 {
		conds = append(conds, "o.project_id = "+arg(f.ProjectID))
	}
	if f.ClientID != 0 {
		conds = append(conds, "o.client_id = "+arg(f.ClientID))
	}
	if f.FreelancerID != 0 {
		conds = append(conds, "o.freelancer_id = "+arg(f.FreelancerID))
	}
	if len(f.Statuses) > 0 {
		conds = append(conds, "o.status = ANY("+arg(statusArray(f.Statuses...))+")")
	}
	if len(conds) == 0 {
		return "TRUE", args
	}
	return strings.Join(conds, " AND "), args
}

// ListOrders returns one page of orders, newest first (created_at, id descending).
// Returns BAD_USER_INPUT for a cursor of another list.
func (s *Store) ListOrders(ctx context.Context, f OrderFilter, p relay.Page) (relay.Window[market.Order], []string, error) {
	where, args := f.where(nil)
	q := query{args: args}
	q.where(where)
	order, err := newestOrders.seek(&q, p)
	if err != nil {
		return relay.Window[market.Order]{}, nil, err
	}
	sql := `SELECT ` + orderColumns + ` FROM ` + orderJoin + ` WHERE ` + q.clause() + ` ORDER BY ` + order + ` LIMIT ` + q.arg(p.Limit+1)
	var rows []market.Order
	if err := sqlx.SelectContext(ctx, s.db, &rows, sql, q.args...); err != nil {
		return relay.Window[market.Order]{}, nil, err
	}
	pg := newestOrders.page(rows, p)
	return pg.Window, pg.Cursors, nil
}

// CountOrders counts the orders a filter selects.
func (s *Store) CountOrders(ctx context.Context, f OrderFilter) (int, error) {
	where, args := f.where(nil)
	var n int
	err := sqlx.GetContext(ctx, s.db, &n, `SELECT count(*) FROM orders o WHERE `+where, args...)
	return n, err
}
