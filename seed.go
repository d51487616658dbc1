package main

import (
	"context"
	"log/slog"

	"github.com/gigraph/gigraph/db"
)

// seedDemo fills the database with demo data.
func seedDemo(ctx context.Context, store *db.Store, log *slog.Logger, args []string) error {
	return nil
}

// seedIfEmpty seeds demo data when the database has no users yet.
func seedIfEmpty(ctx context.Context, store *db.Store, log *slog.Logger) error {
	return nil
}
