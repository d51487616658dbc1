package access_test

import (
	"context"
	"testing"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db/seed"
)

// TestDemoAccountsLogIn: the seeded demo accounts log in with the documented password, and the
// admin is an admin.
func TestDemoAccountsLogIn(t *testing.T) {
	srv := newServer(t, api.Config{})
	hash, err := auth.HashPassword(seed.DemoPassword, auth.FastPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(context.Background(), srv.Store.DB(), seed.Options{Freelancers: 20, Clients: 5, Orders: 30, Seed: 1, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	for email, admin := range map[string]bool{"admin@gigraph.dev": true, "demo-client@gigraph.dev": false, "demo-freelancer@gigraph.dev": false} {
		res := login(t, srv, email, seed.DemoPassword)
		if len(res.Errors) > 0 {
			t.Fatalf("%s: %+v", email, res.Errors)
		}
		var out struct{ Login authPayload }
		res.Decode(t, &out)
		var v struct{ Viewer struct{ IsAdmin bool } }
		srv.As(out.Login.Token).MustDo(t, viewerDoc, nil, &v)
		if v.Viewer.IsAdmin != admin {
			t.Errorf("%s: isAdmin %v, want %v", email, v.Viewer.IsAdmin, admin)
		}
	}
}
