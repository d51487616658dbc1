// Command gigraph is the GraphQL API server of a freelance marketplace for back-end developers.
//
//	gigraph [flags]            serve the API (the default)
//	gigraph migrate [flags]    apply database migrations and exit
//	gigraph seed [flags]       fill the database with demo data
//	gigraph postgres -- CMD    run CMD with an embedded PostgreSQL (DATABASE_URL and
//	                           TEST_DATABASE_URL set for it), then stop the cluster
//
// Every flag has an environment variable; `gigraph --help` lists them with their defaults.
package main

//go:generate go tool gqlgen generate --config gqlgen.yml

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/pgembed"
	"github.com/gigraph/gigraph/feed"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gigraph:", err)
		}
		os.Exit(1)
	}
}

// config is every setting of the server, from flags that default to environment variables.
type config struct {
	addr             string
	databaseURL      string
	env              string
	pgDataDir        string
	pgBinDir         string
	logFormat        string
	maxBodyBytes     int64
	parserTokens     int
	dbMaxConns       int
	statementTimeout time.Duration
	lockTimeout      time.Duration
	shutdownTimeout  time.Duration
	sessionTTL       time.Duration
	seedOnEmpty      bool
	maxDepth         int
	maxAliases       int
	maxDirectives    int
	maxCost          int
	opTimeout        time.Duration
	ratePerAddress   api.RateLimit
	ratePerToken     api.RateLimit
	trustedProxies   []netip.Prefix
	allowedOrigins   []string
	rateMinPeople    int
}

