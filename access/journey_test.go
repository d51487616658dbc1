package access_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
)

const (
	registerDoc = `mutation($input: RegisterInput!) { register(input: $input) { token expiresAt user { id email name isAdmin } } }`
	loginDoc    = `mutation($input: LoginInput!) { login(input: $input) { token expiresAt user { id email } } }`
	viewerDoc   = `{ viewer { id email name isAdmin freelancer { id } client { id } } }`
)

type authPayload struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	User      struct {
		ID    string  `json:"id"`
		Email *string `json:"email"`
	} `json:"user"`
}

func register(t *testing.T, srv *apitest.Server, email, password, name string) authPayload {
	t.Helper()
	var out struct{ Register authPayload }
	srv.Client().MustDo(t, registerDoc, map[string]any{"input": map[string]any{"email": email, "password": password, "name": name}}, &out)
	return out.Register
}

func login(t *testing.T, srv *apitest.Server, email, password string) *apitest.Response {
	t.Helper()
	return srv.Client().Do(t, loginDoc, map[string]any{"input": map[string]any{"email": email, "password": password}})
}

func freelancerInput() map[string]any {
	return map[string]any{
		"headline": "Go and PostgreSQL back ends", "bio": "Ten years of APIs.\nMostly Go.", "country": "NL",
		"seniority": "SENIOR", "yearsExperience": 10, "dailyRate": map[string]any{"amount": "650.00", "currency": "EUR"},
		"available": true, "skills": []map[string]any{{"skill": "go", "level": 5, "years": 8}, {"skill": "postgresql", "level": 4, "years": 6}},
	}
}

func projectInput() map[string]any {
	return map[string]any{
		"title": "Payments API in Go", "description": "Build an idempotent payments API.", "skills": []string{"go", "postgresql"},
		"rateType": "FIXED", "budget": map[string]any{"amount": "12000", "currency": "EUR"}, "remote": true,
	}
}

