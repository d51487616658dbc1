package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/seed"
)

// seedFlags are the seed command's own flags, on top of the server's.
type seedFlags struct {
	scale, reset                 bool
	freelancers, clients, orders int
	seed                         uint64
}

func newSeedFlagSet(out io.Writer) (*flag.FlagSet, *seedFlags) {
	fs := flag.NewFlagSet("gigraph seed", flag.ContinueOnError)
	fs.SetOutput(out)
	f := &seedFlags{}
	fs.BoolVar(&f.scale, "scale", false, "benchmark size: 100,000 freelancers, 10,000 clients, 1,000,000 orders")
	fs.BoolVar(&f.reset, "reset", false, "empty every data table except skills first (deletes all users, gigs, orders and ledger entries)")
	fs.IntVar(&f.freelancers, "freelancers", 0, "number of freelancers (default 2,000, or 100,000 with --scale)")
	fs.IntVar(&f.clients, "clients", 0, "number of clients (default 300, 10,000 with --scale, or a tenth of --freelancers)")
	fs.IntVar(&f.orders, "orders", 0, "number of orders (default 6,000, or 1,000,000 with --scale)")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed; the same seed gives the same data")
	return fs, f
}

// splitSeedArgs takes the seed command's own flags out of args, so that they mix freely with the
// server's flags (`gigraph seed --scale --database-url …`). On -h it also prints the seed flags.
func splitSeedArgs(args []string, stderr io.Writer) (serverArgs, seedArgs []string) {
	fs, _ := newSeedFlagSet(stderr)
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		switch {
		case a == "--":
			return append(serverArgs, args[i:]...), seedArgs
		case name == "h" || name == "help":
			fmt.Fprintln(stderr, "Usage of gigraph seed (besides the server flags below):")
			fs.PrintDefaults()
			serverArgs = append(serverArgs, a)
		case f == nil || !strings.HasPrefix(a, "-"):
			serverArgs = append(serverArgs, a)
		default:
			seedArgs = append(seedArgs, a)
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); (!ok || !b.IsBoolFlag()) && !hasValue && i+1 < len(args) {
				i++
				seedArgs = append(seedArgs, args[i])
			}
		}
	}
	return serverArgs, seedArgs
}

// seedDemo fills the database with demo data (`gigraph seed`). It refuses a database that has
// data unless --reset is given.
func seedDemo(ctx context.Context, store *db.Store, log *slog.Logger, args []string) error {
	fs, f := newSeedFlagSet(io.Discard)
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := seed.Demo()
	if f.scale {
		opts = seed.Benchmark()
	}
	if f.freelancers > 0 {
		opts.Freelancers = f.freelancers
		opts.Clients = max(1, f.freelancers/10)
	}
	if f.clients > 0 {
		opts.Clients = f.clients
	}
	if f.orders > 0 {
		opts.Orders = f.orders
	}
	opts.Seed = f.seed

	empty, err := seed.Empty(ctx, store.DB())
	if err != nil {
		return err
	}
	if !empty {
		if !f.reset {
			return errors.New("the database already has data: run `gigraph seed --reset` to replace it with demo data (this deletes every user, gig, order and ledger entry)")
		}
		log.Warn("resetting the database: deleting all data except the skills taxonomy")
		if err := seed.Reset(ctx, store.DB()); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	return runSeed(ctx, store, log, opts)
}

// seedIfEmpty seeds demo data when the database has no users yet, so the first `make run` shows
// a living marketplace.
func seedIfEmpty(ctx context.Context, store *db.Store, log *slog.Logger) error {
	empty, err := seed.Empty(ctx, store.DB())
	if err != nil || !empty {
		return err
	}
	log.Info("empty database: loading demo data (disable with --seed-on-empty=false)")
	return runSeed(ctx, store, log, seed.Demo())
}

func runSeed(ctx context.Context, store *db.Store, log *slog.Logger, opts seed.Options) error {
	start := time.Now()
	hash, err := hashPassword(seed.DemoPassword)
	if err != nil {
		return err
	}
	opts.PasswordHash, opts.Logger = hash, log
	log.Info("seeding", "freelancers", opts.Freelancers, "clients", opts.Clients, "orders", opts.Orders, "seed", opts.Seed)
	stats, err := seed.Run(ctx, store.DB(), opts)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	log.Info("demo data ready", "took", time.Since(start).Round(time.Millisecond), "password", seed.DemoPassword, "rows", stats.String())
	return nil
}

// hashPassword hashes the demo password the way register does, so logins verify it.
func hashPassword(password string) (string, error) {
	return auth.HashPassword(password, auth.DefaultPasswordParams)
}
