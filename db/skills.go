package db

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// SkillFilter selects skills; zero fields select everything.
type SkillFilter struct {
	Categories []market.SkillCategory
	Slugs      []string
	Search     string
}

// skillsByCategory is the one ordering of skills, (category, name, id); skills_category_name_idx
// serves it.
var skillsByCategory = &ordering[market.Skill]{
	name:  "skills:category,name",
	exprs: []string{"category", "name", "id"},
	keys:  func(s *market.Skill) []any { return []any{s.Category, s.Name, s.ID} },
	dst:   func() []any { return []any{new(string), new(string), new(int64)} },
}

const skillColumns = `id, slug, name, category`

func (f SkillFilter) where(args []any) (string, []any) {
	var conds []string
	if len(f.Categories) > 0 {
		cats := make([]string, len(f.Categories))
		for i, c := range f.Categories {
			cats[i] = string(c)
		}
		args = append(args, pq.Array(cats))
		conds = append(conds, "category = ANY($"+itoa(len(args))+")")
	}
	if len(f.Slugs) > 0 {
		args = append(args, pq.Array(f.Slugs))
		conds = append(conds, "slug = ANY($"+itoa(len(args))+")")
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		args = append(args, "%"+escapeLike(s)+"%")
		conds = append(conds, "(name ILIKE $"+itoa(len(args))+" OR slug ILIKE $"+itoa(len(args))+")")
	}
	if len(conds) == 0 {
		return "TRUE", args
	}
	return strings.Join(conds, " AND "), args
}

// ListSkills returns one page of skills in (category, name, id) order.
// Returns BAD_USER_INPUT for a cursor of another list.
func (s *Store) ListSkills(ctx context.Context, f SkillFilter, p relay.Page) (relay.Window[market.Skill], []string, error) {
	where, args := f.where(nil)
	q := query{args: args}
	q.where(where)
	order, err := skillsByCategory.seek(&q, p)
	if err != nil {
		return relay.Window[market.Skill]{}, nil, err
	}
	sql := `SELECT ` + skillColumns + ` FROM skills WHERE ` + q.clause() + ` ORDER BY ` + order + ` LIMIT ` + q.arg(p.Limit+1)
	var rows []market.Skill
	if err := sqlx.SelectContext(ctx, s.db, &rows, sql, q.args...); err != nil {
		return relay.Window[market.Skill]{}, nil, err
	}
	pg := skillsByCategory.page(rows, p)
	return pg.Window, pg.Cursors, nil
}

// CountSkills counts the skills a filter selects.
func (s *Store) CountSkills(ctx context.Context, f SkillFilter) (int, error) {
	where, args := f.where(nil)
	var n int
	err := sqlx.GetContext(ctx, s.db, &n, `SELECT count(*) FROM skills WHERE `+where, args...)
	return n, err
}

// SkillsByID loads skills by ID for dataloaders; missing IDs are absent from the map.
func (s *Store) SkillsByID(ctx context.Context, ids []int64) (map[int64]*market.Skill, error) {
	const q = `SELECT ` + skillColumns + ` FROM skills WHERE id = ANY($1)`
	var rows []*market.Skill
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]*market.Skill, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// SkillIDsBySlug resolves slugs to skill IDs. An unknown slug is BAD_USER_INPUT naming field.
func (s *Store) SkillIDsBySlug(ctx context.Context, field string, slugs []string) ([]int64, error) {
	if len(slugs) == 0 {
		return nil, nil
	}
	var rows []market.Skill
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT `+skillColumns+` FROM skills WHERE slug = ANY($1)`, pq.Array(slugs)); err != nil {
		return nil, err
	}
	bySlug := make(map[string]int64, len(rows))
	for _, r := range rows {
		bySlug[r.Slug] = r.ID
	}
	ids := make([]int64, 0, len(slugs))
	for _, sl := range slugs {
		id, ok := bySlug[sl]
		if !ok {
			return nil, market.InvalidInput(field, "unknown skill %q", sl)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
