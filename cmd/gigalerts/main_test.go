package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/feed"
	"github.com/gigraph/gigraph/feed/feedtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestResumeFromCursorFile: the consumer prints matching gigs, is stopped, misses some, and on the
// next start prints exactly the ones it missed.
func TestResumeFromCursorFile(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	client := feedtest.NewClient(t, srv.Store)
	cursorFile := filepath.Join(t.TempDir(), "gigs.cursor")
	args := []string{"--url", srv.URL + "/graphql", "--skills", "go,postgresql", "--cursor-file", cursorFile}

	consume := func(post func()) string {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errs syncBuffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, args, &out, &errs) }()
		post()
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(out.String(), "\n") < 2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // nothing else should come
		cancel()
		<-done
		return out.String()
	}

	first := consume(func() {
		// The first run starts from now: wait until it is subscribed.
		waitSubscribed(t, srv.Feed)
		feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "Go API", Skills: []string{"go"}})
		feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "Python ETL", Skills: []string{"python"}})
		feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "Postgres tuning", Skills: []string{"postgresql"}})
	})
	if want := "Go API — 1000.00 EUR fixed, remote\nPostgres tuning — 1000.00 EUR fixed, remote\n"; first != want {
		t.Fatalf("first run printed %q, want %q", first, want)
	}
	// While it is stopped:
	feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "Missed Go gig", Skills: []string{"go"}})
	feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "Missed PG gig", Skills: []string{"postgresql"}, RateType: "DAILY", Budget: 70000})
	second := consume(func() {})
	if want := "Missed Go gig — 1000.00 EUR fixed, remote\nMissed PG gig — 700.00 EUR daily, remote\n"; second != want {
		t.Fatalf("second run printed %q, want %q", second, want)
	}
}

// TestReconnectAcrossRestart: the server instance behind the URL is replaced (its feed shuts down
// and ends the subscription) while gigs keep coming; the consumer reconnects with backoff and
// prints every gig exactly once.
func TestReconnectAcrossRestart(t *testing.T) {
	store := dbtest.New(t)
	client := feedtest.NewClient(t, store)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var current atomic.Pointer[http.Handler]
	start := func() *feed.Feed {
		f := feed.New(store, log, feed.Options{})
		if err := f.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		var h http.Handler = api.New(api.Config{Feed: f, RatePerAddress: api.RateLimit{PerSecond: -1}, RatePerToken: api.RateLimit{PerSecond: -1}}, store, log)
		current.Store(&h)
		return f
	}
	first := start()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*current.Load()).ServeHTTP(w, r) }))
	defer ts.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--url", ts.URL + "/graphql", "--cursor-file", filepath.Join(t.TempDir(), "c"), "--max-backoff", "200ms"}, &out, &errs)
	}()
	waitSubscribed(t, first)
	feedtest.Post(t, store, client, feedtest.Gig{Title: "one"})
	waitLines(t, &out, 1)
	second := start() // the new instance takes new connections …
	defer second.Close()
	first.Close() // … and the old one goes away, ending its subscriptions
	feedtest.Post(t, store, client, feedtest.Gig{Title: "two"})
	feedtest.Post(t, store, client, feedtest.Gig{Title: "three"})
	waitLines(t, &out, 3)
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-done
	if got, want := out.String(), "one — 1000.00 EUR fixed, remote\ntwo — 1000.00 EUR fixed, remote\nthree — 1000.00 EUR fixed, remote\n"; got != want {
		t.Fatalf("printed %q, want %q (stderr %s)", got, want, errs.String())
	}
	if !strings.Contains(errs.String(), "reconnecting") {
		t.Fatalf("no reconnection logged: %s", errs.String())
	}
}

func waitLines(t *testing.T, out *syncBuffer, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(out.String(), "\n") < n {
		if time.Now().After(deadline) {
			t.Fatalf("printed %q, want %d lines", out.String(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitSubscribed(t *testing.T, f *feed.Feed) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.Gigs.Stats().Subscribers == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the consumer did not subscribe")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
