package db

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/lib/pq"
)

// TestMigrationConnectionTimeouts: the connections migrations run on have no statement timeout
// (rebuilding an index outlasts any API statement) but keep the lock timeout, for URL and
// key=value connection strings alike.
func TestMigrationConnectionTimeouts(t *testing.T) {
	url := os.Getenv("DATABASE_URL") // set by `go run . postgres` (make test)
	if url == "" {
		t.Fatal("DATABASE_URL is not set: run the tests with make test")
	}
	store, err := Open(context.Background(), url, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	kv, err := pq.ParseURL(store.DSN()) //nolint:staticcheck // the test needs the key=value spelling of the same DSN
	if err != nil {
		t.Fatal(err)
	}
	for name, dsn := range map[string]string{"url": store.DSN(), "key=value": kv} {
		migrationDSN, err := withParams(dsn, map[string]string{"statement_timeout": "0"}, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			dsn, statement string
		}{{dsn, "5s"}, {migrationDSN, "0"}} {
			conn, err := sql.Open("postgres", c.dsn)
			if err != nil {
				t.Fatal(err)
			}
			var st, lt string
			err = conn.QueryRowContext(context.Background(), `SELECT current_setting('statement_timeout'), current_setting('lock_timeout')`).Scan(&st, &lt)
			_ = conn.Close()
			if err != nil {
				t.Fatal(name, err)
			}
			if st != c.statement || lt != "2s" {
				t.Errorf("%s: statement_timeout %s, lock_timeout %s; want %s and 2s", name, st, lt, c.statement)
			}
		}
	}
}
