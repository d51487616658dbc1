package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// The reads of projects (gigs). Posting and changing gigs lives with the accounts code.

// projectColumns reads a project aliased p.
const projectColumns = `p.id, p.client_id, p.title, p.description, p.rate_type, p.budget, p.currency,
	p.remote, p.country, p.status, p.created_at, p.updated_at`

// ProjectFilter selects projects; zero fields select everything. Skills are IDs.
type ProjectFilter struct {
	Statuses []market.ProjectStatus
	// Skills must all be asked for; AnySkills at least one of them.
	Skills, AnySkills []int64
	Remote            *bool
	Countries         []string
	RateType          market.RateType
	// MinBudget, when set, keeps only budgets in its currency of at least its amount.
	MinBudget   *market.Money
	PostedAfter *time.Time
	// Search is a web-search style full-text query over title and description.
	Search string
}

// ProjectOrderField is a sort key of project lists.
type ProjectOrderField string

// The project orderings.
const (
	ProjectsByNewest    ProjectOrderField = "NEWEST"
	ProjectsByBudget    ProjectOrderField = "BUDGET"
	ProjectsByRelevance ProjectOrderField = "RELEVANCE"
)

// ProjectOrder is how to sort a project list; ties are broken by ID in the same direction.
type ProjectOrder struct {
	Field ProjectOrderField
	Desc  bool
}

func statusStrings(st []market.ProjectStatus) []string {
	s := make([]string, len(st))
	for i, v := range st {
		s[i] = string(v)
	}
	return s
}

// build adds the filter's conditions to q and returns the full-text query expression ("" without
// a search).
func (f ProjectFilter) build(q *query) (ts string) {
	if len(f.Statuses) > 0 {
		q.oneOf("p.status", statusStrings(f.Statuses))
	}
	for _, id := range f.Skills {
		q.where("EXISTS (SELECT 1 FROM project_skills ps WHERE ps.project_id = p.id AND ps.skill_id = " + q.arg(id) + ")")
	}
	if len(f.AnySkills) > 0 {
		q.where("EXISTS (SELECT 1 FROM project_skills ps WHERE ps.project_id = p.id AND ps.skill_id = ANY(" + q.arg(pq.Array(f.AnySkills)) + "))")
	}
	if f.Remote != nil {
		q.where("p.remote = " + q.arg(*f.Remote))
	}
	if len(f.Countries) > 0 {
		q.oneOf("p.country", f.Countries)
	}
	if f.RateType != "" {
		q.where("p.rate_type = " + q.arg(string(f.RateType)))
	}
	if f.MinBudget != nil {
		q.where("p.currency = " + q.arg(f.MinBudget.Currency))
		q.where("p.budget >= " + q.arg(f.MinBudget.Minor))
	}
	if f.PostedAfter != nil {
		q.where("p.created_at >= " + q.arg(*f.PostedAfter))
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		ts = "websearch_to_tsquery('english', " + q.arg(s) + ")"
		q.where("p.search @@ " + ts)
	}
	return ts
}

// projectRow is a project with the extra values some lists sort or group by.
type projectRow struct {
	market.Project
	Rank     float64 `db:"rank"`
	ParentID int64   `db:"parent_id"`
}

func newestProjects(name string) *ordering[projectRow] {
	return &ordering[projectRow]{
		name:  name,
		exprs: []string{"p.created_at", "p.id"},
		desc:  true,
		keys:  func(r *projectRow) []any { return []any{r.CreatedAt, r.ID} },
		dst:   func() []any { return []any{new(time.Time), new(int64)} },
	}
}

