package api_test

import (
	"context"
	"testing"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/relay"
)

// TestLockTimeoutIsTimeout holds a gig's row lock in another transaction so that updateProject
// waits out lock_timeout: the client gets TIMEOUT (not a masked internal error), nothing changes,
// and the same call succeeds once the lock is gone.
func TestLockTimeoutIsTimeout(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	_, token := apitest.NewUser(t, srv.Store, false)
	me := srv.As(token)
	me.MustDo(t, `mutation { saveClientProfile(input: { companyName: "Lock BV", country: "NL" }) { id } }`, nil, nil)
	var posted struct {
		PostProject struct{ ID string } `json:"postProject"`
	}
	me.MustDo(t, `mutation { postProject(input: { title: "Locked gig", description: "x", skills: ["go"], rateType: FIXED,
		budget: { amount: "1000", currency: "EUR" }, remote: true }) { id } }`, nil, &posted)
	key, err := relay.KeyOf(posted.PostProject.ID, "Project")
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	tx, err := srv.Store.DB().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT id FROM projects WHERE id = $1 FOR UPDATE`, key); err != nil {
		t.Fatal(err)
	}
	const update = `mutation($id: ID!) { updateProject(input: { id: $id, title: "Renamed gig" }) { title } }`
	res := me.Do(t, update, map[string]any{"id": posted.PostProject.ID})
	if got := res.Codes(); len(got) != 1 || got[0] != "TIMEOUT" {
		t.Fatalf("update of a locked gig: got %v, want TIMEOUT", got)
	}
	_ = tx.Rollback()

	var title string
	if err := srv.Store.DB().GetContext(ctx, &title, `SELECT title FROM projects WHERE id = $1`, key); err != nil || title != "Locked gig" {
		t.Fatalf("title after the timed-out update: %q (%v), want unchanged", title, err)
	}
	me.MustDo(t, update, map[string]any{"id": posted.PostProject.ID}, nil)
}
