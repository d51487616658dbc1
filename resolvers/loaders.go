package resolvers

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/market"
)

// loaderWait is how long a loader collects keys before it queries. The library default (16 ms)
// would add that much latency to every nesting level; a millisecond is plenty for the resolvers of
// one level to enqueue their keys.
const loaderWait = time.Millisecond

// Loaders batch and cache the reads of one GraphQL response. A new set is made for every response
// (see WithLoaders), so a subscription event never sees rows cached for an earlier one.
type Loaders struct {
	Skill *dataloadgen.Loader[int64, *market.Skill]

	Project    *dataloadgen.Loader[int64, *market.Project]
	Client     *dataloadgen.Loader[int64, *market.Client]
	Freelancer *dataloadgen.Loader[int64, *market.Freelancer]

	Order           *dataloadgen.Loader[int64, *market.Order]
	Milestone       *dataloadgen.Loader[int64, *market.Milestone]
	OrderMilestones *dataloadgen.Loader[int64, []*market.Milestone]
	LedgerEntry     *dataloadgen.Loader[int64, *market.LedgerEntry]
}

func newLoaders(store *db.Store) *Loaders {
	opt := dataloadgen.WithWait(loaderWait)
	return &Loaders{
		Skill: dataloadgen.NewMappedLoader(store.SkillsByID, opt),

		Project:    dataloadgen.NewMappedLoader(store.ProjectsByID, opt),
		Client:     dataloadgen.NewMappedLoader(store.ClientsByID, opt),
		Freelancer: dataloadgen.NewMappedLoader(store.FreelancersByID, opt),

		Order:           dataloadgen.NewMappedLoader(store.OrdersByID, opt),
		Milestone:       dataloadgen.NewMappedLoader(store.MilestonesByID, opt),
		OrderMilestones: dataloadgen.NewMappedLoader(store.MilestonesByOrderID, opt),
		LedgerEntry:     dataloadgen.NewMappedLoader(store.LedgerEntriesByID, opt),
	}
}

type loadersKey struct{}

// WithLoaders is a gqlgen response middleware (srv.AroundResponses) that gives each response fresh
// loaders.
func WithLoaders(store *db.Store) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(context.WithValue(ctx, loadersKey{}, newLoaders(store)))
	}
}

func loaders(ctx context.Context) *Loaders {
	l, ok := ctx.Value(loadersKey{}).(*Loaders)
	if !ok {
		panic("resolvers: no loaders in context; register WithLoaders with srv.AroundResponses")
	}
	return l
}

// load reads one key through a loader; a key the store did not return is NOT_FOUND.
func load[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], key K) (V, error) {
	v, err := l.Load(ctx, key)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return v, market.ErrNotFound
	}
	return v, err
}
