package db

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
)

// projectWriteColumns are the columns of market.Project, for the write paths of this file.
const projectWriteColumns = `id, client_id, title, description, rate_type, budget, currency, remote, country, status, created_at, updated_at`

// NewProject is a gig to post; the caller has validated its fields.
type NewProject struct {
	ClientID    int64
	Title       string
	Description string
	Skills      []string // slugs
	RateType    market.RateType
	Budget      market.Money
	Remote      bool
	Country     *string
}

// PostProject inserts a gig with its skills and appends its POSTED event to the gig feed, all in
// one transaction. An unknown skill slug is BAD_USER_INPUT on `input.skills[i]`.
func (s *Store) PostProject(ctx context.Context, p NewProject) (*market.Project, error) {
	const q = `INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote, country)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ` + projectWriteColumns
	var out market.Project
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		ids, err := skillIDs(ctx, tx, p.Skills, "input.skills[%d]")
		if err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, q, p.ClientID, p.Title, p.Description, p.RateType,
			p.Budget.Minor, p.Budget.Currency, p.Remote, p.Country); err != nil {
			return translate(err)
		}
		if err := setProjectSkills(ctx, tx, out.ID, ids); err != nil {
			return err
		}
		return AppendGigEvent(ctx, tx, out.ID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func setProjectSkills(ctx context.Context, tx *sqlx.Tx, projectID int64, skillIDs []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM project_skills WHERE project_id = $1`, projectID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO project_skills (project_id, skill_id)
		SELECT $1::bigint, s FROM unnest($2::bigint[]) AS s ON CONFLICT DO NOTHING`, projectID, pq.Array(skillIDs))
	return translate(err)
}

// ProjectChanges are the fields of a gig to change; nil fields stay as they are.
type ProjectChanges struct {
	Title       *string
	Description *string
	Skills      []string // nil keeps the skills; slugs replace them as a whole
	Budget      *market.Money
	Remote      *bool
	Country     *string
}

// lockProject reads a gig and locks its row for the rest of the transaction.
func lockProject(ctx context.Context, tx *sqlx.Tx, id int64) (*market.Project, error) {
	var p market.Project
	if err := tx.GetContext(ctx, &p, `SELECT `+projectWriteColumns+` FROM projects WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, translate(err)
	}
	return &p, nil
}

// notOpen is the CONFLICT for a change to a gig that is no longer OPEN.
func notOpen(p *market.Project) error {
	return market.Errorf(market.CodeConflict, "only OPEN gigs can change; this one is %s", p.Status).
		With("status", string(p.Status))
}

// UpdateProject changes an OPEN gig. The row is locked first and handed to authorize, which
// decides whether the caller may change it; its error is returned as it is. Returns NOT_FOUND for
// an unknown gig and CONFLICT (extensions.status) when the gig is not OPEN.
func (s *Store) UpdateProject(ctx context.Context, id int64, c ProjectChanges, authorize func(*market.Project) error) (*market.Project, error) {
	const q = `UPDATE projects SET title = $2, description = $3, budget = $4, currency = $5, remote = $6, country = $7,
		updated_at = now() WHERE id = $1 RETURNING ` + projectWriteColumns
	var out market.Project
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		p, err := lockOpenProject(ctx, tx, id, authorize)
		if err != nil {
			return err
		}
		if c.Title != nil {
			p.Title = *c.Title
		}
		if c.Description != nil {
			p.Description = *c.Description
		}
		if c.Budget != nil {
			p.BudgetMinor, p.Currency = c.Budget.Minor, c.Budget.Currency
		}
		if c.Remote != nil {
			p.Remote = *c.Remote
		}
		if c.Country != nil {
			p.Country = c.Country
		}
		if !p.Remote && p.Country == nil {
			return market.InvalidInput("input.country", "an on-site gig needs a country")
		}
		if c.Skills != nil {
			ids, err := skillIDs(ctx, tx, c.Skills, "input.skills[%d]")
			if err != nil {
				return err
			}
			if err := setProjectSkills(ctx, tx, id, ids); err != nil {
				return err
			}
		}
		return translate(tx.GetContext(ctx, &out, q, id, p.Title, p.Description, p.BudgetMinor, p.Currency, p.Remote, p.Country))
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// lockOpenProject locks a gig for a change by its owner: NOT_FOUND for an unknown gig, authorize's
// error for a caller who may not change it, CONFLICT (extensions.status) when it is not OPEN.
func lockOpenProject(ctx context.Context, tx *sqlx.Tx, id int64, authorize func(*market.Project) error) (*market.Project, error) {
	p, err := lockProject(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := authorize(p); err != nil {
		return nil, err
	}
	if p.Status != market.ProjectOpen {
		return nil, notOpen(p)
	}
	return p, nil
}

// CloseProject cancels an OPEN gig and, in the same transaction, every PROPOSED order on it (with
// a CANCELLED order event by actorID). authorize works as for UpdateProject. Returns NOT_FOUND for
// an unknown gig and CONFLICT (extensions.status) when the gig is not OPEN.
func (s *Store) CloseProject(ctx context.Context, id, actorID int64, authorize func(*market.Project) error) (*market.Project, error) {
	var out market.Project
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := lockOpenProject(ctx, tx, id, authorize); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `UPDATE projects SET status = 'CANCELLED', updated_at = now()
			WHERE id = $1 RETURNING `+projectWriteColumns, id); err != nil {
			return translate(err)
		}
		var cancelled []int64
		if err := tx.SelectContext(ctx, &cancelled, `UPDATE orders SET status = 'CANCELLED', updated_at = now()
			WHERE project_id = $1 AND status = 'PROPOSED' RETURNING id`, id); err != nil {
			return err
		}
		for _, orderID := range cancelled {
			if err := AppendOrderEvent(ctx, tx, OrderEvent{OrderID: orderID, Kind: string(market.OrderCancelled), ActorID: &actorID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
