package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/gigraph/gigraph/db"
)

// pruneIdempotencyKeys deletes idempotency keys older than db.IdempotencyKeyTTL once an hour until
// ctx ends. Every server instance may run it: the DELETE is harmless when repeated.
func pruneIdempotencyKeys(ctx context.Context, store *db.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := store.DeleteExpiredIdempotencyKeys(ctx, db.IdempotencyKeyTTL)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("pruning idempotency keys failed", "err", err)
		case n > 0:
			log.Info("pruned idempotency keys", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