// setting describes one flag and its environment variable for --help.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (*config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	addrDefault := ":8080"
	if p := getenv("PORT"); p != "" {
		addrDefault = ":" + p
	}
	c := &config{}
	var errs []error
	durationVar := func(p *time.Duration, flagName, key string, def time.Duration, usage string) {
		d := def
		if v := getenv(key); v != "" {
			var err error
			if d, err = time.ParseDuration(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
			}
		}
		fs.DurationVar(p, flagName, d, usage+" ($"+key+")")
	}
	intVar := func(p *int, flagName, key string, def int, usage string) {
		n := def
		if v := getenv(key); v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
			}
		}
		fs.IntVar(p, flagName, n, usage+" ($"+key+")")
	}
	fs.StringVar(&c.addr, "addr", env("ADDR", addrDefault), "listen address ($ADDR, or :$PORT)")
	fs.StringVar(&c.databaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; empty starts an embedded PostgreSQL ($DATABASE_URL)")
	fs.StringVar(&c.env, "env", env("GIGRAPH_ENV", "dev"), "dev (GraphiQL, introspection, suggestions) or prod ($GIGRAPH_ENV)")
	fs.StringVar(&c.pgDataDir, "pg-data-dir", env("GIGRAPH_PG_DATA_DIR", ".data/postgres"), "data directory of the embedded PostgreSQL ($GIGRAPH_PG_DATA_DIR)")
	fs.StringVar(&c.pgBinDir, "pg-bin-dir", env("GIGRAPH_PG_BIN_DIR", ""), "directory with initdb and postgres; empty searches PATH and /usr/lib/postgresql ($GIGRAPH_PG_BIN_DIR)")
	fs.StringVar(&c.logFormat, "log-format", env("GIGRAPH_LOG_FORMAT", ""), "text or json; default json in prod, text in dev ($GIGRAPH_LOG_FORMAT)")
	var maxBody int
	intVar(&maxBody, "max-body-bytes", "GIGRAPH_MAX_BODY_BYTES", api.DefaultMaxBodyBytes, "largest accepted request body in bytes")
	intVar(&c.parserTokens, "max-tokens", "GIGRAPH_MAX_TOKENS", api.DefaultParserTokenLimit, "largest GraphQL document in tokens")
	intVar(&c.dbMaxConns, "db-max-conns", "GIGRAPH_DB_MAX_CONNS", db.DefaultOptions.MaxOpenConns, "database connection pool size")
	intVar(&c.rateMinPeople, "rate-min-freelancers", "GIGRAPH_RATE_MIN_FREELANCERS", 5, "privacy threshold: agreed-rate groups with fewer distinct freelancers are suppressed")
	durationVar(&c.statementTimeout, "statement-timeout", "GIGRAPH_STATEMENT_TIMEOUT", db.DefaultOptions.StatementTimeout, "PostgreSQL statement_timeout")
	durationVar(&c.lockTimeout, "lock-timeout", "GIGRAPH_LOCK_TIMEOUT", db.DefaultOptions.LockTimeout, "PostgreSQL lock_timeout")
	durationVar(&c.sessionTTL, "session-ttl", "GIGRAPH_SESSION_TTL", api.DefaultSessionTTL, "how long a login token works")
	durationVar(&c.shutdownTimeout, "shutdown-timeout", "GIGRAPH_SHUTDOWN_TIMEOUT", 20*time.Second, "how long in-flight requests may finish on shutdown")
	intVar(&c.maxDepth, "max-depth", "GIGRAPH_MAX_DEPTH", api.DefaultMaxDepth, "deepest field nesting of a query")
	intVar(&c.maxAliases, "max-aliases", "GIGRAPH_MAX_ALIASES", api.DefaultMaxAliases, "most aliases in one document")
	intVar(&c.maxDirectives, "max-directives", "GIGRAPH_MAX_DIRECTIVES", api.DefaultMaxDirectives, "most directives on one field")
	intVar(&c.maxCost, "max-cost", "GIGRAPH_MAX_COST", api.DefaultMaxCost, "highest query cost (fields, times first/last under connections)")
	durationVar(&c.opTimeout, "operation-timeout", "GIGRAPH_OPERATION_TIMEOUT", api.DefaultOperationTimeout, "longest a query or mutation over HTTP may run")
	floatVar := func(p *float64, flagName, key string, def float64, usage string) {
		n := def
		if v := getenv(key); v != "" {
			var err error
			if n, err = strconv.ParseFloat(v, 64); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
			}
		}
		fs.Float64Var(p, flagName, n, usage+" ($"+key+")")
	}
	floatVar(&c.ratePerAddress.PerSecond, "rate-per-address", "GIGRAPH_RATE_PER_ADDRESS", api.DefaultRatePerAddress.PerSecond, "requests per second per client address; negative disables")
	intVar(&c.ratePerAddress.Burst, "burst-per-address", "GIGRAPH_BURST_PER_ADDRESS", api.DefaultRatePerAddress.Burst, "request burst per client address")
	floatVar(&c.ratePerToken.PerSecond, "rate-per-token", "GIGRAPH_RATE_PER_TOKEN", api.DefaultRatePerToken.PerSecond, "requests per second per bearer token; negative disables")
	intVar(&c.ratePerToken.Burst, "burst-per-token", "GIGRAPH_BURST_PER_TOKEN", api.DefaultRatePerToken.Burst, "request burst per bearer token")
	var proxies, origins string
	fs.StringVar(&proxies, "trusted-proxies", env("GIGRAPH_TRUSTED_PROXIES", ""), "comma-separated CIDRs of proxies whose X-Forwarded-For is believed ($GIGRAPH_TRUSTED_PROXIES)")
	fs.StringVar(&origins, "allowed-origins", env("GIGRAPH_ALLOWED_ORIGINS", ""), "comma-separated browser origins allowed by CORS and WebSocket; dev also allows localhost ($GIGRAPH_ALLOWED_ORIGINS)")
	fs.BoolVar(&c.seedOnEmpty, "seed-on-empty", env("GIGRAPH_SEED_ON_EMPTY", "true") == "true", "fill an empty database with demo data on start, in dev only ($GIGRAPH_SEED_ON_EMPTY)")
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	c.maxBodyBytes = int64(maxBody)
	if c.sessionTTL < time.Minute {
		return nil, nil, fmt.Errorf("--session-ttl must be at least 1m, got %v", c.sessionTTL)
	}
	for p := range strings.SplitSeq(proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			p += map[bool]string{true: "/32", false: "/128"}[strings.Contains(p, ".")]
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, nil, fmt.Errorf("--trusted-proxies: %w", err)
		}
		c.trustedProxies = append(c.trustedProxies, prefix)
	}
	for o := range strings.SplitSeq(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.allowedOrigins = append(c.allowedOrigins, o)
		}
	}
	if c.env != "dev" && c.env != "prod" {
		return nil, nil, fmt.Errorf("--env must be dev or prod, got %q", c.env)
	}
	return c, fs, nil
}

