package feed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/api/ws"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/feed"
	"github.com/gigraph/gigraph/feed/feedtest"
)

// instance starts an API server with its own pool and its own feed on the database at url, as a
// separate server process would.
func instance(t *testing.T, url string, opts feed.Options) *apitest.Server {
	t.Helper()
	store, err := db.Open(context.Background(), url, db.DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	f := startFeed(t, store, opts)
	return apitest.NewWithStore(t, api.Config{Feed: f}, store)
}

// subscribeGigs opens a socket and subscribes to gigPosted with filter and after.
func subscribeGigs(t *testing.T, srv *apitest.Server, filter map[string]any, after string) *feedtest.WS {
	t.Helper()
	c := feedtest.Dial(t, srv.URL, ws.TransportWS)
	c.Init("")
	vars := map[string]any{"filter": filter}
	if after != "" {
		vars["after"] = after
	}
	before := srv.Feed.Gigs.Stats().Subscribers
	c.Subscribe("1", feedtest.GigPostedQuery, vars)
	if after != "" {
		return c // the cursor makes it complete whenever it starts
	}
	// A live subscription starts behind the newest gig when its resolver runs, which gqlgen does
	// asynchronously: wait until the hub has it before the test posts.
	waitSubscribers(t, srv.Feed.Gigs.Stats, before+1)
	return c
}

func waitSubscribers(t *testing.T, stats func() feed.Stats, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for stats().Subscribers < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers registered, want %d", stats().Subscribers, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTwoInstancesOneDatabase(t *testing.T) {
	url := dbtest.URL(t)
	a := instance(t, url, feed.Options{})
	b := instance(t, url, feed.Options{})
	client := feedtest.NewClient(t, b.Store)
	onA := subscribeGigs(t, a, nil, "")
	onB := subscribeGigs(t, b, nil, "")
	feedtest.Post(t, b.Store, client, feedtest.Gig{Title: "Posted through B"})
	for name, c := range map[string]*feedtest.WS{"A": onA, "B": onB} {
		if got := c.NextGig(5 * time.Second); got.Project.Title != "Posted through B" {
			t.Fatalf("%s got %q", name, got.Project.Title)
		}
	}
}

func listenerPID(t *testing.T, store *db.Store, f *feed.Feed) int {
	t.Helper()
	var pid int
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		err := store.DB().GetContext(context.Background(), &pid, `SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE application_name = $1`, f.ApplicationName())
		if err != nil {
			t.Fatal(err)
		}
		if pid != 0 {
			return pid
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("listener session not found")
	return 0
}

// TestExactlyOnceUnderLoadAndListenerLoss: 8 writers post 1,000 gigs while the listener's
// database session of instance A is terminated twice. Every subscriber, on A and on B, receives
// every matching gig exactly once, in position order. The safety read is off on A, so A's catch-up
// after each loss comes from the reconnect signal.
func TestExactlyOnceUnderLoadAndListenerLoss(t *testing.T) {
	url := dbtest.URL(t)
	a := instance(t, url, feed.Options{SafetyInterval: time.Hour})
	b := instance(t, url, feed.Options{})
	client := feedtest.NewClient(t, a.Store)

	type subscriber struct {
		name  string
		c     *feedtest.WS
		match func(i int) bool // which gig numbers it wants
	}
	subs := []subscriber{
		{"A all", subscribeGigs(t, a, nil, ""), func(int) bool { return true }},
		{"A go", subscribeGigs(t, a, map[string]any{"skills": []string{"go"}}, ""), func(i int) bool { return i%2 == 0 }},
		{"A on-site", subscribeGigs(t, a, map[string]any{"remote": false}, ""), func(i int) bool { return i%3 == 0 }},
		{"B all", subscribeGigs(t, b, nil, ""), func(int) bool { return true }},
	}

	const writers, total = 8, 1000
	// Every subscriber reads on its own while the gigs are posted, as real clients do.
	received := make([]readResult, len(subs))
	var rg sync.WaitGroup
	for i, s := range subs {
		n := 0
		for j := range total {
			if s.match(j) {
				n++
			}
		}
		rg.Add(1)
		go func() {
			defer rg.Done()
			received[i] = readGigs(s.c, n)
		}()
	}
	var next atomic.Int64
	positions := make([]int64, total)
	var wg sync.WaitGroup
	ctx := context.Background()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				g := feedtest.Gig{Title: fmt.Sprintf("gig-%d", i), Skills: []string{"python"}}
				if i%2 == 0 {
					g.Skills = []string{"go"}
				}
				if i%3 == 0 {
					no := false
					g.Remote, g.Country = &no, "FR"
				}
				pos, err := feedtest.TryPost(ctx, b.Store, client, g)
				if err != nil {
					t.Error(err)
					return
				}
				positions[i] = pos
			}
		}()
	}
	// Kill A's listener session twice while the writers run.
	for _, at := range []int64{250, 600} {
		for next.Load() < at {
			time.Sleep(time.Millisecond)
		}
		pid := listenerPID(t, a.Store, a.Feed)
		if _, err := a.Store.DB().ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Fatal(err)
		}
		for listenerPID(t, a.Store, a.Feed) == pid {
			time.Sleep(10 * time.Millisecond)
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	rg.Wait()
	for i, s := range subs {
		checkSubscriber(t, s.name, received[i], s.match, total, positions)
	}
	if err := a.Feed.Ready(); err != nil {
		t.Fatalf("feed A not ready after reconnects: %v", err)
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestResumeAfterDisconnect(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	client := feedtest.NewClient(t, srv.Store)
	c := subscribeGigs(t, srv, nil, "")
	for i := range 3 {
		feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: fmt.Sprintf("before-%d", i)})
	}
	var last string
	for range 3 {
		last = c.NextGig(5 * time.Second).Cursor
	}
	_ = c.Conn.Close()
	for i := range 5 {
		feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: fmt.Sprintf("missed-%d", i)})
	}
	c = subscribeGigs(t, srv, nil, last)
	for i := range 5 {
		if got := c.NextGig(5 * time.Second).Project.Title; got != fmt.Sprintf("missed-%d", i) {
			t.Fatalf("got %q, want missed-%d", got, i)
		}
	}
	feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "live"})
	if got := c.NextGig(5 * time.Second).Project.Title; got != "live" {
		t.Fatalf("got %q, want live", got)
	}
	// A cursor of another list is a bad input, not a silent replay from the start.
	bad := feedtest.Dial(t, srv.URL, ws.TransportWS)
	bad.Init("")
	bad.Subscribe("1", feedtest.GigPostedQuery, map[string]any{"after": "bm90LWEtY3Vyc29y"})
	m := bad.Read(5 * time.Second)
	if (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), `"code":"BAD_USER_INPUT"`) {
		t.Fatalf("got %s %s, want a BAD_USER_INPUT error", m.Type, m.Payload)
	}
}

