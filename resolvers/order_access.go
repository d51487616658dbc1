package resolvers

// Access rules for orders, milestones and the ledger, in one place.
//
// The participants of an order are its client's user and its freelancer's user; admins see every
// order. An object the viewer may not see is NOT_FOUND (or null), so its existence does not leak; a
// participant asking for a step that belongs to the other side is FORBIDDEN.
//
// These functions stand in for the shared access policy (CanSeeOrder and friends); when it lands,
// their bodies call it, and nothing else in the order resolvers changes.

import (
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/market"
)

// canSeeOrder: the order, its milestones and its ledger are visible to its participants and admins.
func canSeeOrder(v *auth.Viewer, o *market.Order) bool {
	return v != nil && (v.IsAdmin || v.UserID == o.ClientUserID || v.UserID == o.FreelancerUserID)
}

// isOrderClient: the viewer hires in this order (fund, release, refund, add milestones, complete).
func isOrderClient(v *auth.Viewer, o *market.Order) bool {
	return v != nil && v.UserID == o.ClientUserID
}

// isOrderFreelancer: the viewer is hired in this order (accept, decline, submit).
func isOrderFreelancer(v *auth.Viewer, o *market.Order) bool {
	return v != nil && v.UserID == o.FreelancerUserID
}

// canSeeProfileOrders: a client's or freelancer's order list is visible to the profile's owner and
// admins (the owning user's ID is passed); a project's, to its client's user and admins.
func canSeeProfileOrders(v *auth.Viewer, ownerUserID int64) bool {
	return v != nil && (v.IsAdmin || v.UserID == ownerUserID)
}
