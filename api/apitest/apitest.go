// Package apitest runs the real HTTP handler on a real database for tests, and speaks GraphQL to it
// over real HTTP.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/feed"
	"github.com/gigraph/gigraph/market"
)

// Server is a running API on its own fresh database.
type Server struct {
	URL   string
	Store *db.Store
	HTTP  *httptest.Server
	// Feed is this server's own feed (listener and hubs), as each instance of a deployment has.
	Feed *feed.Feed
	// Handler is the API handler (Shutdown ends its WebSockets).
	Handler *api.Handler
}

// New starts the API on a fresh database with the given config and stops it when the test ends.
func New(tb testing.TB, cfg api.Config) *Server {
	tb.Helper()
	store := dbtest.New(tb)
	return NewWithStore(tb, cfg, store)
}

// NewWithStore starts the API on an existing store (several servers may share one database).
func NewWithStore(tb testing.TB, cfg api.Config, store *db.Store) *Server {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{tb}, nil))
	}
	// Tests send bursts from one address and token; rate limits are off unless a test sets them.
	if cfg.RatePerAddress.PerSecond == 0 {
		cfg.RatePerAddress.PerSecond = -1
	}
	if cfg.RatePerToken.PerSecond == 0 {
		cfg.RatePerToken.PerSecond = -1
	}
	if cfg.Feed == nil {
		cfg.Feed = feed.New(store, log, feed.Options{})
		if err := cfg.Feed.Start(context.Background()); err != nil {
			tb.Fatalf("start feed: %v", err)
		}
		tb.Cleanup(cfg.Feed.Close)
	}
	h := api.New(cfg, store, log)
	ts := httptest.NewServer(h)
	tb.Cleanup(func() {
		// Hijacked WebSocket connections outlive ts.Close; end them first.
		_ = h.Shutdown(context.Background())
		ts.CloseClientConnections()
		ts.Close()
	})
	return &Server{URL: ts.URL, Store: store, HTTP: ts, Feed: cfg.Feed, Handler: h}
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// Error is one GraphQL error of a response.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Response is a decoded GraphQL response.
type Response struct {
	Status int
	Header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Codes lists the extensions.code of every error.
func (r *Response) Codes() []string {
	out := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		out[i] = e.Code()
	}
	return out
}

// Decode unmarshals data into v.
func (r *Response) Decode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		tb.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// Client sends GraphQL requests, optionally with a bearer token.
type Client struct {
	URL   string
	Token string
}

// Client returns an anonymous client of the server.
func (s *Server) Client() *Client { return &Client{URL: s.URL + "/graphql"} }

// As returns a client of the server that sends token.
func (s *Server) As(token string) *Client { return &Client{URL: s.URL + "/graphql", Token: token} }

// Do posts a query with variables and decodes the response; transport failures fail the test.
func (c *Client) Do(tb testing.TB, query string, vars map[string]any) *Response {
	tb.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	out := &Response{Status: res.StatusCode, Header: res.Header}
	if err := json.Unmarshal(raw, out); err != nil {
		tb.Fatalf("response is not JSON (status %d): %s", res.StatusCode, raw)
	}
	return out
}

// MustDo is Do that fails the test when the response has errors, and decodes data into v.
func (c *Client) MustDo(tb testing.TB, query string, vars map[string]any, v any) {
	tb.Helper()
	res := c.Do(tb, query, vars)
	if len(res.Errors) > 0 {
		tb.Fatalf("unexpected errors: %+v", res.Errors)
	}
	if v != nil {
		res.Decode(tb, v)
	}
}

var userSeq int

// NewUser creates a user with a live session directly in the store and returns it with its
// bearer token; for tests that need a logged-in viewer without going through login.
func NewUser(tb testing.TB, store *db.Store, admin bool) (*market.User, string) {
	tb.Helper()
	userSeq++
	ctx := context.Background()
	u, err := store.CreateUser(ctx, fmt.Sprintf("user%d-%d@example.com", userSeq, time.Now().UnixNano()), fmt.Sprintf("Test User %d", userSeq), "unusable")
	if err != nil {
		tb.Fatal(err)
	}
	if admin {
		if _, err := store.DB().ExecContext(ctx, `UPDATE users SET is_admin = true WHERE id = $1`, u.ID); err != nil {
			tb.Fatal(err)
		}
		u.IsAdmin = true
	}
	token, hash := auth.NewToken()
	if err := store.CreateSession(ctx, u.ID, hash, time.Now().Add(time.Hour)); err != nil {
		tb.Fatal(err)
	}
	return u, token
}
