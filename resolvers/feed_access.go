package resolvers

import (
	"context"

	"github.com/gigraph/gigraph/access"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/market"
)

// The feed's access decisions, taken by the shared policy (package access): a gig alert is read by
// its owner and admins and changed by its owner only; an order's events are followed by its client,
// its freelancer and admins. Anyone else is told NOT_FOUND, so private objects do not leak.

// readableGigAlert loads an alert the viewer may read, for node(id): NOT_FOUND otherwise.
func (r *Resolver) readableGigAlert(ctx context.Context, id int64) (*db.GigAlert, error) {
	a, err := r.Store.GigAlert(ctx, id)
	if err != nil {
		return nil, err
	}
	if !access.CanSeeGigAlert(access.Viewer(ctx), a.UserID) {
		return nil, market.ErrNotFound
	}
	return a, nil
}

// ownGigAlert loads an alert the viewer may change: UNAUTHENTICATED when anonymous, NOT_FOUND when
// it is not theirs, FORBIDDEN for an admin (who may read it, not change it).
func (r *Resolver) ownGigAlert(ctx context.Context, id int64) (*db.GigAlert, error) {
	v, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	a, err := r.Store.GigAlert(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := access.GigAlertAction(v, a.UserID); err != nil {
		return nil, err
	}
	return a, nil
}

// checkOrderParticipant returns nil when the viewer may follow the order's events:
// UNAUTHENTICATED when anonymous, NOT_FOUND when the order is not theirs.
func (r *Resolver) checkOrderParticipant(ctx context.Context, orderID int64) error {
	v, err := access.RequireUser(ctx)
	if err != nil {
		return err
	}
	clientUser, freelancerUser, err := r.Store.OrderParticipants(ctx, orderID)
	if err != nil {
		return err
	}
	if !access.CanFollowOrder(v, &market.Order{ID: orderID, ClientUserID: clientUser, FreelancerUserID: freelancerUser}) {
		return market.ErrNotFound
	}
	return nil
}
