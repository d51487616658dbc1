package resolvers

import (
	"context"
	"errors"
	"slices"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/feed"
	"github.com/gigraph/gigraph/graph/model"
	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
	"github.com/gigraph/gigraph/stream"
)

// Cursor orderings of the event logs. Gig cursors are shared by gigPosted, digests and
// ackGigAlert: a position is a position.
const (
	gigCursorOrdering   = db.GigCursorOrdering
	orderCursorOrdering = "orderfeed"
)

func gigCursor(pos int64) string   { return relay.EncodeCursor(gigCursorOrdering, pos) }
func orderCursor(pos int64) string { return relay.EncodeCursor(orderCursorOrdering, pos) }

func decodeGigCursor(s, field string) (int64, error) {
	var pos int64
	if err := relay.DecodeCursor(s, gigCursorOrdering, field, &pos); err != nil {
		return 0, err
	}
	if pos < 0 {
		return 0, market.InvalidInput(field, "%s is not a valid cursor", field)
	}
	return pos, nil
}

func decodeOrderCursor(s, field string) (int64, error) {
	var pos int64
	if err := relay.DecodeCursor(s, orderCursorOrdering, field, &pos); err != nil {
		return 0, err
	}
	if pos < 0 {
		return 0, market.InvalidInput(field, "%s is not a valid cursor", field)
	}
	return pos, nil
}

// gigCriteria validates a GigFilter and turns it into criteria. Unknown skills, malformed
// countries and bad money are BAD_USER_INPUT naming the field under prefix.
func (r *Resolver) gigCriteria(ctx context.Context, f *model.GigFilter, prefix string) (market.GigCriteria, error) {
	var c market.GigCriteria
	if f == nil {
		return c, nil
	}
	for name, l := range map[string]int{"skills": len(f.Skills), "allSkills": len(f.AllSkills), "categories": len(f.Categories), "countries": len(f.Countries)} {
		if l > maxFilterItems {
			return c, market.InvalidInput(prefix+"."+name, "at most %d items", maxFilterItems)
		}
	}
	dedup := func(s []string) []string {
		s = slices.Clone(s)
		slices.Sort(s)
		return slices.Compact(s)
	}
	c.Skills, c.AllSkills, c.Countries = dedup(f.Skills), dedup(f.AllSkills), dedup(f.Countries)
	if _, err := r.Store.SkillIDsBySlug(ctx, prefix+".skills", c.Skills); err != nil {
		return c, err
	}
	if _, err := r.Store.SkillIDsBySlug(ctx, prefix+".allSkills", c.AllSkills); err != nil {
		return c, err
	}
	for _, k := range f.Categories {
		if !slices.Contains(c.Categories, k) {
			c.Categories = append(c.Categories, k)
		}
	}
	var err error
	if c.Countries, err = countries(prefix+".countries", c.Countries); err != nil {
		return c, err
	}
	c.Remote, c.RateType = f.Remote, f.RateType
	if f.MinBudget != nil {
		m, err := market.ParseMoney(f.MinBudget.Amount, f.MinBudget.Currency)
		if err != nil {
			return c, market.InvalidInput(prefix+".minBudget", "%v", err)
		}
		c.MinBudget = &m
	}
	return c, nil
}

// nilIfEmpty keeps an empty criteria out of the hot path: no filter means no matching work.
func nilIfEmpty(c market.GigCriteria) *market.GigCriteria {
	if len(c.Skills)+len(c.AllSkills)+len(c.Categories)+len(c.Countries) == 0 && c.Remote == nil && c.RateType == nil && c.MinBudget == nil {
		return nil
	}
	return &c
}

// closedReason tells a subscriber why the server ended its subscription, with the cursor to resume
// from (extensions.resumeAfter). It becomes the operation's error message on graphql-transport-ws.
// Legacy graphql-ws sockets (served by gqlgen's transport) only see the operation complete:
// gqlgen's AddSubscriptionError races with its own clean-up when the socket closes at the same
// time, and the legacy protocol has no error-then-end message for it anyway.
func closedReason(ctx context.Context, reason error, cursor string) {
	code, why := market.CodeInternal, "SHUTDOWN"
	switch {
	case errors.Is(reason, feed.ErrTooSlow):
		code, why = market.CodeRateLimited, "SLOW_CONSUMER"
	case errors.Is(reason, feed.ErrReplay):
		why = "REPLAY_FAILED"
	}
	err := &gqlerror.Error{
		Message:    reason.Error(),
		Extensions: map[string]any{"code": string(code), "reason": why, "resumeAfter": cursor},
	}
	stream.Fail(ctx, err)
}

// feedUnavailable is returned when the server runs without a feed.
var feedUnavailable = market.Errorf(market.CodeInternal, "subscriptions are not available on this server")

func gigEventEdges(rows []*db.GigEventRow) []*model.GigEventEdge {
	edges := make([]*model.GigEventEdge, len(rows))
	for i, row := range rows {
		edges[i] = &model.GigEventEdge{Cursor: gigCursor(row.Pos), Node: row}
	}
	return edges
}

// relayed hands a hub subscription's channel to gqlgen, through the transport's stream hook when
// one drives the operation (see package stream). A failure caused by the client ending the
// operation (complete) while it was being set up is not an error: the subscription just ends.
func relayed[E any](ctx context.Context, pos func(E) int64) func(<-chan E, error) (<-chan E, error) {
	return func(ch <-chan E, err error) (<-chan E, error) {
		if err != nil {
			if ctx.Err() != nil {
				done := make(chan E)
				close(done)
				return done, nil
			}
			return nil, err
		}
		return stream.Relay(ctx, ch, pos), nil
	}
}

func gigEventPos(e *db.GigEventRow) int64     { return e.Pos }
func orderEventPos(e *db.OrderEventRow) int64 { return e.Pos }
