package resolvers

import (
	"context"
	"errors"
	"sync"

	"github.com/gigraph/gigraph/graph/model"
	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// The type names inside global IDs. They are part of the IDs clients store, so they never change.
const (
	typeSkill      = "Skill"
	typeUser       = "User"
	typeFreelancer = "Freelancer"
	typeClient     = "Client"
	typeProject    = "Project"
	typeOrder      = "Order"
	typeMilestone  = "Milestone"
	typeLedger     = "LedgerEntry"
	typeGigAlert   = "GigAlert"
)

// pageInfo builds the PageInfo of a page whose edges have the given cursors.
func pageInfo(hasNext, hasPrev bool, cursors []string) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: hasNext, HasPreviousPage: hasPrev}
	if len(cursors) > 0 {
		pi.StartCursor, pi.EndCursor = &cursors[0], &cursors[len(cursors)-1]
	}
	return pi
}

// nodeLoaders resolves a global ID's key to its object, per type. A type is added here when its
// resolvers exist; each loader applies the viewer's access policy, returning NOT_FOUND for objects
// the viewer may not see.
func (r *Resolver) loadNode(ctx context.Context, id string) (relay.Node, error) {
	typ, key, ok := relay.ParseID(id)
	if !ok {
		return nil, nil
	}
	var (
		node relay.Node
		err  error
	)
	switch typ {
	case typeSkill:
		node, err = load(ctx, loaders(ctx).Skill, key)
	case typeOrder, typeMilestone, typeLedger:
		node, err = r.loadOrderNode(ctx, typ, key)
	case typeUser:
		node, err = load(ctx, loaders(ctx).User, key)
	case typeFreelancer:
		node, err = load(ctx, loaders(ctx).Freelancer, key)
	case typeClient:
		node, err = load(ctx, loaders(ctx).Client, key)
	case typeProject:
		node, err = load(ctx, loaders(ctx).Project, key)
	case typeGigAlert:
		node, err = r.readableGigAlert(ctx, key)
	default:
		return nil, nil
	}
	if market.ErrorCode(err) == market.CodeNotFound {
		return nil, nil
	}
	return node, err
}

// loadNodes loads several global IDs at once: every ID is requested from its loader before any
// is awaited, so IDs of one type cost one statement together.
func (r *Resolver) loadNodes(ctx context.Context, ids []string) ([]relay.Node, error) {
	out := make([]relay.Node, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { out[i], errs[i] = r.loadNode(ctx, id) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
