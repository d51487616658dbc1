// Package api is the HTTP face of gigraph: it assembles the GraphQL server (transports, caches,
// limits, error presentation), the HTTP protections around it (CORS, rate limits, timeouts), the
// operational endpoints, and lists every route in one place.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gigraph/gigraph/api/ws"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/feed"
	"github.com/gigraph/gigraph/graph"
	"github.com/gigraph/gigraph/metrics"
	"github.com/gigraph/gigraph/resolvers"
)

// Config holds the settings of the HTTP layer. Zero values are replaced by defaults in New; the
// limits cannot be switched off, only changed.
type Config struct {
	// Env is "dev" (GraphiQL, introspection and suggestions on) or "prod" (all off).
	Env string
	// MaxBodyBytes caps a request body; larger bodies get 413.
	MaxBodyBytes int64
	// ParserTokenLimit caps the tokens of one GraphQL document.
	ParserTokenLimit int
	// MaxDepth, MaxAliases, MaxDirectives and MaxCost are the query limits (see Limits).
	MaxDepth, MaxAliases, MaxDirectives, MaxCost int
	// OperationTimeout bounds one query or mutation over HTTP; its context cancels the database
	// statement that is running when it expires.
	OperationTimeout time.Duration
	// RatePerAddress and RatePerToken limit requests per client address and per bearer token.
	// A zero PerSecond means the default, a negative one no limit.
	RatePerAddress, RatePerToken RateLimit
	// TrustedProxies are the proxies whose X-Forwarded-For is believed; empty means the TCP peer
	// is the client.
	TrustedProxies []netip.Prefix
	// AllowedOrigins lists the browser origins allowed by CORS and the WebSocket Origin check
	// ("https://app.example.com"; "*" for any); in dev, any http://localhost or 127.0.0.1 origin
	// is allowed too.
	AllowedOrigins []string
	// SessionTTL is how long a bearer token from register or login works (default 30 days).
	SessionTTL time.Duration
	// PasswordParams are the argon2id costs for new password hashes (default
	// auth.DefaultPasswordParams).
	PasswordParams auth.PasswordParams
	// LoginLimits throttle login attempts (default auth.DefaultLoginLimits).
	LoginLimits auth.LoginLimits
	// ReadyChecks are run by /readyz besides the database ping (the feed adds its listener).
	ReadyChecks []ReadyCheck
	// RateMinFreelancers is the privacy threshold of agreed-rate statistics: groups with fewer
	// distinct freelancers are suppressed (0: resolvers.DefaultRateMinFreelancers).
	RateMinFreelancers int
	// RateMaxGroups refuses rate groupings that may return more groups (0:
	// resolvers.DefaultRateMaxGroups).
	RateMaxGroups int
	// RateMaxRates refuses rate queries answered from the cube or per-item table that would read
	// more rates (0: resolvers.DefaultRateMaxRates).
	RateMaxRates int
	// LoaderWait is how long dataloaders collect keys before they query (default
	// resolvers.DefaultLoaderWait). Tests that count statements raise it so that batching does
	// not depend on how busy the CPU is.
	LoaderWait time.Duration
	// Feed serves subscriptions; the caller starts and stops it. Without one, subscriptions fail
	// and /readyz does not report a listener.
	Feed *feed.Feed
	// WebSocket tunes the WebSocket transport (origins come from AllowedOrigins).
	WebSocket ws.Config
}

// Defaults for Config.
const (
	DefaultMaxBodyBytes     = 100 << 10
	DefaultParserTokenLimit = 5000
	DefaultSessionTTL       = 30 * 24 * time.Hour
	DefaultOperationTimeout = 10 * time.Second
)

