// Package access is the one place that decides who may read what and who may do what. Resolvers
// and the feed ask it; they do not compare user IDs themselves.
//
// The rules:
//
//   - Public: skills, freelancer and client profiles, gigs (projects), users' names, rate
//     statistics and the gig feed. Anyone, logged in or not, may read them.
//   - A user's email and admin flag: the user themself and admins.
//   - Orders, their milestones, their ledger entries and their event stream: the order's two
//     participants (its client and its freelancer) and admins. The orders lists of a client
//     profile, a freelancer profile or a gig: that client / freelancer / the gig's client, and
//     admins.
//   - Gig alerts: their owner and admins.
//   - Admins (users.is_admin) may read everything, but act only where a rule names them.
//
// How a refusal looks depends on whether the object is private:
//
//   - a private object the viewer may not read does not exist for them: `node(id)` is null, a
//     nested private list is null, and a mutation on it is NOT_FOUND, so existence does not leak;
//   - an operation that needs a user, called anonymously, is UNAUTHENTICATED;
//   - a logged-in user acting on something they may see but whose role does not allow the act
//     (a stranger closing a public gig, the freelancer funding a milestone) is FORBIDDEN.
package access

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/market"
)

// Viewer is the viewer of the request, or nil when it is anonymous. Inside the `user` of a
// register or login payload, that user is the viewer: the caller has just proved to be them,
// although the request itself carries no token yet.
func Viewer(ctx context.Context) *auth.Viewer {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Parent != nil && fc.Parent.Object == "AuthPayload" {
		if u, ok := fc.Parent.Result.(*market.User); ok && u != nil {
			return &auth.Viewer{UserID: u.ID, IsAdmin: u.IsAdmin}
		}
	}
	return auth.FromContext(ctx)
}

// RequireUser returns the logged-in viewer, or UNAUTHENTICATED for an anonymous request.
func RequireUser(ctx context.Context) (*auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return nil, market.ErrUnauthenticated
	}
	return v, nil
}

func isAdmin(v *auth.Viewer) bool { return v != nil && v.IsAdmin }

// isUser reports whether v is the user with the given ID.
func isUser(v *auth.Viewer, userID int64) bool { return v != nil && userID != 0 && v.UserID == userID }

func isClient(v *auth.Viewer, clientID int64) bool {
	return v != nil && clientID != 0 && v.ClientID == clientID
}

func isFreelancer(v *auth.Viewer, freelancerID int64) bool {
	return v != nil && freelancerID != 0 && v.FreelancerID == freelancerID
}

// CanSeeEmail reports whether v may read u's email: u themself or an admin.
func CanSeeEmail(v *auth.Viewer, u *market.User) bool { return isUser(v, u.ID) || isAdmin(v) }

// CanSeeAdminFlag reports whether v may learn whether u is an admin: u themself or an admin.
// Everyone else is told false.
func CanSeeAdminFlag(v *auth.Viewer, u *market.User) bool { return isUser(v, u.ID) || isAdmin(v) }

// isOrderClient reports whether v hires in order o: by the user behind its client profile when
// the order was read with it, else by the viewer's client profile.
func isOrderClient(v *auth.Viewer, o *market.Order) bool {
	return isUser(v, o.ClientUserID) || isClient(v, o.ClientID)
}

// isOrderFreelancer reports whether v is hired in order o.
func isOrderFreelancer(v *auth.Viewer, o *market.Order) bool {
	return isUser(v, o.FreelancerUserID) || isFreelancer(v, o.FreelancerID)
}

// CanSeeOrder reports whether v may read an order: its client, its freelancer, or an admin.
func CanSeeOrder(v *auth.Viewer, o *market.Order) bool {
	return isOrderClient(v, o) || isOrderFreelancer(v, o) || isAdmin(v)
}

// CanSeeMilestone reports whether v may read a milestone of order o: whoever may read o.
func CanSeeMilestone(v *auth.Viewer, o *market.Order) bool { return CanSeeOrder(v, o) }

// CanSeeLedgerEntry reports whether v may read a ledger entry of order o: whoever may read o.
func CanSeeLedgerEntry(v *auth.Viewer, o *market.Order) bool { return CanSeeOrder(v, o) }