func projectOrdering(o ProjectOrder, ts, search string) (*ordering[projectRow], error) {
	dir := "asc"
	if o.Desc {
		dir = "desc"
	}
	name := "projects:" + strings.ToLower(string(o.Field)) + ":" + dir
	switch o.Field {
	case ProjectsByNewest:
		ord := newestProjects(name)
		ord.desc = o.Desc
		return ord, nil
	case ProjectsByBudget:
		return &ordering[projectRow]{
			name: name, desc: o.Desc,
			exprs: []string{"p.budget", "p.id"},
			keys:  func(r *projectRow) []any { return []any{r.BudgetMinor, r.ID} },
			dst:   func() []any { return []any{new(int64), new(int64)} },
		}, nil
	case ProjectsByRelevance:
		if ts == "" {
			return nil, market.InvalidInput("orderBy.field", "RELEVANCE ordering needs filter.search")
		}
		sum := sha256.Sum256([]byte(strings.TrimSpace(search)))
		return &ordering[projectRow]{
			name: name + ":" + hex.EncodeToString(sum[:6]), desc: o.Desc,
			exprs: []string{"ts_rank(p.search, " + ts + ")", "p.id"},
			casts: []string{"::real"},
			keys:  func(r *projectRow) []any { return []any{r.Rank, r.ID} },
			dst:   func() []any { return []any{new(float64), new(int64)} },
		}, nil
	}
	return nil, market.InvalidInput("orderBy.field", "unknown ordering %q", o.Field)
}

// ListProjects returns one page of the projects a filter selects, in the given order.
// Returns BAD_USER_INPUT for a cursor of another list or ordering, and for RELEVANCE without a
// search.
func (s *Store) ListProjects(ctx context.Context, f ProjectFilter, o ProjectOrder, p relay.Page) (*Page[market.Project], error) {
	var q query
	ts := f.build(&q)
	ord, err := projectOrdering(o, ts, f.Search)
	if err != nil {
		return nil, err
	}
	order, err := ord.seek(&q, p)
	if err != nil {
		return nil, err
	}
	cols := projectColumns
	if o.Field == ProjectsByRelevance {
		cols += ", " + ord.exprs[0] + " AS rank"
	}
	sql := `SELECT ` + cols + ` FROM projects p WHERE ` + q.clause() + ` ORDER BY ` + order + ` LIMIT ` + q.arg(p.Limit+1)
	var rows []projectRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, sql, q.args...); err != nil {
		return nil, err
	}
	return projectPage(ord.page(rows, p)), nil
}

func projectPage(pg *Page[projectRow]) *Page[market.Project] {
	out := &Page[market.Project]{Cursors: pg.Cursors}
	out.HasNextPage, out.HasPreviousPage = pg.HasNextPage, pg.HasPreviousPage
	out.Rows = make([]market.Project, len(pg.Rows))
	for i := range pg.Rows {
		out.Rows[i] = pg.Rows[i].Project
	}
	return out
}

// CountProjects counts the projects a filter selects.
func (s *Store) CountProjects(ctx context.Context, f ProjectFilter) (int, error) {
	var q query
	f.build(&q)
	var n int
	err := sqlx.GetContext(ctx, s.db, &n, `SELECT count(*) FROM projects p WHERE `+q.clause(), q.args...)
	return n, err
}

// ProjectsByID loads projects by ID for dataloaders; missing IDs are absent from the map.
func (s *Store) ProjectsByID(ctx context.Context, ids []int64) (map[int64]*market.Project, error) {
	const q = `SELECT ` + projectColumns + ` FROM projects p WHERE p.id = ANY($1)`
	var rows []*market.Project
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]*market.Project, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// ProjectSkills loads the skills projects ask for, by name, for dataloaders. Every ID asked for
// is in the map.
func (s *Store) ProjectSkills(ctx context.Context, projectIDs []int64) (map[int64][]*market.Skill, error) {
	const q = `SELECT ps.project_id, s.id, s.slug, s.name, s.category
		FROM project_skills ps JOIN skills s ON s.id = ps.skill_id
		WHERE ps.project_id = ANY($1) ORDER BY ps.project_id, s.name`
	var rows []struct {
		ProjectID int64 `db:"project_id"`
		market.Skill
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, pq.Array(projectIDs)); err != nil {
		return nil, err
	}
	out := make(map[int64][]*market.Skill, len(projectIDs))
	for _, id := range projectIDs {
		out[id] = []*market.Skill{}
	}
	for i := range rows {
		out[rows[i].ProjectID] = append(out[rows[i].ProjectID], &rows[i].Skill)
	}
	return out, nil
}

