// Package db is the store: the only code that speaks SQL. It opens and configures the pool, runs
// migrations, and offers one file of methods per aggregate. Database errors are translated into
// market errors here, at the boundary.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"github.com/gigraph/gigraph/market"
)

// Store is the database behind the API. It is safe for concurrent use.
type Store struct {
	db  *sqlx.DB
	dsn string
}

// Options configure the connection pool.
type Options struct {
	// MaxOpenConns caps connections to PostgreSQL (default 20).
	MaxOpenConns int
	// StatementTimeout cancels any single statement that runs longer (default 5s; 0 keeps it).
	StatementTimeout time.Duration
	// LockTimeout gives up waiting for a row or table lock (default 2s; 0 keeps it).
	LockTimeout time.Duration
	// Driver is the database/sql driver name (default "postgres", lib/pq). Tests register a
	// wrapper of lib/pq under another name to count the statements a request runs.
	Driver string
}

// DefaultOptions are the pool settings used when none are given.
var DefaultOptions = Options{MaxOpenConns: 20, StatementTimeout: 5 * time.Second, LockTimeout: 2 * time.Second}

// Open connects to PostgreSQL at dsn (a postgres:// URL or key=value string) and checks the
// connection. Timeouts are set as session parameters so they hold on every pooled connection.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	dsn, err := withParams(dsn, map[string]string{
		"statement_timeout": strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10),
		"lock_timeout":      strconv.FormatInt(opts.LockTimeout.Milliseconds(), 10),
		"timezone":          "UTC",
	}, false)
	if err != nil {
		return nil, err
	}
	driver := opts.Driver
	if driver == "" {
		driver = "postgres"
	}
	conn, err := sqlx.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	maxOpen := opts.MaxOpenConns
	if maxOpen <= 0 {
		maxOpen = DefaultOptions.MaxOpenConns
	}
	conn.SetMaxOpenConns(maxOpen)
	conn.SetMaxIdleConns(maxOpen)
	conn.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.PingContext(pingCtx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &Store{db: conn, dsn: dsn}, nil
}

// withParams adds run-time parameters to a DSN unless it sets them itself; zero-millisecond
// timeouts are left out so the server's defaults hold. With replace, every parameter is set as
// given, over the DSN's own value.
func withParams(dsn string, params map[string]string, replace bool) (string, error) {
	set := func(has bool, v string) bool { return replace || !has && v != "0" }
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse DATABASE_URL: %w", err)
		}
		q := u.Query()
		for k, v := range params {
			if set(q.Get(k) != "", v) {
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	for k, v := range params {
		if set(strings.Contains(dsn, k+"="), v) {
			dsn += " " + k + "=" + v // key=value form: lib/pq keeps the last value of a repeated key
		}
	}
	return strings.TrimSpace(dsn), nil
}

// DSN is the connection string the store was opened with; the feed listener opens its own
// dedicated connection with it (LISTEN needs a session of its own, outside the pool).
func (s *Store) DSN() string { return s.dsn }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// DB exposes the pool for the feed listener and tests that inspect the database directly.
func (s *Store) DB() *sqlx.DB { return s.db }

// Ping checks that the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// InTx runs fn in a transaction and commits it when fn returns nil; any error or panic rolls it
// back, so a failed call leaves no trace.
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// translate maps database errors that mean something to a client onto market errors; everything
// else stays an internal error. Constraint names must never reach the client, so messages are
// generic here and callers that know better check first.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return market.ErrNotFound
	case pq.As(err, pqerror.UniqueViolation) != nil:
		return market.Errorf(market.CodeConflict, "this already exists")
	case pq.As(err, pqerror.CheckViolation, pqerror.ForeignKeyViolation) != nil:
		return market.Errorf(market.CodeBadUserInput, "the input breaks a rule of the data model")
	}
	return err
}

// IsUniqueViolation reports whether err is a unique violation of the named constraint or index.
func IsUniqueViolation(err error, constraint string) bool {
	e := pq.As(err, pqerror.UniqueViolation)
	return e != nil && e.Constraint == constraint
}
