package feed_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/feed"
	"github.com/gigraph/gigraph/feed/feedtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func startFeed(t *testing.T, store *db.Store, opts feed.Options) *feed.Feed {
	t.Helper()
	f := feed.New(store, quiet, opts)
	if err := f.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// appendOpen starts a transaction that posts a gig and returns it open, with the event's position.
func appendOpen(ctx context.Context, t *testing.T, store *db.Store, client int64) (*sqlx.Tx, int64) {
	t.Helper()
	tx, err := store.DB().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := feedtest.InsertProject(ctx, tx, client, feedtest.Gig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AppendGigEvent(ctx, tx, id); err != nil {
		t.Fatal(err)
	}
	var pos int64
	if err := tx.GetContext(ctx, &pos, `SELECT max(id) FROM gig_events WHERE project_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return tx, pos
}

func positions(ctx context.Context, t *testing.T, store *db.Store, after int64) []int64 {
	t.Helper()
	rows, err := store.GigEvents(ctx, nil, after, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.Pos
	}
	return out
}

// TestPositionsFollowCommitOrder proves the ordering mechanism: a transaction that appends while
// an earlier append is uncommitted waits for it, so it can neither take a position nor commit
// before the earlier one; a reader that moved past a position never finds an earlier one later.
// The control case turns the serializing trigger off and shows the anomaly the test would catch.
func TestPositionsFollowCommitOrder(t *testing.T) {
	store := dbtest.New(t)
	client := feedtest.NewClient(t, store)
	ctx := context.Background()
	post := func(t *testing.T) int64 {
		t.Helper()
		pos, err := feedtest.TryPost(ctx, store, client, feedtest.Gig{})
		if err != nil {
			t.Fatal(err)
		}
		return pos
	}

	t.Run("serialized", func(t *testing.T) {
		base := post(t)
		tx1, p1 := appendOpen(ctx, t, store, client)

		// The second writer tries to append (and commit) while the first is open.
		type result struct {
			pos int64
			err error
		}
		done := make(chan result, 1)
		go func() {
			pos, err := feedtest.TryPost(ctx, store, client, feedtest.Gig{})
			done <- result{pos, err}
		}()
		// It must be blocked on the feed's advisory lock, not finished.
		deadline := time.Now().Add(5 * time.Second)
		for {
			var waiting bool
			err := store.DB().GetContext(ctx, &waiting, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory')`)
			if err != nil {
				t.Fatal(err)
			}
			if waiting {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the second append is not waiting for the first transaction")
			}
			time.Sleep(10 * time.Millisecond)
		}
		select {
		case r := <-done:
			t.Fatalf("second append finished (pos %d, err %v) while an earlier one was uncommitted", r.pos, r.err)
		default:
		}
		if got := positions(ctx, t, store, base); len(got) != 0 {
			t.Fatalf("reader sees %v before any commit, want nothing", got)
		}
		if err := tx1.Commit(); err != nil {
			t.Fatal(err)
		}
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.pos <= p1 {
			t.Fatalf("second position %d, want > first %d", r.pos, p1)
		}
		if got := positions(ctx, t, store, base); len(got) != 2 || got[0] != p1 || got[1] != r.pos {
			t.Fatalf("got %v, want [%d %d]", got, p1, r.pos)
		}
	})

	t.Run("control without the lock: a late commit is skipped", func(t *testing.T) {
		if _, err := store.DB().ExecContext(ctx, `ALTER TABLE gig_events DISABLE TRIGGER gig_events_serialize`); err != nil {
			t.Fatal(err)
		}
		defer store.DB().ExecContext(ctx, `ALTER TABLE gig_events ENABLE TRIGGER gig_events_serialize`) //nolint:errcheck // test cleanup
		base := post(t)
		tx1, p1 := appendOpen(ctx, t, store, client)
		p2 := post(t) // commits first with a higher number
		if p2 <= p1 {
			t.Fatalf("p2 %d <= p1 %d", p2, p1)
		}
		seen := positions(ctx, t, store, base) // a reader moves to p2 …
		if len(seen) != 1 || seen[0] != p2 {
			t.Fatalf("got %v, want [%d]", seen, p2)
		}
		if err := tx1.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := positions(ctx, t, store, p2); len(got) != 0 { // … and never finds p1
			t.Fatalf("got %v", got)
		}
	})
}

