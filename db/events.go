package db

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// Event positions are the ids of gig_events and order_events. Triggers of migration 00006 make
// them visible in commit order (an advisory lock serializes appends until commit) and NOTIFY the
// channels below with the new position, so readers may page through them with `id > $last`
// without ever skipping a row that commits late.
const (
	GigEventsChannel   = "gig_events"
	OrderEventsChannel = "order_events"
)

// OrderEvent is a row to append to an order's event log.
type OrderEvent struct {
	OrderID     int64
	MilestoneID *int64
	Kind        string // an OrderEventKind value: PLACED, ACCEPTED, MILESTONE_FUNDED, …
	ActorID     *int64
}

// AppendOrderEvent appends to the order event log. Call it inside the transaction of the change it
// records, so the event exists exactly when the change does — and call it late in that
// transaction: from here until commit, other appends to the order log wait (that is what keeps
// positions in commit order).
func AppendOrderEvent(ctx context.Context, tx sqlx.ExtContext, e OrderEvent) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO order_events (order_id, milestone_id, kind, actor_id) VALUES ($1, $2, $3, $4)`,
		e.OrderID, e.MilestoneID, e.Kind, e.ActorID)
	return err
}

// AppendGigEvent appends a POSTED event for a new gig to the gig feed. Call it inside the
// transaction that inserts the project, as its last statement: from here until commit, other
// appends to the gig feed wait (that is what keeps positions in commit order).
func AppendGigEvent(ctx context.Context, tx sqlx.ExtContext, projectID int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO gig_events (project_id) VALUES ($1)`, projectID)
	return err
}

// GigEventRow is a gig feed event with the gig it announces and the facts filters match on.
type GigEventRow struct {
	Pos int64 `db:"pos"`
	market.Project
	Slugs pq.StringArray `db:"skill_slugs"`
	Cats  pq.StringArray `db:"skill_categories"`

	// cursor memoizes the encoded cursor: a live event is shared by every subscriber's response.
	cursor atomic.Pointer[string]
	facts  market.GigFacts
}

// GigCursorOrdering names gig feed positions in opaque cursors (relay.EncodeCursor); gigPosted,
// digests and ackGigAlert share it.
const GigCursorOrdering = "gigfeed"

// Cursor returns the event's opaque cursor, encoded once.
func (r *GigEventRow) Cursor() string {
	if c := r.cursor.Load(); c != nil {
		return *c
	}
	c := relay.EncodeCursor(GigCursorOrdering, r.Pos)
	r.cursor.Store(&c)
	return c
}

// Facts returns what a GigCriteria matches on (computed once per row by GigEvents: a live event is
// matched against every subscriber's filter).
func (r *GigEventRow) Facts() market.GigFacts { return r.facts }

func (r *GigEventRow) setFacts() {
	cats := make([]market.SkillCategory, len(r.Cats))
	for i, c := range r.Cats {
		cats[i] = market.SkillCategory(c)
	}
	r.facts = market.GigFacts{Project: &r.Project, Skills: r.Slugs, Categories: cats}
}

const gigEventSelect = `
SELECT e.id AS pos, p.id, p.client_id, p.title, p.description, p.rate_type, p.budget, p.currency,
       p.remote, p.country, p.status, p.created_at, p.updated_at,
       ARRAY(SELECT s.slug FROM project_skills ps JOIN skills s ON s.id = ps.skill_id
              WHERE ps.project_id = p.id ORDER BY s.slug) AS skill_slugs,
       ARRAY(SELECT DISTINCT s.category FROM project_skills ps JOIN skills s ON s.id = ps.skill_id
              WHERE ps.project_id = p.id) AS skill_categories
  FROM gig_events e
  JOIN projects p ON p.id = e.project_id`

// GigEvents returns up to limit gig events after position `after` and at most `upTo` (0: no upper
// bound) that match c (nil: all), in position order.
func (s *Store) GigEvents(ctx context.Context, c *market.GigCriteria, after, upTo int64, limit int) ([]*GigEventRow, error) {
	where, args := gigCriteriaSQL(c, []any{after, upTo, limit})
	q := gigEventSelect + `
 WHERE e.id > $1 AND ($2 = 0 OR e.id <= $2)` + where + `
 ORDER BY e.id
 LIMIT $3`
	var rows []*GigEventRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, args...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		r.setFacts()
	}
	return rows, nil
}

