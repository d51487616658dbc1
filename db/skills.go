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

// skillOrdering names the one ordering of skills, (category, name, id); cursors carry it.
const skillOrdering = "skills:category,name"

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
	cmp, dir := ">", "ASC"
	if p.Backward {
		cmp, dir = "<", "DESC"
	}
	if p.Cursor != "" {
		var cat, name string
		var id int64
		if err := relay.DecodeCursor(p.Cursor, skillOrdering, p.CursorField(), &cat, &name, &id); err != nil {
			return relay.Window[market.Skill]{}, nil, err
		}
		args = append(args, cat, name, id)
		n := len(args)
		where += " AND (category, name, id) " + cmp + " ($" + itoa(n-2) + ", $" + itoa(n-1) + ", $" + itoa(n) + ")"
	}
	args = append(args, p.Limit+1)
	q := `SELECT ` + skillColumns + ` FROM skills WHERE ` + where +
		` ORDER BY category ` + dir + `, name ` + dir + `, id ` + dir + ` LIMIT $` + itoa(len(args))
	var rows []market.Skill
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, args...); err != nil {
		return relay.Window[market.Skill]{}, nil, err
	}
	w := relay.Trim(rows, p)
	cursors := make([]string, len(w.Rows))
	for i, r := range w.Rows {
		cursors[i] = relay.EncodeCursor(skillOrdering, r.Category, r.Name, r.ID)
	}
	return w, cursors, nil
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
