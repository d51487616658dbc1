package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/relay"
)

var update = flag.Bool("update", false, "rewrite the golden responses under testdata/")

// testMarket is the fixture most tests read: big enough for several pages, small enough to build in
// well under a second.
var testMarket = fixture{Seed: 1, Freelancers: 120, Clients: 20, Projects: 90}

func newServer(tb testing.TB, fx fixture) *apitest.Server {
	tb.Helper()
	store := dbtest.New(tb)
	fx.build(tb, store)
	return apitest.NewWithStore(tb, api.Config{}, store)
}

// TestGolden runs the representative SPA queries in testdata/*.graphql and compares each
// response with testdata/<name>.json; `go test ./resolvers -run TestGolden -update` rewrites them.
func TestGolden(t *testing.T) {
	srv := newServer(t, testMarket)
	files, err := filepath.Glob("testdata/*.graphql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden queries: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".graphql")
		t.Run(name, func(t *testing.T) {
			q, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			res := srv.Client().Do(t, string(q), nil)
			got, err := json.MarshalIndent(map[string]any{"data": res.Data, "errors": res.Errors}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("response differs from %s (run with -update after checking):\n%s", path, got)
			}
		})
	}
}

// conn is the part of a connection the list tests read.
type conn struct {
	TotalCount int `json:"totalCount"`
	Edges      []struct {
		Cursor string `json:"cursor"`
		Node   struct {
			ID string `json:"id"`
		} `json:"node"`
	} `json:"edges"`
	PageInfo struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
}

func (c conn) keys(tb testing.TB) []int64 {
	tb.Helper()
	out := make([]int64, len(c.Edges))
	for i, e := range c.Edges {
		_, key, ok := relay.ParseID(e.Node.ID)
		if !ok {
			tb.Fatalf("bad id %q", e.Node.ID)
		}
		out[i] = key
	}
	return out
}

// list is a root list field with its filter and order input types.
type list struct{ field, filterType, orderType string }

var (
	freelancers = list{"freelancers", "FreelancerFilter", "FreelancerOrder"}
	projects    = list{"projects", "ProjectFilter", "ProjectOrder"}
)

