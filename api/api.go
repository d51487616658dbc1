// Package api is the HTTP face of gigraph: it assembles the GraphQL server (transports, caches,
// limits, error presentation) and lists every route in one place.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/graph"
	"github.com/gigraph/gigraph/resolvers"
)

// Config holds the settings of the HTTP layer. Zero values are replaced by defaults in New.
type Config struct {
	// Env is "dev" (GraphiQL, introspection and suggestions on) or "prod" (all off).
	Env string
	// MaxBodyBytes caps a request body; larger bodies get 413.
	MaxBodyBytes int64
	// ParserTokenLimit caps the tokens of one GraphQL document.
	ParserTokenLimit int
	// AllowedOrigins lists the browser origins allowed by CORS and the WebSocket Origin check
	// ("https://app.example.com"); in dev, any http://localhost or 127.0.0.1 origin is allowed too.
	AllowedOrigins []string
	// SessionTTL is how long a bearer token from register or login works (default 30 days).
	SessionTTL time.Duration
	// PasswordParams are the argon2id costs for new password hashes (default
	// auth.DefaultPasswordParams).
	PasswordParams auth.PasswordParams
	// LoginLimits throttle login attempts (default auth.DefaultLoginLimits).
	LoginLimits auth.LoginLimits
}

// Defaults for Config.
const (
	DefaultMaxBodyBytes     = 100 << 10
	DefaultParserTokenLimit = 5000
	DefaultSessionTTL       = 30 * 24 * time.Hour
)

func (c *Config) defaults() {
	if c.Env == "" {
		c.Env = "dev"
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.ParserTokenLimit == 0 {
		c.ParserTokenLimit = DefaultParserTokenLimit
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = DefaultSessionTTL
	}
}

// Dev reports whether developer conveniences are on.
func (c Config) Dev() bool { return c.Env != "prod" }

// New returns the handler with every route of the server.
func New(cfg Config, store *db.Store, log *slog.Logger) http.Handler {
	cfg.defaults()
	gql := newGraphQL(cfg, store, log)

	mux := http.NewServeMux()
	mux.Handle("/graphql", auth.Middleware(store)(http.MaxBytesHandler(gql, cfg.MaxBodyBytes)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "down"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": "up"})
	})
	if cfg.Dev() {
		mux.Handle("GET /{$}", graphiQL())
	}
	return withRequestID(mux)
}

func newGraphQL(cfg Config, store *db.Store, log *slog.Logger) http.Handler {
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{
		Store:      store,
		SessionTTL: cfg.SessionTTL,
		Passwords:  cfg.PasswordParams,
		Logins:     auth.NewLoginThrottle(cfg.LoginLimits),
	}}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(cfg.ParserTokenLimit)
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(recoverPanic(log))
	srv.AroundResponses(resolvers.WithLoaders(store))
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	if cfg.Dev() {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	return srv
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
