package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gigraph/gigraph/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// syncBuffer is a bytes.Buffer safe for the server's logger and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestRun starts the whole server as main does, on a free port and a fresh database, and talks to
// it over real HTTP.
func TestRun(t *testing.T) {
	dsn := dbtest.URL(t)
	port := freePort(t)
	env := map[string]string{"DATABASE_URL": dsn, "ADDR": fmt.Sprintf("127.0.0.1:%d", port), "GIGRAPH_SEED_ON_EMPTY": "false"}
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"gigraph"}, func(k string) string { return env[k] }, &logs, &logs) }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHealthy(t, base, done, &logs)

	body := `{"query":"{ skills(first: 5) { edges { node { name category } } } }"}`
	res := post(t, base+"/graphql", body)
	defer res.Body.Close()
	var out struct {
		Data struct {
			Skills struct {
				Edges []struct {
					Node struct{ Name, Category string }
				}
			}
		}
		Errors []any
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) > 0 || len(out.Data.Skills.Edges) != 5 {
		t.Fatalf("got %d skills and errors %v, want 5 skills", len(out.Data.Skills.Edges), out.Errors)
	}

	// Graceful shutdown: a request whose body is still arriving when the signal comes must be
	// served in full (its context is not cancelled by the signal), and only then does run return.
	pr, pw := io.Pipe()
	inflight := make(chan *http.Response, 1)
	go func() {
		res, err := http.Post(base+"/graphql", "application/json", pr) //nolint:bodyclose,noctx // the receiver closes it; the request must outlive any test context
		if err != nil {
			t.Error(err)
		}
		inflight <- res
	}()
	half := len(body) / 2
	if _, err := pw.Write([]byte(body[:half])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	time.Sleep(200 * time.Millisecond)
	if _, err := pw.Write([]byte(body[half:])); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	if res := <-inflight; res == nil || res.StatusCode != http.StatusOK {
		t.Errorf("in-flight request during shutdown: %v", res)
	} else {
		out.Data.Skills.Edges = nil
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 || len(out.Data.Skills.Edges) != 5 {
			t.Errorf("in-flight request during shutdown: %v %v", err, out.Errors)
		}
		_ = res.Body.Close()
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// post sends a JSON body; the caller closes the response body.
func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func waitHealthy(t *testing.T, base string, done <-chan error, logs fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run exited early: %v\n%s", err, logs)
		default:
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server not healthy within 30s\n%s", logs)
}

func TestHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"gigraph", "--help"}, func(string) string { return "" }, &out, &out)
	if err == nil {
		t.Fatal("--help returned nil error, want flag.ErrHelp")
	}
	for _, want := range []string{"DATABASE_URL", "GIGRAPH_ENV", "ADDR", "GIGRAPH_PG_DATA_DIR", "GIGRAPH_MAX_BODY_BYTES", "GIGRAPH_MAX_DEPTH", "GIGRAPH_MAX_ALIASES", "GIGRAPH_MAX_DIRECTIVES", "GIGRAPH_MAX_COST", "GIGRAPH_OPERATION_TIMEOUT", "GIGRAPH_RATE_PER_ADDRESS", "GIGRAPH_RATE_PER_TOKEN", "GIGRAPH_TRUSTED_PROXIES", "GIGRAPH_ALLOWED_ORIGINS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help output lacks %s:\n%s", want, out.String())
		}
	}
}

// TestRunEmbeddedPostgres runs the server the way `make run` does, with no DATABASE_URL: it must
// create its own cluster, migrate and seed it, answer queries, and leave no PostgreSQL process
// behind once its context ends.
func TestRunEmbeddedPostgres(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "postgres")
	port := freePort(t)
	env := map[string]string{"GIGRAPH_PG_DATA_DIR": dir, "ADDR": fmt.Sprintf("127.0.0.1:%d", port)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"gigraph"}, func(k string) string { return env[k] }, &logs, &logs) }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHealthy(t, base, done, &logs)

	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	res := post(t, base+"/graphql", `{"query":"{ skills(first: 1) { edges { node { name } } } }"}`)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200", res.StatusCode)
	}

	began := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10s of cancel")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postgres %d still exists after run returned (kill 0: %v)", pid, err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("shutdown took %s, want under 5s", took)
	}
}

// TestREADMEListsEverySetting keeps the README's configuration table in step with the flags.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg, fs, err := parseConfig("gigraph", nil, func(string) string { return "" }, io.Discard)
	if err != nil || cfg == nil {
		t.Fatal(err)
	}
	fs.VisitAll(func(f *flag.Flag) {
		if !bytes.Contains(readme, []byte("| `--"+f.Name+"` |")) {
			t.Errorf("README.md's configuration table lacks --%s", f.Name)
		}
	})
}