// gigCriteriaSQL compiles c into extra WHERE conditions on projects p, appending its arguments.
// The rules are those of market.GigCriteria.Match.
func gigCriteriaSQL(c *market.GigCriteria, args []any) (string, []any) {
	if c == nil {
		return "", args
	}
	var where string
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	const skillOf = ` FROM project_skills ps JOIN skills s ON s.id = ps.skill_id WHERE ps.project_id = p.id AND `
	if len(c.Skills) > 0 {
		where += ` AND EXISTS (SELECT 1` + skillOf + `s.slug = ANY(` + arg(pq.Array(c.Skills)) + `))`
	}
	if len(c.AllSkills) > 0 {
		where += ` AND (SELECT count(DISTINCT s.slug)` + skillOf + `s.slug = ANY(` + arg(pq.Array(c.AllSkills)) + `)) = ` +
			`(SELECT count(DISTINCT x) FROM unnest(` + arg(pq.Array(c.AllSkills)) + `::text[]) x)`
	}
	if len(c.Categories) > 0 {
		cats := make([]string, len(c.Categories))
		for i, k := range c.Categories {
			cats[i] = string(k)
		}
		where += ` AND EXISTS (SELECT 1` + skillOf + `s.category = ANY(` + arg(pq.Array(cats)) + `))`
	}
	if len(c.Countries) > 0 {
		where += ` AND p.country = ANY(` + arg(pq.Array(c.Countries)) + `)`
	}
	if c.Remote != nil {
		where += ` AND p.remote = ` + arg(*c.Remote)
	}
	if c.RateType != nil {
		where += ` AND p.rate_type = ` + arg(string(*c.RateType))
	}
	if c.MinBudget != nil {
		where += ` AND p.currency = ` + arg(c.MinBudget.Currency) + ` AND p.budget >= ` + arg(c.MinBudget.Minor)
	}
	return where, args
}

// LastGigEvent returns the newest gig event position (0 when the feed is empty).
func (s *Store) LastGigEvent(ctx context.Context) (int64, error) {
	var pos int64
	err := s.db.GetContext(ctx, &pos, `SELECT coalesce(max(id), 0) FROM gig_events`)
	return pos, err
}

// OrderEventRow is an event of an order's log.
type OrderEventRow struct {
	Pos         int64     `db:"id"`
	OrderID     int64     `db:"order_id"`
	MilestoneID *int64    `db:"milestone_id"`
	Kind        string    `db:"kind"`
	ActorID     *int64    `db:"actor_id"`
	CreatedAt   time.Time `db:"created_at"`
}

// OrderEvents returns up to limit order events after position `after` and at most `upTo` (0: no
// upper bound), of one order (orderID 0: of all orders), in position order.
func (s *Store) OrderEvents(ctx context.Context, orderID, after, upTo int64, limit int) ([]*OrderEventRow, error) {
	const q = `
SELECT id, order_id, milestone_id, kind, actor_id, created_at
  FROM order_events
 WHERE id > $1 AND ($2 = 0 OR id <= $2) AND ($4 = 0 OR order_id = $4)
 ORDER BY id
 LIMIT $3`
	var rows []*OrderEventRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, after, upTo, limit, orderID); err != nil {
		return nil, err
	}
	return rows, nil
}

// LastOrderEvent returns the newest order event position (0 when there is none).
func (s *Store) LastOrderEvent(ctx context.Context) (int64, error) {
	var pos int64
	err := s.db.GetContext(ctx, &pos, `SELECT coalesce(max(id), 0) FROM order_events`)
	return pos, err
}

// OrderParticipants returns the users who may follow an order: its client's and its freelancer's.
// Returns NOT_FOUND when the order does not exist.
func (s *Store) OrderParticipants(ctx context.Context, orderID int64) (clientUser, freelancerUser int64, err error) {
	const q = `
SELECT c.user_id, f.user_id
  FROM orders o JOIN clients c ON c.id = o.client_id JOIN freelancers f ON f.id = o.freelancer_id
 WHERE o.id = $1`
	err = s.db.QueryRowContext(ctx, q, orderID).Scan(&clientUser, &freelancerUser)
	return clientUser, freelancerUser, translate(err)
}