// CanFollowOrder reports whether v may subscribe to the events of order o: whoever may read o.
func CanFollowOrder(v *auth.Viewer, o *market.Order) bool { return CanSeeOrder(v, o) }

// CanSeeGigAlert reports whether v may read a gig alert owned by the user ownerID: the owner or an
// admin.
func CanSeeGigAlert(v *auth.Viewer, ownerID int64) bool { return isUser(v, ownerID) || isAdmin(v) }

// CanSeeClientOrders reports whether v may list the orders of client profile c.
func CanSeeClientOrders(v *auth.Viewer, c *market.Client) bool {
	return isClient(v, c.ID) || isUser(v, c.UserID) || isAdmin(v)
}

// CanSeeFreelancerOrders reports whether v may list the orders of freelancer profile f.
func CanSeeFreelancerOrders(v *auth.Viewer, f *market.Freelancer) bool {
	return isFreelancer(v, f.ID) || isUser(v, f.UserID) || isAdmin(v)
}

// CanSeeProjectOrders reports whether v may list the orders on gig p: its client or an admin.
func CanSeeProjectOrders(v *auth.Viewer, p *market.Project) bool {
	return isClient(v, p.ClientID) || isAdmin(v)
}

// Party is a role a user can hold towards an order.
type Party int

// The parties an order action can be allowed to.
const (
	// Client is the order's client.
	Client Party = iota + 1
	// Freelancer is the order's freelancer.
	Freelancer
	// Admin is any administrator.
	Admin
)

// OrderAction decides whether v may perform an action on order o (or on one of its milestones)
// that is allowed to the given parties. It returns nil when allowed; UNAUTHENTICATED for an
// anonymous viewer; NOT_FOUND when v may not even read the order; FORBIDDEN when v may read it but
// holds none of the parties.
func OrderAction(v *auth.Viewer, o *market.Order, allowed ...Party) error {
	if v == nil {
		return market.ErrUnauthenticated
	}
	if !CanSeeOrder(v, o) {
		return market.ErrNotFound
	}
	for _, p := range allowed {
		switch {
		case p == Client && isOrderClient(v, o),
			p == Freelancer && isOrderFreelancer(v, o),
			p == Admin && isAdmin(v):
			return nil
		}
	}
	return market.Errorf(market.CodeForbidden, "your role in this order does not allow this")
}

// ProjectAction decides whether v may change gig p: only the client who posted it. Gigs are public,
// so anyone else logged in is FORBIDDEN rather than told it does not exist.
func ProjectAction(v *auth.Viewer, p *market.Project) error {
	if v == nil {
		return market.ErrUnauthenticated
	}
	if !isClient(v, p.ClientID) {
		return market.Errorf(market.CodeForbidden, "only the client who posted this gig may change it")
	}
	return nil
}

// PlaceOrder decides whether v may offer an order on gig p: only its client.
func PlaceOrder(v *auth.Viewer, p *market.Project) error {
	if v == nil {
		return market.ErrUnauthenticated
	}
	if !isClient(v, p.ClientID) {
		return market.Errorf(market.CodeForbidden, "only the client who posted this gig may place orders on it")
	}
	return nil
}

// RequireClient returns the viewer's client profile ID, or FORBIDDEN when the viewer has none (and
// UNAUTHENTICATED when anonymous). Posting gigs and placing orders need it.
func RequireClient(v *auth.Viewer) (int64, error) {
	if v == nil {
		return 0, market.ErrUnauthenticated
	}
	if v.ClientID == 0 {
		return 0, market.Errorf(market.CodeForbidden, "create a client profile (saveClientProfile) before posting gigs or placing orders")
	}
	return v.ClientID, nil
}

// GigAlertAction decides whether v may change or delete the gig alert owned by ownerID: only the
// owner. Admins, who may read it, are FORBIDDEN; anyone else is told it does not exist.
func GigAlertAction(v *auth.Viewer, ownerID int64) error {
	switch {
	case v == nil:
		return market.ErrUnauthenticated
	case isUser(v, ownerID):
		return nil
	case isAdmin(v):
		return market.Errorf(market.CodeForbidden, "only the owner may change a gig alert")
	}
	return market.ErrNotFound
}
