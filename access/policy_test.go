package access_test

import (
	"fmt"
	"testing"

	"github.com/gigraph/gigraph/access"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/market"
)

// The viewers of these tests: client profile 10 (user 1), freelancer profile 20 (user 2), a stranger
// (user 3, with profiles 11 and 21 of their own) and an admin (user 4).
var (
	orderClient     = &auth.Viewer{UserID: 1, ClientID: 10}
	orderFreelancer = &auth.Viewer{UserID: 2, FreelancerID: 20}
	someStranger    = &auth.Viewer{UserID: 3, ClientID: 11, FreelancerID: 21}
	someAdmin       = &auth.Viewer{UserID: 4, IsAdmin: true}
	order           = &market.Order{ID: 7, ClientID: 10, FreelancerID: 20}
)

func code(err error) string {
	if err == nil {
		return "ok"
	}
	return string(market.ErrorCode(err))
}

func TestOrderAction(t *testing.T) {
	tests := []struct {
		viewer  *auth.Viewer
		allowed []access.Party
		want    string
	}{
		{nil, []access.Party{access.Client}, "UNAUTHENTICATED"},
		{someStranger, []access.Party{access.Client, access.Freelancer, access.Admin}, "NOT_FOUND"},
		{orderClient, []access.Party{access.Client}, "ok"},
		{orderClient, []access.Party{access.Freelancer}, "FORBIDDEN"},
		{orderFreelancer, []access.Party{access.Freelancer}, "ok"},
		{orderFreelancer, []access.Party{access.Client, access.Admin}, "FORBIDDEN"},
		{someAdmin, []access.Party{access.Client}, "FORBIDDEN"},
		{someAdmin, []access.Party{access.Client, access.Admin}, "ok"},
		{&auth.Viewer{UserID: 5}, []access.Party{access.Client}, "NOT_FOUND"}, // no profiles: zero IDs match nothing
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := code(access.OrderAction(tt.viewer, order, tt.allowed...)); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestReadRules(t *testing.T) {
	user := &market.User{ID: 1}
	zeroOrder := &market.Order{} // an order without parties is nobody's
	noProfiles := &auth.Viewer{UserID: 9}
	for _, tt := range []struct {
		name string
		got  bool
		want bool
	}{
		{"email: self", access.CanSeeEmail(orderClient, user), true},
		{"email: admin", access.CanSeeEmail(someAdmin, user), true},
		{"email: other user", access.CanSeeEmail(orderFreelancer, user), false},
		{"email: anonymous", access.CanSeeEmail(nil, user), false},
		{"admin flag: other user", access.CanSeeAdminFlag(someStranger, user), false},
		{"order: client", access.CanSeeOrder(orderClient, order), true},
		{"order: freelancer", access.CanSeeOrder(orderFreelancer, order), true},
		{"order: admin", access.CanSeeOrder(someAdmin, order), true},
		{"order: stranger", access.CanSeeOrder(someStranger, order), false},
		{"order: anonymous", access.CanSeeOrder(nil, order), false},
		{"order without parties: user without profiles", access.CanSeeOrder(noProfiles, zeroOrder), false},
		{"milestone: freelancer", access.CanSeeMilestone(orderFreelancer, order), true},
		{"ledger: stranger", access.CanSeeLedgerEntry(someStranger, order), false},
		{"order events: client", access.CanFollowOrder(orderClient, order), true},
		{"gig alert: owner", access.CanSeeGigAlert(orderClient, 1), true},
		{"gig alert: admin", access.CanSeeGigAlert(someAdmin, 1), true},
		{"gig alert: other", access.CanSeeGigAlert(orderFreelancer, 1), false},
		{"gig alert of nobody: user without profiles", access.CanSeeGigAlert(&auth.Viewer{}, 0), false},
		{"client orders: the client", access.CanSeeClientOrders(orderClient, &market.Client{ID: 10, UserID: 1}), true},
		{"client orders: the freelancer", access.CanSeeClientOrders(orderFreelancer, &market.Client{ID: 10, UserID: 1}), false},
		{"freelancer orders: the freelancer", access.CanSeeFreelancerOrders(orderFreelancer, &market.Freelancer{ID: 20, UserID: 2}), true},
		{"freelancer orders: admin", access.CanSeeFreelancerOrders(someAdmin, &market.Freelancer{ID: 20, UserID: 2}), true},
		{"gig orders: its client", access.CanSeeProjectOrders(orderClient, &market.Project{ClientID: 10}), true},
		{"gig orders: a freelancer", access.CanSeeProjectOrders(orderFreelancer, &market.Project{ClientID: 10}), false},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestActionRules(t *testing.T) {
	gig := &market.Project{ID: 3, ClientID: 10}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"gig: owner", access.ProjectAction(orderClient, gig), "ok"},
		{"gig: other client", access.ProjectAction(someStranger, gig), "FORBIDDEN"},
		{"gig: admin", access.ProjectAction(someAdmin, gig), "FORBIDDEN"},
		{"gig: anonymous", access.ProjectAction(nil, gig), "UNAUTHENTICATED"},
		{"place order: owner", access.PlaceOrder(orderClient, gig), "ok"},
		{"place order: freelancer", access.PlaceOrder(orderFreelancer, gig), "FORBIDDEN"},
		{"alert: owner", access.GigAlertAction(orderClient, 1), "ok"},
		{"alert: admin", access.GigAlertAction(someAdmin, 1), "FORBIDDEN"},
		{"alert: other", access.GigAlertAction(orderFreelancer, 1), "NOT_FOUND"},
		{"alert: anonymous", access.GigAlertAction(nil, 1), "UNAUTHENTICATED"},
	} {
		if got := code(tt.err); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
	if _, err := access.RequireClient(orderFreelancer); code(err) != "FORBIDDEN" {
		t.Errorf("RequireClient without a client profile: got %v, want FORBIDDEN", err)
	}
	if id, err := access.RequireClient(orderClient); err != nil || id != 10 {
		t.Errorf("RequireClient: got %d, %v", id, err)
	}
}

// TestOrderParticipantsByUser: an order read with its participants' user IDs is recognised by
// them, even when the viewer's profile IDs are unknown (a session older than the profile).
func TestOrderParticipantsByUser(t *testing.T) {
	o := &market.Order{ClientID: 10, FreelancerID: 20, ClientUserID: 1, FreelancerUserID: 2}
	if !access.CanSeeOrder(&auth.Viewer{UserID: 1}, o) || !access.CanSeeOrder(&auth.Viewer{UserID: 2}, o) {
		t.Fatal("participants by user ID cannot see their order")
	}
	if access.CanSeeOrder(&auth.Viewer{UserID: 3}, o) {
		t.Fatal("a stranger sees the order")
	}
	if got := code(access.OrderAction(&auth.Viewer{UserID: 2}, o, access.Freelancer)); got != "ok" {
		t.Fatalf("freelancer by user ID: got %s", got)
	}
	if got := code(access.OrderAction(&auth.Viewer{UserID: 2}, o, access.Client)); got != "FORBIDDEN" {
		t.Fatalf("freelancer acting as client: got %s", got)
	}
}