func (c *Config) defaults() {
	if c.Env == "" {
		c.Env = "dev"
	}
	setDefault(&c.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&c.ParserTokenLimit, DefaultParserTokenLimit)
	setDefault(&c.MaxDepth, DefaultMaxDepth)
	setDefault(&c.MaxAliases, DefaultMaxAliases)
	setDefault(&c.MaxDirectives, DefaultMaxDirectives)
	setDefault(&c.MaxCost, DefaultMaxCost)
	setDefault(&c.OperationTimeout, DefaultOperationTimeout)
	setDefault(&c.SessionTTL, DefaultSessionTTL)
	if c.RatePerAddress.PerSecond == 0 {
		c.RatePerAddress = DefaultRatePerAddress
	}
	if c.RatePerToken.PerSecond == 0 {
		c.RatePerToken = DefaultRatePerToken
	}
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Dev reports whether developer conveniences are on.
func (c Config) Dev() bool { return c.Env != "prod" }

func (c Config) limits() Limits {
	return Limits{Tokens: c.ParserTokenLimit, Depth: c.MaxDepth, Aliases: c.MaxAliases, Directives: c.MaxDirectives, Cost: c.MaxCost}
}

// ReadyCheck is one dependency /readyz checks; Check returns an error while it is down.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Handler serves every route of the server. Shutdown tells long-lived connections to go away.
type Handler struct {
	http.Handler
	cfg Config

	// closing is cancelled when Shutdown starts; WebSocket requests run under it.
	closing  context.Context
	shutdown context.CancelFunc

	mu     sync.Mutex
	checks []ReadyCheck
}

// New returns the handler with every route of the server.
func New(cfg Config, store *db.Store, log *slog.Logger) *Handler {
	return newHandler(cfg, store, log)
}

// newHandler is New with extra gqlgen extensions, which tests use to inject faults.
func newHandler(cfg Config, store *db.Store, log *slog.Logger, extra ...graphql.HandlerExtension) *Handler {
	cfg.defaults()
	h := &Handler{cfg: cfg}
	h.closing, h.shutdown = context.WithCancel(context.Background())
	h.checks = append([]ReadyCheck{{Name: "database", Check: store.Ping}}, cfg.ReadyChecks...)
	if f := cfg.Feed; f != nil {
		h.checks = append(h.checks, ReadyCheck{Name: "feed", Check: func(context.Context) error { return f.Ready() }})
		metrics.SetFeedLag(func() float64 { return float64(f.GigLag()) })
		metrics.SetSubscriptions(func() float64 { return float64(f.Subscriptions()) })
	}
	metrics.SetDB(store.DB().DB)

	if cfg.WebSocket.Shutdown == nil {
		cfg.WebSocket.Shutdown = h.closing
	}
	gql := newGraphQL(cfg, store, log, extra...)
	rl := &rateLimiter{byAddr: newLimiterSet(cfg.RatePerAddress), byToken: newLimiterSet(cfg.RatePerToken), trusted: cfg.TrustedProxies}

	mux := http.NewServeMux()
	mux.Handle("/graphql", observe(log)(withCORS(cfg, rl.perAddress(h.goingAway(auth.Middleware(store)(rl.perToken(allowMethods(gql))))))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", h.ready)
	mux.Handle("GET /metrics", metrics.Handler())
	if cfg.Dev() {
		ide := graphiQL()
		mux.Handle("GET /{$}", ide)
		mux.Handle("GET /graphiql/", ide)
	}
	h.Handler = withRequestID(mux)
	return h
}

func newGraphQL(cfg Config, store *db.Store, log *slog.Logger, extra ...graphql.HandlerExtension) http.Handler {
	es := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{
		Store:              store,
		Feed:               cfg.Feed,
		RateMinFreelancers: cfg.RateMinFreelancers,
		RateMaxGroups:      cfg.RateMaxGroups,
		RateMaxRates:       cfg.RateMaxRates,
		SessionTTL:         cfg.SessionTTL,
		Passwords:          cfg.PasswordParams,
		Logins:             auth.NewLoginThrottle(cfg.LoginLimits),
	}})
	cache := lru.New[*ast.QueryDocument](1000)
	srv := handler.New(es)
	srv.AddTransport(websocketTransport(cfg, store))
	srv.AddTransport(httpTransport{maxBody: cfg.MaxBodyBytes, timeout: cfg.OperationTimeout})
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(cfg.ParserTokenLimit)
	srv.SetValidationRulesFn(validationRules)
	srv.SetErrorPresenter(presentError(log, cfg.Dev()))
	srv.SetRecoverFunc(recoverPanic(log))
	srv.AroundResponses(resolvers.WithLoaders(store, cfg.LoaderWait))
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	// After APQ, which may fill in the query from its hash.
	srv.Use(limitsExtension{limits: cfg.limits(), schema: es.Schema(), cache: cache, introspection: cfg.Dev()})
	if cfg.Dev() {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	for _, e := range extra {
		srv.Use(e)
	}
	return srv
}

// allowMethods answers methods GraphQL does not use with 405 and an Allow header, and a plain
// OPTIONS with 204 and Allow; CORS preflights never get here (withCORS answers them).
func allowMethods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			w.Header().Set("Content-Type", negotiate(r.Header.Get("Accept"))+"; charset=utf-8")
			writeErrors(w, http.StatusMethodNotAllowed, requestError(CodeMethodNotAllowed, "use POST, or GET for queries"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// AddReadyCheck adds a dependency to /readyz, for parts started after New (the feed listener).
func (h *Handler) AddReadyCheck(name string, check func(ctx context.Context) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks = append(h.checks, ReadyCheck{Name: name, Check: check})
}

// ready answers 200 when every check passes, else 503 naming what is down. While shutting down it
// answers 503 so load balancers stop sending new requests.
func (h *Handler) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	h.mu.Lock()
	checks := append([]ReadyCheck(nil), h.checks...)
	h.mu.Unlock()
	status, body := http.StatusOK, map[string]string{"status": "ready"}
	if h.closing.Err() != nil {
		status, body["status"] = http.StatusServiceUnavailable, "shutting down"
	}
	for _, c := range checks {
		if err := c.Check(ctx); err != nil {
			status, body["status"], body[c.Name] = http.StatusServiceUnavailable, "unavailable", "down"
		} else {
			body[c.Name] = "up"
		}
	}
	writeJSON(w, status, body)
}

// Shutdown starts the handler's part of a graceful shutdown: /readyz turns 503 and every
// WebSocket connection's context is cancelled, so the WebSocket layer closes them with 1001
// (see GoingAway). http.Server.Shutdown does not track hijacked connections, so call this
// before (or together with) it; plain HTTP requests keep running until they finish.
func (h *Handler) Shutdown(context.Context) error {
	h.shutdown()
	return nil
}

type goingAwayKey struct{}

// goingAway runs WebSocket upgrade requests under a context that ends when Shutdown starts.
func (h *Handler) goingAway(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(context.WithValue(r.Context(), goingAwayKey{}, h.closing.Done()))
		defer cancel()
		stop := context.AfterFunc(h.closing, cancel) //nolint:contextcheck // server shutdown, not the request, ends the socket here
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Close codes and reason for a WebSocket closed because the server shuts down.
const (
	CloseGoingAway       = 1001
	CloseGoingAwayReason = "server shutting down; reconnect and resume from your last cursor"
)

// GoingAway returns a channel that is closed when the server starts shutting down, for a
// WebSocket connection accepted with ctx; nil outside one. The WebSocket adapter checks it when
// gqlgen closes a connection and then closes with CloseGoingAway and CloseGoingAwayReason
// instead of gqlgen's 1000, so clients know to resume on another instance.
func GoingAway(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(goingAwayKey{}).(<-chan struct{})
	return ch
}

// WebSocketClose is what the WebSocket adapter's WriteClose sends for a connection accepted with
// ctx: during shutdown CloseGoingAway with CloseGoingAwayReason (gqlgen itself closes a cancelled
// connection with 1000 "terminated"), otherwise code and reason unchanged.
func WebSocketClose(ctx context.Context, code int, reason string) (int, string) {
	if ch := GoingAway(ctx); ch != nil {
		select {
		case <-ch:
			return CloseGoingAway, CloseGoingAwayReason
		default:
		}
	}
	return code, reason
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
