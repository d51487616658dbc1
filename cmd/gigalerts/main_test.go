package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/db/dbtest"
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
		time.Sleep(500 * time.Millisecond)
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