func newLogger(c *config, w io.Writer) *slog.Logger {
	format := c.logFormat
	if format == "" {
		format = map[bool]string{true: "json", false: "text"}[c.env == "prod"]
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd, rest := "serve", args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		cmd, rest = rest[0], rest[1:]
	}
	var seedArgs []string
	if cmd == "seed" {
		rest, seedArgs = splitSeedArgs(rest, stderr)
	}
	cfg, fs, err := parseConfig("gigraph "+cmd, rest, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	switch cmd {
	case "serve", "migrate", "seed":
	case "postgres":
		return runWithPostgres(ctx, cfg, fs.Args(), log, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q (want serve, migrate, seed or postgres)", cmd)
	}

	dsn := cfg.databaseURL
	if dsn == "" {
		cluster, err := pgembed.Start(ctx, pgembed.Config{DataDir: cfg.pgDataDir, BinDir: cfg.pgBinDir, Logger: log})
		if err != nil {
			return fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		defer cluster.Stop() //nolint:errcheck // Stop logs and cannot fail in a way we could act on
		if err := ensureDatabase(ctx, cluster); err != nil {
			return err
		}
		dsn = cluster.DSN("gigraph")
	}
	store, err := db.Open(ctx, dsn, db.Options{MaxOpenConns: cfg.dbMaxConns, StatementTimeout: cfg.statementTimeout, LockTimeout: cfg.lockTimeout})
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	log.Info("database migrated", "applied", n)

	switch cmd {
	case "migrate":
		return nil
	case "seed":
		return seedDemo(ctx, store, log, seedArgs)
	}
	// Demo data never lands in a production database by accident.
	if cfg.seedOnEmpty && cfg.env == "dev" {
		if err := seedIfEmpty(ctx, store, log); err != nil {
			return err
		}
	}
	return serve(ctx, cfg, store, log)
}

func serve(ctx context.Context, cfg *config, store *db.Store, log *slog.Logger) error {
	// The feed listener of this instance; subscriptions end with it when the server stops.
	gigFeed := feed.New(store, log, feed.Options{})
	if err := gigFeed.Start(ctx); err != nil {
		return err
	}
	defer gigFeed.Close()
	handler := api.New(api.Config{
		Env: cfg.env, MaxBodyBytes: cfg.maxBodyBytes, ParserTokenLimit: cfg.parserTokens,
		MaxDepth: cfg.maxDepth, MaxAliases: cfg.maxAliases, MaxDirectives: cfg.maxDirectives, MaxCost: cfg.maxCost,
		OperationTimeout: cfg.opTimeout, RatePerAddress: cfg.ratePerAddress, RatePerToken: cfg.ratePerToken,
		TrustedProxies: cfg.trustedProxies, AllowedOrigins: cfg.allowedOrigins, Feed: gigFeed,
		SessionTTL:         cfg.sessionTTL,
		RateMinFreelancers: cfg.rateMinPeople,
	}, store, log)
	srv := &http.Server{
		Addr:              cfg.addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		// WriteTimeout stays 0: it would cut off WebSocket subscriptions. Operations have their own
		// timeout, and the GraphQL handler bounds how long a query may run.
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		// Requests must outlive the signal: in-flight ones finish during Shutdown. WithoutCancel
		// keeps the context's values (logger, tracing) without its cancellation.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	log.Info("gigraph listening", "addr", ln.Addr().String(), "env", cfg.env, "graphiql", cfg.env == "dev")
	go pruneIdempotencyKeys(ctx, store, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting and let in-flight requests finish (bounded); WebSockets, which Shutdown does
	// not track, are told to go away (1001) at the same time. The caller then closes the pool and
	// stops the embedded PostgreSQL.
	log.Info("shutting down", "timeout", cfg.shutdownTimeout)
	// ctx is done by now; in-flight requests still get shutdownTimeout to finish.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownTimeout)
	defer cancel()
	_ = handler.Shutdown(sctx)
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown incomplete", "err", err)
	}
	log.Info("stopped serving")
	return nil
}

// ensureDatabase creates the application database on the embedded cluster on first start.
func ensureDatabase(ctx context.Context, cluster *pgembed.Cluster) error {
	admin, err := db.Open(ctx, cluster.DSN("postgres"), db.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer admin.Close()
	var exists bool
	if err := admin.DB().GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'gigraph')`); err != nil {
		return err
	}
	if !exists {
		if _, err := admin.DB().ExecContext(ctx, `CREATE DATABASE gigraph`); err != nil {
			return fmt.Errorf("create database: %w", err)
		}
	}
	return nil
}

// runWithPostgres starts an embedded cluster in a fresh temporary directory, runs a command with
// DATABASE_URL and TEST_DATABASE_URL pointing at it, and removes the cluster afterwards. `make
// test` uses it so that all test packages share one PostgreSQL.
func runWithPostgres(ctx context.Context, cfg *config, argv []string, log *slog.Logger, stdout, stderr io.Writer) error {
	if len(argv) == 0 {
		return errors.New("usage: gigraph postgres -- COMMAND [ARGS...]")
	}
	dir, err := os.MkdirTemp("", "gigraph-pg-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cluster, err := pgembed.Start(ctx, pgembed.Config{DataDir: dir, BinDir: cfg.pgBinDir, Logger: log})
	if err != nil {
		return err
	}
	defer cluster.Stop() //nolint:errcheck // nothing to do about it
	dsn := cluster.DSN("postgres")
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Env = append(os.Environ(), "TEST_DATABASE_URL="+dsn, "DATABASE_URL="+dsn)
	return cmd.Run()
}