// clientProjects orders a client's projects newest first; projects_client_idx serves it.
var clientProjects = newestProjects("client.projects:newest")

// skillProjects orders a skill's projects newest first by the posting time project_skills keeps
// next to each skill (project_skills_skill_created_idx); the cursor holds the same values as a
// project list's, so both read alike.
var skillProjects = &ordering[projectRow]{
	name:  "skill.projects:newest",
	exprs: []string{"ps.created_at", "ps.project_id"},
	desc:  true,
	keys:  func(r *projectRow) []any { return []any{r.CreatedAt, r.ID} },
	dst:   func() []any { return []any{new(time.Time), new(int64)} },
}

// ClientProjects reads pages of the projects of clients (ListKey.ParentID is the client, Statuses
// an optional status filter), one statement per group of keys that share their page arguments;
// projects_client_idx serves each. Returns BAD_USER_INPUT for a cursor of another list.
func (s *Store) ClientProjects(ctx context.Context, keys []ListKey) (map[ListKey]*Page[market.Project], error) {
	return s.nestedProjects(ctx, keys, clientProjects, "projects p", "p.client_id = k.parent")
}

// SkillProjects reads pages of the projects that ask for skills (ListKey.ParentID is the skill),
// newest first. Returns BAD_USER_INPUT for a cursor of another list.
func (s *Store) SkillProjects(ctx context.Context, keys []ListKey) (map[ListKey]*Page[market.Project], error) {
	return s.nestedProjects(ctx, keys, skillProjects, "project_skills ps JOIN projects p ON p.id = ps.project_id", "ps.skill_id = k.parent")
}

func (s *Store) nestedProjects(ctx context.Context, keys []ListKey, ord *ordering[projectRow], from, parentCond string) (map[ListKey]*Page[market.Project], error) {
	pages, err := nestedPages(ctx, s.db, keys, nestedList[projectRow]{
		ord:        ord,
		columns:    projectColumns,
		from:       from,
		parentCond: parentCond,
		outerCols:  []string{"x.created_at", "x.id"},
		parentOf:   func(r *projectRow) int64 { return r.ParentID },
		filter: func(q *query, g ListKey) {
			if st := statusList(g.Statuses); len(st) > 0 {
				q.oneOf("p.status", st)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return mapPages(pages, projectPage), nil
}

// ClientProjectCounts counts the projects of clients, optionally only in some statuses (the
// key's Statuses), for dataloaders; every key is in the map.
func (s *Store) ClientProjectCounts(ctx context.Context, keys []CountKey) (map[CountKey]int, error) {
	groups := make(map[string][]int64)
	for _, k := range keys {
		groups[k.Statuses] = append(groups[k.Statuses], k.ParentID)
	}
	out := make(map[CountKey]int, len(keys))
	for st, ids := range groups {
		q := `SELECT client_id AS id, count(*) AS n FROM projects WHERE client_id = ANY($1) GROUP BY client_id`
		args := []any{pq.Array(ids)}
		if list := statusList(st); len(list) > 0 {
			q = `SELECT client_id AS id, count(*) AS n FROM projects WHERE client_id = ANY($1) AND status = ANY($2) GROUP BY client_id`
			args = append(args, pq.Array(list))
		}
		n, err := s.counts(ctx, q, ids, args...)
		if err != nil {
			return nil, err
		}
		for id, c := range n {
			out[CountKey{ParentID: id, Statuses: st}] = c
		}
	}
	return out, nil
}

// SkillProjectCounts counts the projects that ask for skills, for dataloaders; every ID is in the
// map.
func (s *Store) SkillProjectCounts(ctx context.Context, skillIDs []int64) (map[int64]int, error) {
	const q = `SELECT skill_id AS id, count(*) AS n FROM project_skills WHERE skill_id = ANY($1) GROUP BY skill_id`
	return s.counts(ctx, q, skillIDs, pq.Array(skillIDs))
}
