package access_test

import (
	"context"
	"maps"
	"testing"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
)

const (
	saveFreelancerDoc = `mutation($input: FreelancerProfileInput!) { saveFreelancerProfile(input: $input) { id } }`
	saveClientDoc     = `mutation($input: ClientProfileInput!) { saveClientProfile(input: $input) { id } }`
	postProjectDoc    = `mutation($input: PostProjectInput!) { postProject(input: $input) { id } }`
)

func count(t *testing.T, srv *apitest.Server, table string) int {
	t.Helper()
	var n int
	if err := srv.Store.DB().GetContext(context.Background(), &n, `SELECT count(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func with(base map[string]any, key string, v any) map[string]any {
	m := maps.Clone(base)
	if v == nil {
		delete(m, key)
	} else {
		m[key] = v
	}
	return m
}

func TestSaveFreelancerProfileValidation(t *testing.T) {
	srv := newServer(t, api.Config{})
	_, token := apitest.NewUser(t, srv.Store, false)
	me := srv.As(token)
	good := freelancerInput()
	tests := []struct {
		name  string
		input map[string]any
		field string
	}{
		{"empty headline", with(good, "headline", "  "), "input.headline"},
		{"long bio", with(good, "bio", string(make([]byte, 10001))), "input.bio"},
		{"lower-case country", with(good, "country", "nl"), "input.country"},
		{"unknown country", with(good, "country", "XX"), "input.country"},
		{"withdrawn country code", with(good, "country", "UK"), "input.country"},
		{"continent", with(good, "country", "EU"), "input.country"},
		{"alpha-3 country", with(good, "country", "NLD"), "input.country"},
		{"negative years", with(good, "yearsExperience", -1), "input.yearsExperience"},
		{"zero rate", with(good, "dailyRate", map[string]any{"amount": "0", "currency": "EUR"}), "input.dailyRate.amount"},
		{"too many decimals", with(good, "dailyRate", map[string]any{"amount": "1.005", "currency": "EUR"}), "input.dailyRate.amount"},
		{"unknown currency", with(good, "dailyRate", map[string]any{"amount": "100", "currency": "EURO"}), "input.dailyRate.currency"},
		{"no skills", with(good, "skills", []any{}), "input.skills"},
		{"unknown skill", with(good, "skills", []map[string]any{{"skill": "go", "level": 3, "years": 1}, {"skill": "cobol-9000", "level": 3, "years": 1}}), "input.skills[1].skill"},
		{"repeated skill", with(good, "skills", []map[string]any{{"skill": "go", "level": 3, "years": 1}, {"skill": "go", "level": 2, "years": 1}}), "input.skills[1].skill"},
		{"level 6", with(good, "skills", []map[string]any{{"skill": "go", "level": 6, "years": 1}}), "input.skills[0].level"},
		{"years 61", with(good, "skills", []map[string]any{{"skill": "go", "level": 2, "years": 61}}), "input.skills[0].years"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := me.Do(t, saveFreelancerDoc, map[string]any{"input": tt.input})
			if codes(res) != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != tt.field {
				t.Fatalf("got %+v, want BAD_USER_INPUT on %s", res.Errors, tt.field)
			}
		})
	}
	if n := count(t, srv, "freelancers"); n != 0 {
		t.Fatalf("freelancers after failed saves: got %d, want 0", n)
	}
	// An unknown skill found inside the transaction leaves an existing profile as it was.
	me.MustDo(t, saveFreelancerDoc, map[string]any{"input": good}, nil)
	res := me.Do(t, saveFreelancerDoc, map[string]any{"input": with(with(good, "headline", "Changed"), "skills", []map[string]any{{"skill": "nope", "level": 1, "years": 1}})})
	if codes(res) != "BAD_USER_INPUT" {
		t.Fatalf("got %+v", res.Errors)
	}
	var headline string
	var skills int
	_ = srv.Store.DB().GetContext(context.Background(), &headline, `SELECT headline FROM freelancers`)
	_ = srv.Store.DB().GetContext(context.Background(), &skills, `SELECT count(*) FROM freelancer_skills`)
	if headline != good["headline"] || skills != 2 {
		t.Fatalf("after a failed update: headline %q, %d skills; want the old profile", headline, skills)
	}
}

func TestSaveClientProfileValidation(t *testing.T) {
	srv := newServer(t, api.Config{})
	_, token := apitest.NewUser(t, srv.Store, false)
	for _, tt := range []struct {
		name  string
		input map[string]any
		field string
	}{
		{"empty company", map[string]any{"companyName": "", "country": "NL"}, "input.companyName"},
		{"bad country", map[string]any{"companyName": "ACME", "country": "Netherlands"}, "input.country"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.As(token).Do(t, saveClientDoc, map[string]any{"input": tt.input})
			if codes(res) != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != tt.field {
				t.Fatalf("got %+v, want BAD_USER_INPUT on %s", res.Errors, tt.field)
			}
		})
	}
	if n := count(t, srv, "clients"); n != 0 {
		t.Fatalf("clients after failed saves: got %d", n)
	}
}

func TestPostProjectValidation(t *testing.T) {
	srv := newServer(t, api.Config{})
	_, token := apitest.NewUser(t, srv.Store, false)
	me := srv.As(token)
	good := projectInput()

	// Without a client profile the role is missing: FORBIDDEN; anonymous: UNAUTHENTICATED.
	if got := codes(me.Do(t, postProjectDoc, map[string]any{"input": good})); got != "FORBIDDEN" {
		t.Fatalf("without a client profile: got %s, want FORBIDDEN", got)
	}
	if got := codes(srv.Client().Do(t, postProjectDoc, map[string]any{"input": good})); got != "UNAUTHENTICATED" {
		t.Fatalf("anonymous: got %s, want UNAUTHENTICATED", got)
	}
	me.MustDo(t, saveClientDoc, map[string]any{"input": map[string]any{"companyName": "ACME", "country": "DE"}}, nil)

	tests := []struct {
		name  string
		input map[string]any
		field string
	}{
		{"short title", with(good, "title", "Go"), "input.title"},
		{"no skills", with(good, "skills", []string{}), "input.skills"},
		{"repeated skill", with(good, "skills", []string{"go", "go"}), "input.skills[1]"},
		{"unknown skill", with(good, "skills", []string{"go", "fortran-77"}), "input.skills[1]"},
		{"negative budget", with(good, "budget", map[string]any{"amount": "-5", "currency": "EUR"}), "input.budget.amount"},
		{"float-like budget", with(good, "budget", map[string]any{"amount": "1e3", "currency": "EUR"}), "input.budget.amount"},
		{"on-site without country", with(good, "remote", false), "input.country"},
		{"bad country", with(good, "country", "ZZ"), "input.country"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := me.Do(t, postProjectDoc, map[string]any{"input": tt.input})
			if codes(res) != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != tt.field {
				t.Fatalf("got %+v, want BAD_USER_INPUT on %s", res.Errors, tt.field)
			}
		})
	}
	if p, e := count(t, srv, "projects"), count(t, srv, "gig_events"); p != 0 || e != 0 {
		t.Fatalf("after failed posts: %d projects, %d gig events; want none", p, e)
	}
	me.MustDo(t, postProjectDoc, map[string]any{"input": with(with(good, "remote", false), "country", "DE")}, nil)
}

func TestUpdateAndCloseProject(t *testing.T) {
	srv := newServer(t, api.Config{})
	ctx := context.Background()
	_, ownerToken := apitest.NewUser(t, srv.Store, false)
	owner := srv.As(ownerToken)
	owner.MustDo(t, saveClientDoc, map[string]any{"input": map[string]any{"companyName": "Owner", "country": "DE"}}, nil)
	var pp struct{ PostProject struct{ ID string } }
	owner.MustDo(t, postProjectDoc, map[string]any{"input": projectInput()}, &pp)
	id := pp.PostProject.ID

	// Another client may see the gig but not change it.
	_, otherToken := apitest.NewUser(t, srv.Store, false)
	other := srv.As(otherToken)
	other.MustDo(t, saveClientDoc, map[string]any{"input": map[string]any{"companyName": "Other", "country": "FR"}}, nil)
	update := `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { id title country remote } }`
	for name, tt := range map[string]struct {
		c     *apitest.Client
		input map[string]any
		code  string
		field string
	}{
		"stranger":             {other, map[string]any{"id": id, "title": "Mine now"}, "FORBIDDEN", ""},
		"anonymous":            {srv.Client(), map[string]any{"id": id, "title": "Mine now"}, "UNAUTHENTICATED", ""},
		"unknown id":           {owner, map[string]any{"id": "UHJvamVjdDo5OTk5", "title": "Nothing"}, "NOT_FOUND", ""},
		"id of another type":   {owner, map[string]any{"id": "U2tpbGw6MQ", "title": "Nothing"}, "NOT_FOUND", ""},
		"on-site, no country":  {owner, map[string]any{"id": id, "remote": false}, "BAD_USER_INPUT", "input.country"},
		"bad title":            {owner, map[string]any{"id": id, "title": "x"}, "BAD_USER_INPUT", "input.title"},
		"unknown skill":        {owner, map[string]any{"id": id, "skills": []string{"nope"}}, "BAD_USER_INPUT", "input.skills[0]"},
		"budget in bad money ": {owner, map[string]any{"id": id, "budget": map[string]any{"amount": "10", "currency": "XYZ"}}, "BAD_USER_INPUT", "input.budget.currency"},
	} {
		t.Run(name, func(t *testing.T) {
			res := tt.c.Do(t, update, map[string]any{"input": tt.input})
			if codes(res) != tt.code || (tt.field != "" && res.Errors[0].Extensions["field"] != tt.field) {
				t.Fatalf("got %+v, want %s %s", res.Errors, tt.code, tt.field)
			}
		})
	}
	var up struct {
		UpdateProject struct {
			Title   string
			Country *string
			Remote  bool
		}
	}
	owner.MustDo(t, update, map[string]any{"input": map[string]any{"id": id, "remote": false, "country": "AT"}}, &up)
	if p := up.UpdateProject; p.Remote || p.Country == nil || *p.Country != "AT" || p.Title != "Payments API in Go" {
		t.Fatalf("update: got %+v", p)
	}

	// A PROPOSED order on the gig is cancelled with it; an ACCEPTED one on another gig is not touched.
	var clientID, projectID int64
	db := srv.Store.DB()
	_ = db.GetContext(ctx, &projectID, `SELECT id FROM projects`)
	_ = db.GetContext(ctx, &clientID, `SELECT client_id FROM projects`)
	var fl struct{ SaveFreelancerProfile struct{ ID string } }
	other.MustDo(t, `mutation($input: FreelancerProfileInput!) { saveFreelancerProfile(input: $input) { id } }`, map[string]any{"input": freelancerInput()}, &fl)
	var freelancerID int64
	_ = db.GetContext(ctx, &freelancerID, `SELECT id FROM freelancers`)
	if _, err := db.ExecContext(ctx, `INSERT INTO orders (project_id, client_id, freelancer_id, rate_type, amount, currency) VALUES ($1, $2, $3, 'FIXED', 100000, 'EUR')`, projectID, clientID, freelancerID); err != nil {
		t.Fatal(err)
	}

	closeDoc := `mutation($id: ID!) { closeProject(id: $id) { status } }`
	if got := codes(other.Do(t, closeDoc, map[string]any{"id": id})); got != "FORBIDDEN" {
		t.Fatalf("stranger closes: got %s, want FORBIDDEN", got)
	}
	var cp struct{ CloseProject struct{ Status string } }
	owner.MustDo(t, closeDoc, map[string]any{"id": id}, &cp)
	if cp.CloseProject.Status != "CANCELLED" {
		t.Fatalf("close: got %+v", cp)
	}
	var status string
	var events int
	_ = db.GetContext(ctx, &status, `SELECT status FROM orders`)
	_ = db.GetContext(ctx, &events, `SELECT count(*) FROM order_events WHERE kind = 'CANCELLED'`)
	if status != "CANCELLED" || events != 1 {
		t.Fatalf("order after close: status %s, %d CANCELLED events; want CANCELLED and 1", status, events)
	}
	res := owner.Do(t, closeDoc, map[string]any{"id": id})
	if codes(res) != "CONFLICT" || res.Errors[0].Extensions["status"] != "CANCELLED" {
		t.Fatalf("close twice: got %+v, want CONFLICT with status CANCELLED", res.Errors)
	}
}