// page fetches one page of a root list.
func (l list) page(tb testing.TB, c *apitest.Client, filter, orderBy any, args map[string]any) conn {
	tb.Helper()
	q := `query($filter: ` + l.filterType + `, $orderBy: ` + l.orderType + `, $first: Int, $after: String, $last: Int, $before: String) {
		list: ` + l.field + `(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
			totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	vars := map[string]any{"filter": filter, "orderBy": orderBy}
	for k, v := range args {
		vars[k] = v
	}
	var data struct{ List conn }
	c.MustDo(tb, q, vars, &data)
	return data.List
}

// walk pages forward through a whole list, calling between (if not nil) after each page.
func (l list) walk(tb testing.TB, c *apitest.Client, filter, orderBy any, size int, between func(page int)) []int64 {
	tb.Helper()
	var out []int64
	args := map[string]any{"first": size}
	for i := 0; ; i++ {
		p := l.page(tb, c, filter, orderBy, args)
		out = append(out, p.keys(tb)...)
		if i > 0 && !p.PageInfo.HasPreviousPage {
			tb.Fatalf("page %d after a cursor says hasPreviousPage false", i)
		}
		if !p.PageInfo.HasNextPage {
			return out
		}
		if len(p.Edges) != size {
			tb.Fatalf("page %d has %d edges but more follow; want %d", i, len(p.Edges), size)
		}
		args["after"] = *p.PageInfo.EndCursor
		if between != nil {
			between(i)
		}
	}
}

// walkBack pages backward from the end of a list and returns the rows in list order.
func (l list) walkBack(tb testing.TB, c *apitest.Client, filter, orderBy any, size int) []int64 {
	tb.Helper()
	var pages [][]int64
	args := map[string]any{"last": size}
	for {
		p := l.page(tb, c, filter, orderBy, args)
		pages = append(pages, p.keys(tb))
		if !p.PageInfo.HasPreviousPage {
			break
		}
		args["before"] = *p.PageInfo.StartCursor
	}
	var out []int64
	for i := len(pages) - 1; i >= 0; i-- {
		out = append(out, pages[i]...)
	}
	return out
}

func sqlIDs(tb testing.TB, store *db.Store, q string, args ...any) []int64 {
	tb.Helper()
	var ids []int64
	if err := store.DB().SelectContext(context.Background(), &ids, q, args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	return ids
}

func TestPaginationVisitsEveryRowOnce(t *testing.T) {
	srv := newServer(t, testMarket)
	c := srv.Client()
	cases := []struct {
		name    string
		list    list
		orderBy map[string]any
		sql     string
	}{
		{"freelancers newest", freelancers, map[string]any{"field": "NEWEST"}, `SELECT id FROM freelancers ORDER BY created_at DESC, id DESC`},
		{"freelancers rate asc", freelancers, map[string]any{"field": "DAILY_RATE"}, `SELECT id FROM freelancers ORDER BY daily_rate, id`},
		{"freelancers experience asc", freelancers, map[string]any{"field": "EXPERIENCE", "direction": "ASC"}, `SELECT id FROM freelancers ORDER BY years_experience, id`},
		{"projects budget desc", projects, map[string]any{"field": "BUDGET"}, `SELECT id FROM projects ORDER BY budget DESC, id DESC`},
		{"projects newest asc", projects, map[string]any{"field": "NEWEST", "direction": "ASC"}, `SELECT id FROM projects ORDER BY created_at, id`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := sqlIDs(t, srv.Store, tc.sql)
			forward := tc.list.walk(t, c, nil, tc.orderBy, 7, nil)
			if !slices.Equal(forward, want) {
				t.Fatalf("forward walk:\n got %v\nwant %v", forward, want)
			}
			backward := tc.list.walkBack(t, c, nil, tc.orderBy, 7)
			if !slices.Equal(backward, want) {
				t.Fatalf("backward walk:\n got %v\nwant %v", backward, want)
			}
		})
	}
}

func TestPaginationWithConcurrentInserts(t *testing.T) {
	srv := newServer(t, testMarket)
	existing := sqlIDs(t, srv.Store, `SELECT id FROM freelancers`)
	orders := []map[string]any{{"field": "NEWEST"}, {"field": "DAILY_RATE"}, {"field": "EXPERIENCE"}}
	n := 0
	for _, orderBy := range orders {
		t.Run(fmt.Sprint(orderBy["field"]), func(t *testing.T) {
			// After every page, insert profiles both before and after the walk's position.
			seen := freelancers.walk(t, srv.Client(), nil, orderBy, 10, func(page int) {
				for i := range 3 {
					n++
					var uid int64
					if err := srv.Store.DB().GetContext(t.Context(), &uid, `INSERT INTO users (email, name, password_hash) VALUES ($1, 'New Person', 'x') RETURNING id`,
						fmt.Sprintf("new%d@example.com", n)); err != nil {
						t.Fatal(err)
					}
					created := fixtureBase.Add(time.Duration((page*37+i*53)%60) * time.Hour)
					if _, err := srv.Store.DB().ExecContext(t.Context(), `INSERT INTO freelancers (user_id, headline, country, seniority, years_experience, daily_rate, currency, created_at)
						VALUES ($1, 'New', 'DE', 'MID', $2, $3, 'EUR', $4)`, uid, (page*7+i*5)%20, int64(300+50*((page*11+i*7)%20))*100, created); err != nil {
						t.Fatal(err)
					}
				}
			})
			count := make(map[int64]int)
			for _, id := range seen {
				count[id]++
				if count[id] > 1 {
					t.Errorf("row %d visited twice", id)
				}
			}
			for _, id := range existing {
				if count[id] != 1 {
					t.Errorf("row %d that existed before the walk visited %d times", id, count[id])
				}
			}
		})
	}
}

// TestFilters checks every filter against a straightforward SQL formulation of it, walking all
// pages in a fixed order.
func TestFilters(t *testing.T) {
	srv := newServer(t, testMarket)
	c := srv.Client()
	postedAfter := fixtureBase.Add(40 * time.Hour)
	cases := []struct {
		name   string
		list   list
		filter map[string]any
		where  string
	}{
		{"freelancers all skills", freelancers, map[string]any{"skills": []string{"go", "postgresql"}},
			`id IN (SELECT fs.freelancer_id FROM freelancer_skills fs JOIN skills s ON s.id = fs.skill_id WHERE s.slug IN ('go', 'postgresql') GROUP BY 1 HAVING count(*) = 2)`},
		{"freelancers any skill min level", freelancers, map[string]any{"anySkills": []string{"rust", "aws"}, "minLevel": 3},
			`id IN (SELECT fs.freelancer_id FROM freelancer_skills fs JOIN skills s ON s.id = fs.skill_id WHERE s.slug IN ('rust', 'aws') AND fs.level >= 3)`},
		{"freelancers one skill", freelancers, map[string]any{"skills": []string{"rust"}},
			`id IN (SELECT fs.freelancer_id FROM freelancer_skills fs JOIN skills s ON s.id = fs.skill_id WHERE s.slug = 'rust')`},
		{"freelancers skill min level", freelancers, map[string]any{"skills": []string{"go"}, "minLevel": 4},
			`id IN (SELECT fs.freelancer_id FROM freelancer_skills fs JOIN skills s ON s.id = fs.skill_id WHERE s.slug = 'go' AND fs.level >= 4)`},
		{"freelancers countries", freelancers, map[string]any{"countries": []string{"de", "NL"}}, `country IN ('DE', 'NL')`},
		{"freelancers seniority", freelancers, map[string]any{"seniority": []string{"SENIOR", "LEAD"}}, `seniority IN ('SENIOR', 'LEAD')`},
		{"freelancers unavailable", freelancers, map[string]any{"available": false}, `NOT available`},
		{"freelancers rate range EUR", freelancers, map[string]any{"dailyRate": map[string]any{"min": "400", "max": "600.50"}},
			`currency = 'EUR' AND daily_rate BETWEEN 40000 AND 60050`},
		{"freelancers rate min USD", freelancers, map[string]any{"dailyRate": map[string]any{"min": "500", "currency": "USD"}},
			`currency = 'USD' AND daily_rate >= 50000`},
		{"freelancers search prose", freelancers, map[string]any{"search": "payments"}, `bio ILIKE '%payment%' OR headline ILIKE '%payment%'`},
		{"freelancers search name", freelancers, map[string]any{"search": "jansen"},
			`user_id IN (SELECT id FROM users WHERE name ILIKE '%jansen%')`},
		{"freelancers combined", freelancers, map[string]any{"skills": []string{"go"}, "countries": []string{"DE", "FR", "PL"}, "available": true, "dailyRate": map[string]any{"min": "500"}},
			`id IN (SELECT fs.freelancer_id FROM freelancer_skills fs JOIN skills s ON s.id = fs.skill_id WHERE s.slug = 'go')
			 AND country IN ('DE', 'FR', 'PL') AND available AND currency = 'EUR' AND daily_rate >= 50000`},
		{"projects status", projects, map[string]any{"status": []string{"OPEN", "IN_PROGRESS"}}, `status IN ('OPEN', 'IN_PROGRESS')`},
		{"projects all skills", projects, map[string]any{"skills": []string{"go", "postgresql"}},
			`id IN (SELECT ps.project_id FROM project_skills ps JOIN skills s ON s.id = ps.skill_id WHERE s.slug IN ('go', 'postgresql') GROUP BY 1 HAVING count(*) = 2)`},
		{"projects any skill", projects, map[string]any{"anySkills": []string{"rust", "django"}},
			`id IN (SELECT ps.project_id FROM project_skills ps JOIN skills s ON s.id = ps.skill_id WHERE s.slug IN ('rust', 'django'))`},
		{"projects on site", projects, map[string]any{"remote": false}, `NOT remote`},
		{"projects countries", projects, map[string]any{"countries": []string{"PL"}}, `country = 'PL'`},
		{"projects fixed", projects, map[string]any{"rateType": "FIXED"}, `rate_type = 'FIXED'`},
		{"projects min budget", projects, map[string]any{"minBudget": map[string]any{"amount": "600", "currency": "EUR"}}, `currency = 'EUR' AND budget >= 60000`},
		{"projects posted after", projects, map[string]any{"postedAfter": postedAfter.Format(time.RFC3339)},
			`created_at >= '` + postedAfter.Format(time.RFC3339) + `'`},
		{"projects search", projects, map[string]any{"search": "django"}, `title ILIKE '%django%' OR description ILIKE '%django%'`},
		{"projects combined", projects, map[string]any{"status": []string{"OPEN"}, "anySkills": []string{"go", "java"}, "remote": true},
			`status = 'OPEN' AND remote AND id IN (SELECT ps.project_id FROM project_skills ps JOIN skills s ON s.id = ps.skill_id WHERE s.slug IN ('go', 'java'))`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orderBy, order := map[string]any{"field": "DAILY_RATE"}, "daily_rate, id"
			table := "freelancers"
			if tc.list == projects {
				orderBy, order, table = map[string]any{"field": "BUDGET", "direction": "ASC"}, "budget, id", "projects"
			}
			want := sqlIDs(t, srv.Store, `SELECT id FROM `+table+` WHERE `+tc.where+` ORDER BY `+order)
			if len(want) == 0 {
				t.Fatalf("the fixture has no rows for this filter: the test would prove nothing")
			}
			got := tc.list.walk(t, c, tc.filter, orderBy, 15, nil)
			if !slices.Equal(got, want) {
				t.Errorf("\n got %v\nwant %v", got, want)
			}
			if total := tc.list.page(t, c, tc.filter, orderBy, map[string]any{"first": 1}).TotalCount; total != len(want) {
				t.Errorf("totalCount %d, want %d", total, len(want))
			}
		})
	}
}

// TestRelevance checks that RELEVANCE paging visits exactly the matches, in non-increasing rank.
func TestRelevance(t *testing.T) {
	srv := newServer(t, testMarket)
	for _, l := range []list{freelancers, projects} {
		t.Run(l.field, func(t *testing.T) {
			filter := map[string]any{"search": "payment OR databases"}
			got := l.walk(t, srv.Client(), filter, nil, 6, nil)
			want := l.walkBack(t, srv.Client(), filter, map[string]any{"field": "RELEVANCE"}, 6)
			if len(got) == 0 || !slices.Equal(got, want) {
				t.Fatalf("forward %v, backward %v", got, want)
			}
			total := l.page(t, srv.Client(), filter, nil, map[string]any{"first": 1}).TotalCount
			if total != len(got) {
				t.Errorf("walked %d rows, totalCount %d", len(got), total)
			}
		})
	}
}

func TestListErrors(t *testing.T) {
	srv := newServer(t, testMarket)
	c := srv.Client()
	rateCursor := *freelancers.page(t, c, nil, map[string]any{"field": "DAILY_RATE"}, map[string]any{"first": 1}).PageInfo.EndCursor
	cases := []struct {
		name    string
		list    list
		filter  any
		orderBy any
		args    map[string]any
		field   string
	}{
		{"unknown skill", freelancers, map[string]any{"skills": []string{"go", "cobol-9000"}}, nil, nil, "filter.skills"},
		{"unknown any skill", projects, map[string]any{"anySkills": []string{"nope"}}, nil, nil, "filter.anySkills"},
		{"bad country", freelancers, map[string]any{"countries": []string{"XX"}}, nil, nil, "filter.countries"},
		{"not a country", projects, map[string]any{"countries": []string{"EU"}}, nil, nil, "filter.countries"},
		{"min level too high", freelancers, map[string]any{"skills": []string{"go"}, "minLevel": 6}, nil, nil, "filter.minLevel"},
		{"min level without skills", freelancers, map[string]any{"minLevel": 3}, nil, nil, "filter.minLevel"},
		{"bad currency", freelancers, map[string]any{"dailyRate": map[string]any{"min": "1", "currency": "EURO"}}, nil, nil, "filter.dailyRate.currency"},
		{"too many decimals", freelancers, map[string]any{"dailyRate": map[string]any{"min": "1.234"}}, nil, nil, "filter.dailyRate.min"},
		{"min above max", freelancers, map[string]any{"dailyRate": map[string]any{"min": "500", "max": "400"}}, nil, nil, "filter.dailyRate.max"},
		{"bad budget currency", projects, map[string]any{"minBudget": map[string]any{"amount": "1", "currency": "xyz"}}, nil, nil, "filter.minBudget.currency"},
		{"relevance without search", freelancers, nil, map[string]any{"field": "RELEVANCE"}, nil, "orderBy.field"},
		{"project relevance without search", projects, nil, map[string]any{"field": "RELEVANCE"}, nil, "orderBy.field"},
		{"first too large", freelancers, nil, nil, map[string]any{"first": 101}, "first"},
		{"garbage cursor", freelancers, nil, nil, map[string]any{"after": "nope"}, "after"},
		{"cursor of another ordering", freelancers, nil, map[string]any{"field": "EXPERIENCE"}, map[string]any{"after": rateCursor}, "after"},
		{"cursor of another direction", freelancers, nil, map[string]any{"field": "DAILY_RATE", "direction": "DESC"}, map[string]any{"after": rateCursor}, "after"},
		{"cursor of another list", projects, nil, nil, map[string]any{"before": rateCursor}, "before"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{"filter": tc.filter, "orderBy": tc.orderBy}
			for k, v := range tc.args {
				vars[k] = v
			}
			res := c.Do(t, `query($filter: `+tc.list.filterType+`, $orderBy: `+tc.list.orderType+`, $first: Int, $after: String, $before: String) {
				`+tc.list.field+`(filter: $filter, orderBy: $orderBy, first: $first, after: $after, before: $before) { edges { cursor } } }`, vars)
			if len(res.Errors) != 1 {
				t.Fatalf("got errors %+v, want one", res.Errors)
			}
			if code, field := res.Errors[0].Code(), res.Errors[0].Extensions["field"]; code != "BAD_USER_INPUT" || field != tc.field {
				t.Errorf("got %s on %v, want BAD_USER_INPUT on %s", code, field, tc.field)
			}
		})
	}
}

func TestNestedPagination(t *testing.T) {
	srv := newServer(t, testMarket)
	c := srv.Client()
	const q = `query($after: String) { skills(filter: { skills: ["go", "python"] }) { edges { node { slug
		freelancers(first: 4, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } }
		projects(first: 4, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } } } }`
	type nested struct {
		Skills struct {
			Edges []struct {
				Node struct {
					Slug        string
					Freelancers conn
					Projects    conn
				}
			}
		}
	}
	var data nested
	c.MustDo(t, q, nil, &data)
	for _, e := range data.Skills.Edges {
		want := sqlIDs(t, srv.Store, `SELECT fs.freelancer_id FROM freelancer_skills fs JOIN skills s ON s.id = fs.skill_id
			WHERE s.slug = $1 ORDER BY fs.level DESC, fs.freelancer_id DESC`, e.Node.Slug)
		if got := e.Node.Freelancers.keys(t); !slices.Equal(got, want[:4]) || e.Node.Freelancers.TotalCount != len(want) {
			t.Errorf("%s freelancers: got %v (total %d), want %v (total %d)", e.Node.Slug, got, e.Node.Freelancers.TotalCount, want[:4], len(want))
		}
		want = sqlIDs(t, srv.Store, `SELECT ps.project_id FROM project_skills ps JOIN skills s ON s.id = ps.skill_id JOIN projects p ON p.id = ps.project_id
			WHERE s.slug = $1 ORDER BY p.created_at DESC, p.id DESC`, e.Node.Slug)
		if got := e.Node.Projects.keys(t); !slices.Equal(got, want[:4]) || e.Node.Projects.TotalCount != len(want) {
			t.Errorf("%s projects: got %v (total %d), want %v (total %d)", e.Node.Slug, got, e.Node.Projects.TotalCount, want[:4], len(want))
		}
	}
	// Backward: the last page of a skill's freelancers is the tail of the same order.
	var back struct {
		Skills struct {
			Edges []struct {
				Node struct {
					Slug        string
					Freelancers conn
				}
			}
		}
	}
	c.MustDo(t, `{ skills(filter: { skills: ["go"] }) { edges { node { slug freelancers(last: 3) { edges { node { id } } pageInfo { hasPreviousPage hasNextPage } } } } } }`, nil, &back)
	want := sqlIDs(t, srv.Store, `SELECT fs.freelancer_id FROM freelancer_skills fs JOIN skills s ON s.id = fs.skill_id
		WHERE s.slug = 'go' ORDER BY fs.level DESC, fs.freelancer_id DESC`)
	if got := back.Skills.Edges[0].Node.Freelancers; !slices.Equal(got.keys(t), want[len(want)-3:]) || !got.PageInfo.HasPreviousPage || got.PageInfo.HasNextPage {
		t.Errorf("last 3 of go's freelancers: got %v %+v, want %v", got.keys(t), got.PageInfo, want[len(want)-3:])
	}

	// A cursor of a nested list is refused by another one.
	res := c.Do(t, q, map[string]any{"after": *data.Skills.Edges[0].Node.Freelancers.PageInfo.EndCursor})
	if codes := res.Codes(); len(codes) == 0 || codes[0] != "BAD_USER_INPUT" {
		t.Errorf("foreign cursor: got %v, want BAD_USER_INPUT", codes)
	}

	// Client.projects with a status filter, paged to the end.
	var clientID int64
	if err := srv.Store.DB().GetContext(context.Background(), &clientID, `SELECT client_id FROM projects GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	want = sqlIDs(t, srv.Store, `SELECT id FROM projects WHERE client_id = $1 AND status IN ('OPEN', 'COMPLETED') ORDER BY created_at DESC, id DESC`, clientID)
	var got []int64
	var after *string
	for {
		var data struct {
			Node struct {
				OpenProjects int
				Projects     conn
			}
		}
		c.MustDo(t, `query($id: ID!, $after: String) { node(id: $id) { ... on Client { openProjects
			projects(first: 2, after: $after, status: [OPEN, COMPLETED]) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } } }`,
			map[string]any{"id": relay.ID("Client", clientID), "after": after}, &data)
		got = append(got, data.Node.Projects.keys(t)...)
		if data.Node.Projects.TotalCount != len(want) {
			t.Errorf("totalCount %d, want %d", data.Node.Projects.TotalCount, len(want))
		}
		if !data.Node.Projects.PageInfo.HasNextPage {
			break
		}
		after = data.Node.Projects.PageInfo.EndCursor
	}
	if !slices.Equal(got, want) {
		t.Errorf("client projects: got %v, want %v", got, want)
	}
}

