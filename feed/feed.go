// Package feed delivers the gig feed and order event logs live: one PostgreSQL listener per server
// instance wakes a hub per log, which reads new events once per wake-up and fans them out in
// memory to subscribers, with replay from any cursor, catch-up after the listener reconnects, and
// closing (never blocking on) subscribers that cannot keep up.
package feed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"

	"github.com/gigraph/gigraph/db"
)

// Why the hub closes a subscription.
var (
	ErrTooSlow  = errors.New("the subscriber fell too far behind the feed and was closed; resume with its last cursor")
	ErrShutdown = errors.New("the server is shutting down; resume with the last cursor")
	ErrReplay   = errors.New("reading the missed events failed; resume with the last cursor")
)

// Feed is one instance's view of the event logs: the listener and a hub per log.
type Feed struct {
	Gigs   *Hub[*db.GigEventRow]
	Orders *Hub[*db.OrderEventRow]

	store   *db.Store
	logger  *slog.Logger
	appName string

	listenerUp atomic.Bool
	cancel     context.CancelFunc
	done       chan struct{}
	closeOnce  sync.Once
}

// New returns a feed over store's event logs; Start it.
func New(store *db.Store, logger *slog.Logger, opts Options) *Feed {
	var b [4]byte
	_, _ = rand.Read(b[:])
	f := &Feed{store: store, logger: logger, appName: "gigraph-feed-" + hex.EncodeToString(b[:])}
	f.Gigs = NewHub(Log[*db.GigEventRow]{
		Name: db.GigEventsChannel,
		Read: func(ctx context.Context, after, upTo int64, limit int) ([]*db.GigEventRow, error) {
			return store.GigEvents(ctx, nil, after, upTo, limit)
		},
		Last: store.LastGigEvent,
		Pos:  func(e *db.GigEventRow) int64 { return e.Pos },
	}, opts, logger)
	f.Orders = NewHub(Log[*db.OrderEventRow]{
		Name: db.OrderEventsChannel,
		Read: func(ctx context.Context, after, upTo int64, limit int) ([]*db.OrderEventRow, error) {
			return store.OrderEvents(ctx, 0, after, upTo, limit)
		},
		Last: store.LastOrderEvent,
		Pos:  func(e *db.OrderEventRow) int64 { return e.Pos },
	}, opts, logger)
	return f
}

// ApplicationName is the application_name of the listener's database session (one per instance),
// so operators — and tests — can find it in pg_stat_activity.
func (f *Feed) ApplicationName() string { return f.appName }

// Start reads where each log stands and starts the listener and the hubs. They run until ctx ends
// or Close is called.
func (f *Feed) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	f.cancel = cancel
	f.done = make(chan struct{})
	dsn, err := withAppName(f.store.DSN(), f.appName)
	if err != nil {
		cancel()
		return err
	}
	// Listen before reading the heads: an event committed in between is then either below the
	// head or announced.
	l := pq.NewListener(dsn, 50*time.Millisecond, 2*time.Second, f.listenerEvent)
	for _, ch := range []string{db.GigEventsChannel, db.OrderEventsChannel} {
		if err := l.Listen(ch); err != nil {
			_ = l.Close()
			cancel()
			return fmt.Errorf("feed: listen %s: %w", ch, err)
		}
	}
	f.listenerUp.Store(true)
	if err := f.Gigs.Start(ctx); err != nil {
		_ = l.Close()
		cancel()
		return fmt.Errorf("feed: %w", err)
	}
	if err := f.Orders.Start(ctx); err != nil {
		_ = l.Close()
		cancel()
		return fmt.Errorf("feed: %w", err)
	}
	go f.listen(ctx, l)
	return nil
}

// Close stops the listener and the hubs, closing every subscription with ErrShutdown.
func (f *Feed) Close() {
	f.closeOnce.Do(func() {
		if f.cancel != nil {
			f.cancel()
			<-f.done
		}
	})
}

func (f *Feed) listen(ctx context.Context, l *pq.Listener) {
	defer close(f.done)
	defer l.Close()
	// Ping now and then so a dead TCP connection is noticed (and reconnected) even when no
	// notification arrives. Not from this goroutine: Ping waits for the connection, which may be
	// waiting for this goroutine to take a notification.
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ping.C:
			go func() { _ = l.Ping() }()
		case n := <-l.NotificationChannel():
			if n == nil {
				// The connection was re-established: notifications may have been lost in between.
				f.logger.Info("feed: listener reconnected; catching up from the event tables")
				f.Gigs.Notify(0)
				f.Orders.Notify(0)
				continue
			}
			pos, _ := strconv.ParseInt(n.Extra, 10, 64)
			switch n.Channel {
			case db.GigEventsChannel:
				f.Gigs.Notify(pos)
			case db.OrderEventsChannel:
				f.Orders.Notify(pos)
			}
		}
	}
}

func (f *Feed) listenerEvent(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventConnected, pq.ListenerEventReconnected:
		f.listenerUp.Store(true)
	case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
		if f.listenerUp.Swap(false) {
			f.logger.Warn("feed: listener disconnected", "err", err)
		}
	}
}

// Ready reports whether the listener is connected and the last reads succeeded; /readyz shows it.
func (f *Feed) Ready() error {
	if !f.listenerUp.Load() {
		return errors.New("feed listener disconnected")
	}
	if err := f.Gigs.Stats().ReadError; err != nil {
		return fmt.Errorf("gig feed read: %w", err)
	}
	if err := f.Orders.Stats().ReadError; err != nil {
		return fmt.Errorf("order feed read: %w", err)
	}
	return nil
}

// Subscriptions counts the subscriptions of both logs, live and replaying (for metrics).
func (f *Feed) Subscriptions() int {
	g, o := f.Gigs.Stats(), f.Orders.Stats()
	return g.Subscribers + g.Replaying + o.Subscribers + o.Replaying
}

// GigLag is how many gig events this instance has heard of but not yet fanned out (for metrics).
func (f *Feed) GigLag() int64 { return f.Gigs.Stats().Lag }

func withAppName(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		q := u.Query()
		q.Set("application_name", name)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " application_name=" + name, nil
}
