package resolvers

import (
	"context"
	"errors"
	"sync"
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
}

func newLoaders(store *db.Store) *Loaders {
	opt := dataloadgen.WithWait(loaderWait)
	return &Loaders{
		Skill: dataloadgen.NewMappedLoader(store.SkillsByID, opt),
	}
}

type loadersKey struct{}

// lazyLoaders makes a response's loaders on first use: a subscription event is a response of its
// own for every subscriber, and most events need no loader at all.
type lazyLoaders struct {
	once  sync.Once
	store *db.Store
	l     *Loaders
}

// WithLoaders is a gqlgen response middleware (srv.AroundResponses) that gives each response fresh
// loaders.
func WithLoaders(store *db.Store) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(context.WithValue(ctx, loadersKey{}, &lazyLoaders{store: store}))
	}
}

func loaders(ctx context.Context) *Loaders {
	lz, ok := ctx.Value(loadersKey{}).(*lazyLoaders)
	if !ok {
		panic("resolvers: no loaders in context; register WithLoaders with srv.AroundResponses")
	}
	lz.once.Do(func() { lz.l = newLoaders(lz.store) })
	return lz.l
}

// load reads one key through a loader; a key the store did not return is NOT_FOUND.
func load[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], key K) (V, error) {
	v, err := l.Load(ctx, key)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return v, market.ErrNotFound
	}
	return v, err
}
