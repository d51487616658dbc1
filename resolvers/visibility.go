package resolvers

import (
	"context"

	"github.com/gigraph/gigraph/access"
	"github.com/gigraph/gigraph/market"
)

// Private fields of public objects. Each private field has one function here that applies the
// access policy's decision (package access) to what the viewer sees.

// visibleEmail is u's email for the user themself and for admins, nil for everyone else.
func visibleEmail(ctx context.Context, u *market.User) *string {
	if !access.CanSeeEmail(access.Viewer(ctx), u) {
		return nil
	}
	return &u.Email
}

// visibleIsAdmin is u's admin flag for the user themself and for admins; others see false, so the
// list of administrators cannot be harvested.
func visibleIsAdmin(ctx context.Context, u *market.User) bool {
	return access.CanSeeAdminFlag(access.Viewer(ctx), u) && u.IsAdmin
}
