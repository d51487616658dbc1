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

// DefaultLoaderWait is how long a loader collects keys before it queries. The library default
// (16 ms) would add that much latency to every nesting level; a millisecond is plenty for the
// resolvers of one level to enqueue their keys on an idle machine. On a saturated CPU a batch may
// be cut in two, which costs a statement, never a wrong answer.
const DefaultLoaderWait = time.Millisecond

// Loaders batch the reads of one GraphQL response. A new set is made for every response
// (see WithLoaders), so a subscription event never sees rows cached for an earlier one.
type Loaders struct {
	Skill            *dataloadgen.Loader[int64, *market.Skill]
	User             *dataloadgen.Loader[int64, *market.User]
	Freelancer       *dataloadgen.Loader[int64, *market.Freelancer]
	FreelancerByUser *dataloadgen.Loader[int64, *market.Freelancer]
	Client           *dataloadgen.Loader[int64, *market.Client]
	ClientByUser     *dataloadgen.Loader[int64, *market.Client]
	Project          *dataloadgen.Loader[int64, *market.Project]

	FreelancerSkills *dataloadgen.Loader[int64, []*market.FreelancerSkill]
	ProjectSkills    *dataloadgen.Loader[int64, []*market.Skill]

	// Nested connections: one statement per level of a query, whatever the number of parents.
	ClientProjects   *dataloadgen.Loader[db.ListKey, *db.Page[market.Project]]
	SkillProjects    *dataloadgen.Loader[db.ListKey, *db.Page[market.Project]]
	SkillFreelancers *dataloadgen.Loader[db.ListKey, *db.Page[market.Freelancer]]

	// Public aggregates and nested totalCounts.
	CompletedOrders      *dataloadgen.Loader[int64, int]
	ClientProjectCount   *dataloadgen.Loader[db.CountKey, int]
	SkillFreelancerCount *dataloadgen.Loader[int64, int]
	SkillProjectCount    *dataloadgen.Loader[int64, int]
}

func newLoaders(store *db.Store, wait time.Duration) *Loaders {
	opt := loaderOptions(wait)
	return &Loaders{
		Skill:            dataloadgen.NewMappedLoader(unique(store.SkillsByID), opt...),
		User:             dataloadgen.NewMappedLoader(unique(store.UsersByID), opt...),
		Freelancer:       dataloadgen.NewMappedLoader(unique(store.FreelancersByID), opt...),
		FreelancerByUser: dataloadgen.NewMappedLoader(unique(store.FreelancersByUserID), opt...),
		Client:           dataloadgen.NewMappedLoader(unique(store.ClientsByID), opt...),
		ClientByUser:     dataloadgen.NewMappedLoader(unique(store.ClientsByUserID), opt...),
		Project:          dataloadgen.NewMappedLoader(unique(store.ProjectsByID), opt...),

		FreelancerSkills: dataloadgen.NewMappedLoader(unique(store.FreelancerSkills), opt...),
		ProjectSkills:    dataloadgen.NewMappedLoader(unique(store.ProjectSkills), opt...),

		ClientProjects:   dataloadgen.NewMappedLoader(unique(store.ClientProjects), opt...),
		SkillProjects:    dataloadgen.NewMappedLoader(unique(store.SkillProjects), opt...),
		SkillFreelancers: dataloadgen.NewMappedLoader(unique(store.SkillFreelancers), opt...),

		CompletedOrders:      dataloadgen.NewMappedLoader(unique(store.CompletedOrderCounts), opt...),
		ClientProjectCount:   dataloadgen.NewMappedLoader(unique(store.ClientProjectCounts), opt...),
		SkillFreelancerCount: dataloadgen.NewMappedLoader(unique(store.SkillFreelancerCounts), opt...),
		SkillProjectCount:    dataloadgen.NewMappedLoader(unique(store.SkillProjectCounts), opt...),
	}
}

// loaderOptions batch without a cache. With a cache, a key seen at an earlier level of the query
// resolves at once, so its branch runs ahead of its siblings and starts the next level's batch
// alone: the next level then costs two statements instead of one, and the statement count of a
// query would depend on which rows repeat. Without it, each level costs one statement per relation
// whatever the data; a row that repeats across levels is read again within its level's statement.
func loaderOptions(wait time.Duration) []dataloadgen.Option {
	return []dataloadgen.Option{dataloadgen.WithWait(wait), dataloadgen.WithoutCache()}
}

// unique passes each key of a batch to the store once: without a cache a batch holds a key as
// often as it was asked for (the same client behind many gigs).
func unique[K comparable, V any](fetch func(context.Context, []K) (map[K]V, error)) func(context.Context, []K) (map[K]V, error) {
	return func(ctx context.Context, keys []K) (map[K]V, error) {
		seen := make(map[K]struct{}, len(keys))
		distinct := make([]K, 0, len(keys))
		for _, k := range keys {
			if _, ok := seen[k]; !ok {
				seen[k] = struct{}{}
				distinct = append(distinct, k)
			}
		}
		return fetch(ctx, distinct)
	}
}

type loadersKey struct{}

// lazyLoaders makes a response's loaders on first use: a subscription event is a response of its
// own for every subscriber, and most events need no loader at all.
type lazyLoaders struct {
	once  sync.Once
	store *db.Store
	wait  time.Duration
	l     *Loaders
}

// WithLoaders is a gqlgen response middleware (srv.AroundResponses) that gives each response fresh
// loaders, which wait the given time for keys (DefaultLoaderWait when zero).
func WithLoaders(store *db.Store, wait time.Duration) graphql.ResponseMiddleware {
	if wait <= 0 {
		wait = DefaultLoaderWait
	}
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(context.WithValue(ctx, loadersKey{}, &lazyLoaders{store: store, wait: wait}))
	}
}

func loaders(ctx context.Context) *Loaders {
	lz, ok := ctx.Value(loadersKey{}).(*lazyLoaders)
	if !ok {
		panic("resolvers: no loaders in context; register WithLoaders with srv.AroundResponses")
	}
	lz.once.Do(func() { lz.l = newLoaders(lz.store, lz.wait) })
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

// loadOptional reads one key whose absence is normal (a user without a freelancer profile):
// missing gives the zero value and no error.
func loadOptional[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], key K) (V, error) {
	v, err := l.Load(ctx, key)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		var zero V
		return zero, nil
	}
	return v, err
}
