// Package dbtest gives tests a real PostgreSQL database of their own: each call clones a migrated
// template database, which takes a fraction of a second and allows real commits, concurrent
// transactions and LISTEN/NOTIFY. No test mocks the database.
//
// The server comes from TEST_DATABASE_URL (any database on a server where the user may create
// databases; `make test` starts one embedded cluster for the whole run and sets it), or else from an
// embedded cluster that this test binary starts in a temporary directory and stops in Main.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the driver

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/pgembed"
)

var (
	once      sync.Once
	adminURL  string
	template  string
	setupErr  error
	cluster   *pgembed.Cluster
	clusterMu sync.Mutex
)

// Main runs the package's tests and then stops the embedded cluster, if one was started. Call it
// from TestMain: `func TestMain(m *testing.M) { dbtest.Main(m) }`.
func Main(m *testing.M) {
	code := m.Run()
	clusterMu.Lock()
	if cluster != nil {
		_ = cluster.Stop()
		_ = os.RemoveAll(cluster.DataDir())
	}
	clusterMu.Unlock()
	os.Exit(code)
}

func setup() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	adminURL = os.Getenv("TEST_DATABASE_URL")
	if adminURL == "" {
		dir, err := os.MkdirTemp("", "gigraph-test-pg-")
		if err != nil {
			setupErr = err
			return
		}
		c, err := pgembed.Start(ctx, pgembed.Config{DataDir: dir})
		if err != nil {
			setupErr = fmt.Errorf("start embedded PostgreSQL for tests (or set TEST_DATABASE_URL): %w", err)
			return
		}
		clusterMu.Lock()
		cluster = c
		clusterMu.Unlock()
		adminURL = c.DSN("postgres")
	}
	template, setupErr = ensureTemplate(ctx)
}

// migrationsHash names the template after the migrations it holds, so a changed migration gets a
// fresh template instead of a stale one.
func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(db.Migrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.Migrations(), path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

func ensureTemplate(ctx context.Context) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "gigraph_tmpl_" + sum
	admin, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Connx(ctx)
	if err != nil {
		return "", fmt.Errorf("connect to test PostgreSQL: %w", err)
	}
	defer conn.Close()
	// Test binaries of several packages run at once: one builds the template, the others wait.
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727274)`); err != nil {
		return "", err
	}
	// Unlock even when ctx has expired; the lock goes with the connection anyway.
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(727274)`) //nolint:errcheck // see above
	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return "", err
	}
	store, err := db.Open(ctx, withDB(adminURL, building), db.Options{MaxOpenConns: 2})
	if err != nil {
		return "", err
	}
	_, err = store.Migrate(ctx)
	_ = store.Close()
	if err != nil {
		return "", err
	}
	// Renaming last makes the template visible only once it is complete.
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		return "", err
	}
	return name, nil
}

func withDB(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

// URL creates a fresh, migrated database for this test and returns its connection URL. The
// database is dropped when the test ends.
func URL(tb testing.TB) string {
	tb.Helper()
	once.Do(setup)
	if setupErr != nil {
		tb.Fatalf("test database: %v", setupErr)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "gigraph_test_" + hex.EncodeToString(b[:])
	admin, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + template); err != nil {
		tb.Fatalf("clone template database: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sqlx.Open("postgres", adminURL)
		if err != nil {
			tb.Error(err)
			return
		}
		defer a.Close()
		if _, err := a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			tb.Errorf("drop test database: %v", err)
		}
	})
	return withDB(adminURL, name)
}

// New returns a store on a fresh, migrated database of this test's own, closed when the test ends.
func New(tb testing.TB) *db.Store {
	tb.Helper()
	store, err := db.Open(context.Background(), URL(tb), db.DefaultOptions)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	return store
}