// TestUserJourney walks the whole account life through GraphQL over real HTTP: register, log in,
// both profiles, a gig posted, edited and closed, then logout, after which the token is refused.
func TestUserJourney(t *testing.T) {
	srv := newServer(t, api.Config{SessionTTL: 2 * time.Hour})
	ctx := context.Background()

	reg := register(t, srv, "Journey.User@Example.com", "correct horse battery staple", "Journey User")
	if reg.Token == "" || reg.User.Email == nil || *reg.User.Email != "Journey.User@Example.com" {
		t.Fatalf("register: got %+v", reg)
	}
	if d := time.Until(reg.ExpiresAt); d < 119*time.Minute || d > 121*time.Minute {
		t.Fatalf("register: token expires in %v, want the configured 2h", d)
	}

	res := login(t, srv, "journey.user@example.COM", "correct horse battery staple") // email in any case
	if len(res.Errors) > 0 {
		t.Fatalf("login: %+v", res.Errors)
	}
	var lg struct{ Login authPayload }
	res.Decode(t, &lg)
	if lg.Login.Token == reg.Token || lg.Login.User.ID != reg.User.ID {
		t.Fatalf("login: got %+v, want a new token for user %s", lg.Login, reg.User.ID)
	}
	me := srv.As(lg.Login.Token)

	var v struct {
		Viewer struct {
			ID         string
			Email      string
			Freelancer *struct{ ID string }
			Client     *struct{ ID string }
		}
	}
	me.MustDo(t, viewerDoc, nil, &v)
	if v.Viewer.ID != reg.User.ID || v.Viewer.Email != "Journey.User@Example.com" || v.Viewer.Freelancer != nil || v.Viewer.Client != nil {
		t.Fatalf("viewer: got %+v", v.Viewer)
	}

	var fl struct {
		SaveFreelancerProfile struct {
			ID        string
			Name      string
			DailyRate struct{ Amount, Currency string }
			Skills    []struct {
				Skill struct{ Slug string }
				Level int
			}
		}
	}
	me.MustDo(t, `mutation($input: FreelancerProfileInput!) { saveFreelancerProfile(input: $input) {
		id name dailyRate { amount currency } skills { skill { slug } level } } }`,
		map[string]any{"input": freelancerInput()}, &fl)
	if f := fl.SaveFreelancerProfile; f.Name != "Journey User" || f.DailyRate.Amount != "650.00" || len(f.Skills) != 2 {
		t.Fatalf("saveFreelancerProfile: got %+v", f)
	}
	// Saving again replaces the profile, skills as a whole.
	in := freelancerInput()
	in["skills"] = []map[string]any{{"skill": "python", "level": 3, "years": 2}}
	me.MustDo(t, `mutation($input: FreelancerProfileInput!) { saveFreelancerProfile(input: $input) { id skills { skill { slug } } } }`,
		map[string]any{"input": in}, &fl)
	if f := fl.SaveFreelancerProfile; len(f.Skills) != 1 || f.Skills[0].Skill.Slug != "python" {
		t.Fatalf("saveFreelancerProfile again: got %+v", f)
	}

	var cl struct {
		SaveClientProfile struct{ ID, CompanyName, Country string }
	}
	me.MustDo(t, `mutation { saveClientProfile(input: { companyName: "Journey BV", country: "BE" }) { id companyName country } }`, nil, &cl)
	if cl.SaveClientProfile.CompanyName != "Journey BV" || cl.SaveClientProfile.Country != "BE" {
		t.Fatalf("saveClientProfile: got %+v", cl.SaveClientProfile)
	}

	type project struct {
		ID, Title, Status string
		Budget            struct{ Amount string }
		Client            struct{ ID string }
		Skills            []struct{ Slug string }
	}
	var pp struct{ PostProject project }
	me.MustDo(t, `mutation($input: PostProjectInput!) { postProject(input: $input) { id title status budget { amount } client { id } skills { slug } } }`,
		map[string]any{"input": projectInput()}, &pp)
	if p := pp.PostProject; p.Status != "OPEN" || p.Client.ID != cl.SaveClientProfile.ID || len(p.Skills) != 2 || p.Budget.Amount != "12000.00" {
		t.Fatalf("postProject: got %+v", p)
	}
	var events int
	if err := srv.Store.DB().GetContext(ctx, &events, `SELECT count(*) FROM gig_events`); err != nil || events != 1 {
		t.Fatalf("gig events after postProject: got %d (%v), want 1", events, err)
	}

	var up struct{ UpdateProject project }
	me.MustDo(t, `mutation($id: ID!) { updateProject(input: { id: $id, title: "Payments API in Go, v2", skills: ["go"],
		budget: { amount: "15000", currency: "EUR" } }) { id title status budget { amount } skills { slug } } }`,
		map[string]any{"id": pp.PostProject.ID}, &up)
	if p := up.UpdateProject; p.Title != "Payments API in Go, v2" || p.Budget.Amount != "15000.00" || len(p.Skills) != 1 {
		t.Fatalf("updateProject: got %+v", p)
	}

	var cp struct{ CloseProject project }
	me.MustDo(t, `mutation($id: ID!) { closeProject(id: $id) { id status } }`, map[string]any{"id": pp.PostProject.ID}, &cp)
	if cp.CloseProject.Status != "CANCELLED" {
		t.Fatalf("closeProject: got %+v", cp.CloseProject)
	}
	res = me.Do(t, `mutation($id: ID!) { updateProject(input: { id: $id, title: "Too late" }) { id } }`, map[string]any{"id": pp.PostProject.ID})
	if len(res.Errors) != 1 || res.Errors[0].Code() != "CONFLICT" || res.Errors[0].Extensions["status"] != "CANCELLED" {
		t.Fatalf("updateProject on a closed gig: got %+v, want CONFLICT with status CANCELLED", res.Errors)
	}

	var out struct{ Logout bool }
	me.MustDo(t, `mutation { logout }`, nil, &out)
	if !out.Logout {
		t.Fatal("logout: got false, want true")
	}
	res = me.Do(t, viewerDoc, nil)
	if res.Status != http.StatusUnauthorized || len(res.Errors) != 1 || res.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Fatalf("after logout: got status %d errors %+v, want 401 UNAUTHENTICATED", res.Status, res.Errors)
	}
	// Logout ends that session only: the token from register still works.
	srv.As(reg.Token).MustDo(t, viewerDoc, nil, &v)
	if v.Viewer.ID != reg.User.ID {
		t.Fatalf("register token after the other session's logout: got %+v", v.Viewer)
	}
}
