package resolvers

import (
	"context"
	"errors"

	"github.com/gigraph/gigraph/access"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/graph/model"
	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// orderForStep loads an order for a step that the given parties may take, as the access policy
// decides: UNAUTHENTICATED for an anonymous viewer, NOT_FOUND when the viewer cannot see the order,
// FORBIDDEN when the viewer holds none of the parties.
func orderForStep(ctx context.Context, id string, parties ...access.Party) (*auth.Viewer, *market.Order, error) {
	v, err := access.RequireUser(ctx)
	if err != nil {
		return nil, nil, err
	}
	key, err := relay.KeyOf(id, typeOrder)
	if err != nil {
		return nil, nil, err
	}
	o, err := load(ctx, loaders(ctx).Order, key)
	if err != nil {
		return nil, nil, err
	}
	if err := access.OrderAction(v, o, parties...); err != nil {
		return nil, nil, err
	}
	return v, o, nil
}

// milestoneForStep is orderForStep for a milestone, decided on its order.
func milestoneForStep(ctx context.Context, id string, parties ...access.Party) (*auth.Viewer, *market.Milestone, error) {
	v, err := access.RequireUser(ctx)
	if err != nil {
		return nil, nil, err
	}
	key, err := relay.KeyOf(id, typeMilestone)
	if err != nil {
		return nil, nil, err
	}
	m, err := load(ctx, loaders(ctx).Milestone, key)
	if err != nil {
		return nil, nil, err
	}
	o, err := load(ctx, loaders(ctx).Order, m.OrderID)
	if err != nil {
		return nil, nil, err
	}
	if err := access.OrderAction(v, o, parties...); err != nil {
		return nil, nil, err
	}
	return v, m, nil
}

// moneyInput parses a MoneyInput; errors name field.
func moneyInput(field string, in *model.MoneyInput) (market.Money, error) {
	if in == nil {
		return market.Money{}, market.InvalidInput(field, "%s is required", field)
	}
	m, err := market.ParseMoney(in.Amount, in.Currency)
	if err != nil {
		var me *market.Error
		if errors.As(err, &me) && me.Field == "" {
			c := *me
			c.Field = field
			return market.Money{}, &c
		}
		return market.Money{}, err
	}
	return m, nil
}

// ordersConnection lists a page of orders as a connection.
func (r *Resolver) ordersConnection(ctx context.Context, f db.OrderFilter, first *int, after *string, last *int, before *string) (*model.OrderConnection, error) {
	page, err := relay.NewPage(first, after, last, before)
	if err != nil {
		return nil, err
	}
	w, cursors, err := r.Store.ListOrders(ctx, f, page)
	if err != nil {
		return nil, err
	}
	conn := &model.OrderConnection{
		Edges:    make([]*model.OrderEdge, len(w.Rows)),
		PageInfo: pageInfo(w.HasNextPage, w.HasPreviousPage, cursors),
		Count:    func(ctx context.Context) (int, error) { return r.Store.CountOrders(ctx, f) },
	}
	for i := range w.Rows {
		conn.Edges[i] = &model.OrderEdge{Cursor: cursors[i], Node: &w.Rows[i]}
	}
	return conn, nil
}

// loadOrderNode resolves node(id) for orders, milestones and ledger entries: NOT_FOUND (so null)
// unless the viewer may see the order they belong to.
func (r *Resolver) loadOrderNode(ctx context.Context, typ string, key int64) (relay.Node, error) {
	var (
		orderID int64
		node    relay.Node
	)
	switch typ {
	case typeOrder:
		orderID = key
	case typeMilestone:
		m, err := load(ctx, loaders(ctx).Milestone, key)
		if err != nil {
			return nil, err
		}
		orderID, node = m.OrderID, m
	case typeLedger:
		e, err := load(ctx, loaders(ctx).LedgerEntry, key)
		if err != nil {
			return nil, err
		}
		orderID, node = e.OrderID, e
	}
	o, err := load(ctx, loaders(ctx).Order, orderID)
	if err != nil {
		return nil, err
	}
	v := access.Viewer(ctx)
	switch typ {
	case typeOrder:
		if !access.CanSeeOrder(v, o) {
			return nil, market.ErrNotFound
		}
		return o, nil
	case typeMilestone:
		if !access.CanSeeMilestone(v, o) {
			return nil, market.ErrNotFound
		}
	default:
		if !access.CanSeeLedgerEntry(v, o) {
			return nil, market.ErrNotFound
		}
	}
	return node, nil
}
