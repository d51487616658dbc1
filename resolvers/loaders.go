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

func newLoaders(store *db.Store) *Loaders {
	opt := dataloadgen.WithWait(loaderWait)
	return &Loaders{
		Skill:            dataloadgen.NewMappedLoader(store.SkillsByID, opt),
		User:             dataloadgen.NewMappedLoader(store.UsersByID, opt),
		Freelancer:       dataloadgen.NewMappedLoader(store.FreelancersByID, opt),
		FreelancerByUser: dataloadgen.NewMappedLoader(store.FreelancersByUserID, opt),
		Client:           dataloadgen.NewMappedLoader(store.ClientsByID, opt),
		ClientByUser:     dataloadgen.NewMappedLoader(store.ClientsByUserID, opt),
		Project:          dataloadgen.NewMappedLoader(store.ProjectsByID, opt),

		FreelancerSkills: dataloadgen.NewMappedLoader(store.FreelancerSkills, opt),
		ProjectSkills:    dataloadgen.NewMappedLoader(store.ProjectSkills, opt),

		ClientProjects:   dataloadgen.NewMappedLoader(store.ClientProjects, opt),
		SkillProjects:    dataloadgen.NewMappedLoader(store.SkillProjects, opt),
		SkillFreelancers: dataloadgen.NewMappedLoader(store.SkillFreelancers, opt),

		CompletedOrders:      dataloadgen.NewMappedLoader(store.CompletedOrderCounts, opt),
		ClientProjectCount:   dataloadgen.NewMappedLoader(store.ClientProjectCounts, opt),
		SkillFreelancerCount: dataloadgen.NewMappedLoader(store.SkillFreelancerCounts, opt),
		SkillProjectCount:    dataloadgen.NewMappedLoader(store.SkillProjectCounts, opt),
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
