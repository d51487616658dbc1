package feed_test

import (
	"testing"
	"time"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
)

// TestPostProjectReachesSubscribers follows a gig from the postProject mutation, over real HTTP,
// to a filtered WebSocket subscriber; a subscriber whose filter does not match gets nothing.
func TestPostProjectReachesSubscribers(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	_, token := apitest.NewUser(t, srv.Store, false)
	me := srv.As(token)
	me.MustDo(t, `mutation { saveClientProfile(input: { companyName: "Feed BV", country: "NL" }) { id } }`, nil, nil)

	goSub := subscribeGigs(t, srv, map[string]any{"skills": []string{"go", "postgresql"}}, "")
	rustSub := subscribeGigs(t, srv, map[string]any{"skills": []string{"rust"}}, "")

	var out struct {
		PostProject struct{ ID, Title string } `json:"postProject"`
	}
	me.MustDo(t, `mutation($in: PostProjectInput!) { postProject(input: $in) { id title } }`, map[string]any{"in": map[string]any{
		"title": "Go API on PostgreSQL", "description": "A gig posted through the API.", "skills": []string{"go", "postgresql"},
		"rateType": "DAILY", "budget": map[string]any{"amount": "600.00", "currency": "EUR"}, "remote": true,
	}}, &out)

	got := goSub.NextGig(10 * time.Second)
	if got.Project.Title != out.PostProject.Title || got.Cursor == "" {
		t.Fatalf("go subscriber got %+v, want %q with a cursor", got, out.PostProject.Title)
	}
	if m, err := rustSub.TryRead(500 * time.Millisecond); err == nil {
		t.Fatalf("rust subscriber got %s %s, want nothing", m.Type, m.Payload)
	}
}
