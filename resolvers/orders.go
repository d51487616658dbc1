package resolvers

import (
	"context"
	"errors"

	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/graph/model"
	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// requireViewer returns the logged-in viewer, or UNAUTHENTICATED.
func requireViewer(ctx context.Context) (*auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return nil, market.ErrUnauthenticated
	}
	return v, nil
}

// visibleOrder loads an order by global ID; one the viewer may not see is NOT_FOUND.
func visibleOrder(ctx context.Context, v *auth.Viewer, id string) (*market.Order, error) {
	key, err := relay.KeyOf(id, typeOrder)
	if err != nil {
		return nil, err
	}
	o, err := load(ctx, loaders(ctx).Order, key)
	if err != nil {
		return nil, err
	}
	if !canSeeOrder(v, o) {
		return nil, market.ErrNotFound
	}
	return o, nil
}

// visibleMilestone loads a milestone and its order by global ID; one the viewer may not see is
// NOT_FOUND.
func visibleMilestone(ctx context.Context, v *auth.Viewer, id string) (*market.Milestone, *market.Order, error) {
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
	if !canSeeOrder(v, o) {
		return nil, nil, market.ErrNotFound
	}
	return m, o, nil
}

// side is who may take a step of an order.
type side int

const (
	sideClient side = iota
	sideFreelancer
	sideEither
)

// orderForStep loads an order for a step the given side takes: NOT_FOUND when the viewer cannot
// see it, FORBIDDEN when the viewer is not on that side.
func orderForStep(ctx context.Context, id string, s side) (*auth.Viewer, *market.Order, error) {
	v, err := requireViewer(ctx)
	if err != nil {
		return nil, nil, err
	}
	o, err := visibleOrder(ctx, v, id)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSide(v, o, s); err != nil {
		return nil, nil, err
	}
	return v, o, nil
}

// milestoneForStep is orderForStep for a milestone.
func milestoneForStep(ctx context.Context, id string, s side) (*auth.Viewer, *market.Milestone, error) {
	v, err := requireViewer(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, o, err := visibleMilestone(ctx, v, id)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSide(v, o, s); err != nil {
		return nil, nil, err
	}
	return v, m, nil
}

func checkSide(v *auth.Viewer, o *market.Order, s side) error {
	ok := false
	switch s {
	case sideClient:
		ok = isOrderClient(v, o)
	case sideFreelancer:
		ok = isOrderFreelancer(v, o)
	case sideEither:
		ok = isOrderClient(v, o) || isOrderFreelancer(v, o)
	}
	if !ok {
		who := map[side]string{sideClient: "the order's client", sideFreelancer: "the order's freelancer", sideEither: "the order's client or freelancer"}[s]
		return market.Errorf(market.CodeForbidden, "only %s can do this", who)
	}
	return nil
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

// viewer is the request's viewer, nil when anonymous.
func viewer(ctx context.Context) *auth.Viewer { return auth.FromContext(ctx) }

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
	if !canSeeOrder(viewer(ctx), o) {
		return nil, market.ErrNotFound
	}
	if node == nil {
		node = o
	}
	return node, nil
}
