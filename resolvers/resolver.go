// Package resolvers implements the GraphQL schema: thin resolvers that read the viewer from the
// context, ask the access policy, load rows through per-response dataloaders and map them to the
// API's types. No SQL lives here.
package resolvers

import (
	"time"

	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/feed"
)

// Resolver is the root resolver; it holds the dependencies every resolver shares.
type Resolver struct {
	Store *db.Store
	// RateMinFreelancers is the privacy threshold of agreed-rate statistics (0: the default, 5).
	RateMinFreelancers int
	// RateMaxGroups bounds the groups of one rateStats answer (0: DefaultRateMaxGroups).
	RateMaxGroups int
	// RateMaxRates bounds the rates one rateStats answer reads from the cube or the per-item
	// table (0: DefaultRateMaxRates).
	RateMaxRates int
	// Feed serves the subscriptions; nil when the server runs without one.
	Feed *feed.Feed
	// SessionTTL is the lifetime of the tokens register and login issue.
	SessionTTL time.Duration
	// Passwords are the argon2id costs of new password hashes; zero means the defaults.
	Passwords auth.PasswordParams
	// Logins throttles login attempts; nil means the default limits.
	Logins *auth.LoginThrottle
}