// TestSlowSocketDoesNotDelayOthers: a client that stops reading does not hold back another.
func TestSlowSocketDoesNotDelayOthers(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	client := feedtest.NewClient(t, srv.Store)
	_ = subscribeGigs(t, srv, nil, "") // never read again
	fast := subscribeGigs(t, srv, nil, "")
	title := strings.Repeat("long title ", 15)
	for i := range 200 {
		start := time.Now()
		feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: fmt.Sprintf("%s%d", title, i)})
		fast.NextGig(5 * time.Second)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("gig %d took %v to reach the fast subscriber", i, d)
		}
	}
}

// TestCatchUpAfterListenerLoss: gigs committed while the listener is away (and so never notified
// to it) arrive once it reconnects, from the table, with no safety read to help. /readyz reports
// the outage.
func TestCatchUpAfterListenerLoss(t *testing.T) {
	url := dbtest.URL(t)
	srv := instance(t, url, feed.Options{SafetyInterval: time.Hour})
	client := feedtest.NewClient(t, srv.Store)
	c := subscribeGigs(t, srv, nil, "")
	ctx := context.Background()
	conn, err := srv.Store.DB().Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var dbName string
	if err := conn.GetContext(ctx, &dbName, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	listenerPID(t, srv.Store, srv.Feed) // it is connected
	// Keep the listener out while gigs are posted on a connection opened before.
	admin, err := sqlx.Open("postgres", strings.Replace(url, "/"+dbName, "/postgres", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `ALTER DATABASE `+dbName+` WITH ALLOW_CONNECTIONS false`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, srv.Feed.ApplicationName()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.Feed.Ready() == nil {
		if time.Now().After(deadline) {
			t.Fatal("feed still ready after losing its listener")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if res := get(t, srv.URL+"/readyz"); res != 503 {
		t.Fatalf("/readyz %d during the outage, want 503", res)
	}
	for i := range 3 {
		tx, err := conn.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, err := feedtest.InsertProject(ctx, tx, client, feedtest.Gig{Title: fmt.Sprintf("unheard-%d", i)})
		if err == nil {
			err = db.AppendGigEvent(ctx, tx, id)
		}
		if err == nil {
			err = tx.Commit()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admin.ExecContext(ctx, `ALTER DATABASE `+dbName+` WITH ALLOW_CONNECTIONS true`); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if got := c.NextGig(10 * time.Second).Project.Title; got != fmt.Sprintf("unheard-%d", i) {
			t.Fatalf("got %q, want unheard-%d", got, i)
		}
	}
	if res := get(t, srv.URL+"/readyz"); res != 200 {
		t.Fatalf("/readyz %d after reconnecting, want 200", res)
	}
}

func get(t *testing.T, url string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

func positionOf(title string, positions []int64) int64 {
	var i int
	_, _ = fmt.Sscanf(title, "gig-%d", &i)
	return positions[i]
}

type readResult struct {
	titles []string
	err    error
}

// readGigs reads n gig titles, then waits briefly to catch any extra message.
func readGigs(c *feedtest.WS, n int) readResult {
	var r readResult
	for len(r.titles) < n {
		m, err := c.TryRead(20 * time.Second)
		if err != nil {
			r.err = err
			return r
		}
		if m.Type != "next" {
			r.err = fmt.Errorf("got %s %s", m.Type, m.Payload)
			return r
		}
		var p struct {
			Data struct{ GigPosted feedtest.GigEvent } `json:"data"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			r.err = err
			return r
		}
		r.titles = append(r.titles, p.Data.GigPosted.Project.Title)
	}
	if m, err := c.TryRead(200 * time.Millisecond); err == nil {
		r.err = fmt.Errorf("extra message %s %s", m.Type, m.Payload)
	}
	return r
}

// checkSubscriber checks that a subscriber got exactly the matching gigs, in position order.
func checkSubscriber(t *testing.T, name string, r readResult, match func(int) bool, total int, positions []int64) {
	t.Helper()
	var want []string
	for i := range total {
		if match(i) {
			want = append(want, fmt.Sprintf("gig-%d", i))
		}
	}
	slices.SortFunc(want, func(x, y string) int { return int(positionOf(x, positions) - positionOf(y, positions)) })
	if r.err != nil {
		var missing []string
		for _, w := range want {
			if !slices.Contains(r.titles, w) {
				missing = append(missing, fmt.Sprintf("%s@%d", w, positionOf(w, positions)))
			}
		}
		t.Errorf("%s: received %d of %d: %v; missing %v", name, len(r.titles), len(want), r.err, missing)
		return
	}
	if !slices.Equal(r.titles, want) {
		t.Errorf("%s: got a different sequence than posted (first difference at %d)", name, firstDiff(r.titles, want))
	}
}

// TestFeedClosedTellsWhereToResume: when the feed closes a subscription (here: the instance's
// feed shuts down), the client gets an error message with the reason and the cursor to resume
// from, after every event before it, and the operation ends.
func TestFeedClosedTellsWhereToResume(t *testing.T) {
	store := dbtest.New(t)
	f := startFeed(t, store, feed.Options{})
	srv := apitest.NewWithStore(t, api.Config{Feed: f}, store)
	client := feedtest.NewClient(t, store)
	c := subscribeGigs(t, srv, nil, "")
	feedtest.Post(t, store, client, feedtest.Gig{Title: "Before shutdown"})
	got := c.NextGig(5 * time.Second)
	f.Close()
	m := c.Read(5 * time.Second)
	var errs []struct {
		Message    string
		Extensions map[string]any
	}
	if m.Type != "error" || m.ID != "1" || json.Unmarshal(m.Payload, &errs) != nil || len(errs) != 1 {
		t.Fatalf("got %s %s %s, want one error for operation 1", m.Type, m.ID, m.Payload)
	}
	if ext := errs[0].Extensions; ext["reason"] != "SHUTDOWN" || ext["resumeAfter"] != got.Cursor {
		t.Fatalf("extensions %v, want reason SHUTDOWN and resumeAfter %s", ext, got.Cursor)
	}
}
