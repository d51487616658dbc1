package resolvers

import (
	"context"

	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/market"
)

// Private fields of public objects. Each private field has one function here that decides what
// the viewer sees, so an access policy can take over the decision in one place per field.

// selfOrAdmin reports whether the viewer is the user u or an administrator.
func selfOrAdmin(ctx context.Context, u *market.User) bool {
	v := auth.FromContext(ctx)
	return v != nil && (v.UserID == u.ID || v.IsAdmin)
}

// visibleEmail is u's email for the user themself and for admins, nil for everyone else.
func visibleEmail(ctx context.Context, u *market.User) *string {
	if !selfOrAdmin(ctx, u) {
		return nil
	}
	return &u.Email
}

// visibleIsAdmin is u's admin flag for the user themself and for admins; others see false, so the
// list of administrators cannot be harvested.
func visibleIsAdmin(ctx context.Context, u *market.User) bool {
	return selfOrAdmin(ctx, u) && u.IsAdmin
}
