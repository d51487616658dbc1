package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies every pending migration. Concurrent calls from several instances are safe:
// goose takes a PostgreSQL advisory lock for the run.
//
// Migrations run on connections of their own without the pool's statement_timeout: rebuilding an
// index of a large table takes longer than any API statement may. (lock_timeout still holds, so a
// migration that cannot get its locks fails instead of stalling the API behind it; run it again.)
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	dsn, err := withParams(s.dsn, map[string]string{"statement_timeout": "0"}, true)
	if err != nil {
		return 0, err
	}
	conn, err := sql.Open(s.db.DriverName(), dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	dir := Migrations()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return 0, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, conn, dir, goose.WithSessionLocker(locker))
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// Migrations returns the embedded migration files (migrations/*.sql, at the root of the FS).
func Migrations() fs.FS {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return dir
}