// TestConcurrentWritersHubOrder: writers that hold their transactions open for random times;
// a hub subscriber sees every committed event once, in increasing order.
func TestConcurrentWritersHubOrder(t *testing.T) {
	store := dbtest.New(t)
	f := startFeed(t, store, feed.Options{SafetyInterval: time.Hour})
	client := feedtest.NewClient(t, store)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := mustSubscribe(ctx, t, f, feed.Subscription[*db.GigEventRow]{})

	const writers, each = 6, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	committed := map[int64]bool{}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				var pos int64
				err := store.InTx(ctx, func(tx *sqlx.Tx) error {
					id, err := feedtest.InsertProject(ctx, tx, client, feedtest.Gig{})
					if err != nil {
						return err
					}
					if err := db.AppendGigEvent(ctx, tx, id); err != nil {
						return err
					}
					if err := tx.GetContext(ctx, &pos, `SELECT max(id) FROM gig_events WHERE project_id = $1`, id); err != nil {
						return err
					}
					time.Sleep(time.Duration((w*7+i*3)%4) * time.Millisecond)
					if i%10 == 9 {
						return errors.New("roll back")
					}
					return nil
				})
				if err == nil {
					mu.Lock()
					committed[pos] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	var last int64
	for got := 0; got < len(committed); got++ {
		select {
		case e := <-ch:
			if e.Pos <= last || !committed[e.Pos] {
				t.Fatalf("event %d after %d (committed: %v)", e.Pos, last, committed[e.Pos])
			}
			last = e.Pos
		case <-time.After(10 * time.Second):
			t.Fatalf("received %d of %d events", got, len(committed))
		}
	}
}

// TestSlowSubscriber: a subscriber that does not read is closed with ErrTooSlow and its last
// position once it falls behind the ring; a fast one receives everything meanwhile.
func TestSlowSubscriber(t *testing.T) {
	store := dbtest.New(t)
	f := startFeed(t, store, feed.Options{Buffer: 4, Backlog: 16, ReadBatch: 8})
	client := feedtest.NewClient(t, store)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type closed struct {
		reason error
		last   int64
	}
	slowClosed := make(chan closed, 1)
	slow := mustSubscribe(ctx, t, f, feed.Subscription[*db.GigEventRow]{
		OnClose: func(reason error, last int64) { slowClosed <- closed{reason, last} },
	})
	fast := mustSubscribe(ctx, t, f, feed.Subscription[*db.GigEventRow]{})

	const n = 60
	fastGot := make(chan []int64, 1)
	go func() {
		var got []int64
		for len(got) < n {
			select {
			case e, ok := <-fast:
				if !ok {
					fastGot <- got
					return
				}
				got = append(got, e.Pos)
			case <-time.After(5 * time.Second):
				fastGot <- got
				return
			}
		}
		fastGot <- got
	}()
	var posted []int64
	for range n {
		posted = append(posted, feedtest.Post(t, store, client, feedtest.Gig{}))
	}
	if got := <-fastGot; !slices.Equal(got, posted) {
		t.Fatalf("fast subscriber got %v, want %v", got, posted)
	}
	select {
	case c := <-slowClosed:
		if !errors.Is(c.reason, feed.ErrTooSlow) {
			t.Fatalf("reason %v, want ErrTooSlow", c.reason)
		}
		// The channel holds exactly the events up to the reported position, then ends.
		var got []int64
		for e := range slow {
			got = append(got, e.Pos)
		}
		if len(got) == 0 || got[len(got)-1] != c.last || got[0] != posted[0] {
			t.Fatalf("slow subscriber got %v, last %d", got, c.last)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("slow subscriber was not closed")
	}
	if st := f.Gigs.Stats(); st.Subscribers != 1 || st.Lag != 0 {
		t.Fatalf("stats %+v, want 1 subscriber and no lag", st)
	}
}

// TestReplaySeam: resuming from an old cursor while gigs keep coming yields every later event
// exactly once, across the seam between the database replay and the live ring.
func TestReplaySeam(t *testing.T) {
	store := dbtest.New(t)
	f := startFeed(t, store, feed.Options{Backlog: 8, ReadBatch: 5})
	client := feedtest.NewClient(t, store)
	var posted []int64
	for range 30 {
		posted = append(posted, feedtest.Post(t, store, client, feedtest.Gig{}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	after := posted[9]
	ch := mustSubscribe(ctx, t, f, feed.Subscription[*db.GigEventRow]{After: &after})
	done := make(chan []int64, 1)
	go func() {
		var more []int64
		for range 30 {
			pos, err := feedtest.TryPost(ctx, store, client, feedtest.Gig{})
			if err != nil {
				t.Error(err)
				break
			}
			more = append(more, pos)
		}
		done <- more
	}()
	var got []int64
	for len(got) < 50 {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("closed after %v", got)
			}
			got = append(got, e.Pos)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d of 50", len(got))
		}
	}
	if want := append(slices.Clone(posted[10:]), <-done...); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	select {
	case e := <-ch:
		t.Fatalf("unexpected extra event %d", e.Pos)
	case <-time.After(100 * time.Millisecond):
	}
}

func mustSubscribe(ctx context.Context, t *testing.T, f *feed.Feed, sub feed.Subscription[*db.GigEventRow]) <-chan *db.GigEventRow {
	t.Helper()
	ch, err := f.Gigs.Subscribe(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// TestLaggingSubscriberCatchesUp: a subscriber whose channel fills up during a burst is refilled
// from the shared ring as it drains, without losing or repeating events.
func TestLaggingSubscriberCatchesUp(t *testing.T) {
	store := dbtest.New(t)
	f := startFeed(t, store, feed.Options{Buffer: 4, Backlog: 64})
	client := feedtest.NewClient(t, store)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := mustSubscribe(ctx, t, f, feed.Subscription[*db.GigEventRow]{})
	var posted []int64
	for range 30 {
		posted = append(posted, feedtest.Post(t, store, client, feedtest.Gig{}))
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.Gigs.Stats().Head < posted[len(posted)-1] && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := f.Gigs.Stats(); st.Lagging != 1 {
		t.Fatalf("stats %+v, want the subscriber lagging", st)
	}
	var got []int64
	for len(got) < len(posted) {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("closed after %v", got)
			}
			got = append(got, e.Pos)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d of %d", len(got), len(posted))
		}
	}
	if !slices.Equal(got, posted) {
		t.Fatalf("got %v, want %v", got, posted)
	}
}

// TestSubscribeEndedContext: a subscription whose context ends while it is being made (the
// client completed it at once) is never left in the hub.
func TestSubscribeEndedContext(t *testing.T) {
	store := dbtest.New(t)
	f := startFeed(t, store, feed.Options{})
	last, err := store.LastGigEvent(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for range 200 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _ = f.Gigs.Subscribe(ctx, feed.Subscription[*db.GigEventRow]{After: &last})
	}
	time.Sleep(50 * time.Millisecond) // the removals run on their own goroutines
	if n := f.Gigs.Stats().Subscribers; n != 0 {
		t.Fatalf("%d subscribers left behind", n)
	}
}