func TestNodes(t *testing.T) {
	srv := newServer(t, testMarket)
	c := srv.Client()
	ids := []string{
		relay.ID("Skill", 1), relay.ID("User", 1), relay.ID("Freelancer", 2), relay.ID("Client", 3), relay.ID("Project", 4),
		relay.ID("Project", 999999), relay.ID("Order", 1), "not an id", relay.ID("Nope", 1), "",
	}
	var data struct {
		Nodes []*struct {
			Typename string `json:"__typename"`
			ID       string `json:"id"`
		}
	}
	c.MustDo(t, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Node { id } } }`, map[string]any{"ids": ids}, &data)
	wantTypes := []string{"Skill", "User", "Freelancer", "Client", "Project", "", "", "", "", ""}
	for i, n := range data.Nodes {
		got := ""
		if n != nil {
			got = n.Typename
			if n.ID != ids[i] {
				t.Errorf("nodes[%d].id = %q, want %q", i, n.ID, ids[i])
			}
		}
		if got != wantTypes[i] {
			t.Errorf("nodes[%d] (%q) is %q, want %q", i, ids[i], got, wantTypes[i])
		}
	}
	for _, id := range ids {
		var one struct{ Node *struct{ ID string } }
		c.MustDo(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, &one)
		if (one.Node != nil) != slices.Contains(ids[:5], id) {
			t.Errorf("node(%q) = %+v", id, one.Node)
		}
	}
	res := c.Do(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": make([]string, 101)})
	if codes := res.Codes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
		t.Errorf("101 ids: got %v, want BAD_USER_INPUT", codes)
	}
}

func TestPrivateUserFields(t *testing.T) {
	srv := newServer(t, fixture{Seed: 2, Freelancers: 2, Clients: 1, Projects: 1})
	me, myToken := apitest.NewUser(t, srv.Store, false)
	_, adminToken := apitest.NewUser(t, srv.Store, true)
	other, otherToken := apitest.NewUser(t, srv.Store, false)
	if _, err := srv.Store.DB().ExecContext(context.Background(), `UPDATE users SET is_admin = true WHERE id = $1`, other.ID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		token     string
		target    int64
		wantEmail bool
		wantAdmin bool
	}{
		{"anonymous sees no email", "", me.ID, false, false},
		{"self sees own email", myToken, me.ID, true, false},
		{"admin sees email", adminToken, me.ID, true, false},
		{"others do not see admin flag", myToken, other.ID, false, false},
		{"self sees own admin flag", otherToken, other.ID, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var data struct {
				Node struct {
					Email   *string
					IsAdmin bool
				}
			}
			srv.As(tc.token).MustDo(t, `query($id: ID!) { node(id: $id) { ... on User { email isAdmin } } }`,
				map[string]any{"id": relay.ID("User", tc.target)}, &data)
			if (data.Node.Email != nil) != tc.wantEmail || data.Node.IsAdmin != tc.wantAdmin {
				t.Errorf("email %v, isAdmin %v; want email shown %v, isAdmin %v", data.Node.Email, data.Node.IsAdmin, tc.wantEmail, tc.wantAdmin)
			}
		})
	}
}
