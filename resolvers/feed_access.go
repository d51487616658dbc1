package resolvers

import (
	"context"

	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/market"
)

// The feed's access rules, in one place so they can be routed through the shared policy:
// gig alerts are visible to their owner only; an order's events to its client, its freelancer and
// admins. Whoever else asks is told NOT_FOUND, so the existence of private objects does not leak.

// canSeeGigAlert reports whether the viewer owns the alert.
func canSeeGigAlert(v *auth.Viewer, a *db.GigAlert) bool {
	return v != nil && a.UserID == v.UserID
}

// ownGigAlert loads an alert of the viewer, or returns UNAUTHENTICATED / NOT_FOUND.
func (r *Resolver) ownGigAlert(ctx context.Context, id int64) (*db.GigAlert, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return nil, market.ErrUnauthenticated
	}
	a, err := r.Store.GigAlert(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSeeGigAlert(v, a) {
		return nil, market.ErrNotFound
	}
	return a, nil
}

// checkOrderParticipant returns nil when the viewer may follow the order's events, NOT_FOUND
// otherwise (also for anonymous viewers: the order's existence is private too).
func (r *Resolver) checkOrderParticipant(ctx context.Context, orderID int64) error {
	v := auth.FromContext(ctx)
	if v == nil {
		return market.ErrNotFound
	}
	clientUser, freelancerUser, err := r.Store.OrderParticipants(ctx, orderID)
	if err != nil {
		return err
	}
	if v.IsAdmin || v.UserID == clientUser || v.UserID == freelancerUser {
		return nil
	}
	return market.ErrNotFound
}
