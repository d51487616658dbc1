// Package feedtest posts gigs straight into a test database, the way a postProject transaction
// does (project, skills and gig event in one transaction), and speaks graphql-transport-ws to a
// test server with a real gorilla/websocket client.
package feedtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/db"
)

// Gig describes a gig to post; zero fields get defaults (remote, FIXED, 1000.00 EUR, skill go).
type Gig struct {
	Title    string
	Skills   []string
	RateType string
	Budget   int64
	Currency string
	Remote   *bool
	Country  string
}

var seq atomic.Int64

// NewClient creates a user with a client profile and returns the client's id.
func NewClient(tb testing.TB, store *db.Store) int64 {
	tb.Helper()
	n := seq.Add(1)
	var id int64
	err := store.DB().QueryRowContext(context.Background(), `
WITH u AS (INSERT INTO users (email, name, password_hash) VALUES ($1, 'Client', 'x') RETURNING id)
INSERT INTO clients (user_id, company_name, country) SELECT id, 'ACME', 'DE' FROM u RETURNING id`,
		fmt.Sprintf("client%d-%d@example.com", n, time.Now().UnixNano())).Scan(&id)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// Post inserts a gig and its event in one transaction and returns the event's position.
func Post(tb testing.TB, store *db.Store, clientID int64, g Gig) int64 {
	tb.Helper()
	pos, err := TryPost(context.Background(), store, clientID, g)
	if err != nil {
		tb.Fatal(err)
	}
	return pos
}

// TryPost is Post for goroutines: it returns the error instead of failing the test.
func TryPost(ctx context.Context, store *db.Store, clientID int64, g Gig) (int64, error) {
	var pos int64
	err := store.InTx(ctx, func(tx *sqlx.Tx) error {
		id, err := InsertProject(ctx, tx, clientID, g)
		if err != nil {
			return err
		}
		if err := db.AppendGigEvent(ctx, tx, id); err != nil {
			return err
		}
		return tx.GetContext(ctx, &pos, `SELECT max(id) FROM gig_events WHERE project_id = $1`, id)
	})
	return pos, err
}

// InsertProject inserts the project row and its skills (no event).
func InsertProject(ctx context.Context, tx sqlx.ExtContext, clientID int64, g Gig) (int64, error) {
	if g.Title == "" {
		g.Title = fmt.Sprintf("Gig %d", seq.Add(1))
	}
	if g.Skills == nil {
		g.Skills = []string{"go"}
	}
	if g.RateType == "" {
		g.RateType = "FIXED"
	}
	if g.Budget == 0 {
		g.Budget = 100000
	}
	if g.Currency == "" {
		g.Currency = "EUR"
	}
	remote := true
	if g.Remote != nil {
		remote = *g.Remote
	}
	var country *string
	if g.Country != "" {
		country = &g.Country
	}
	var id int64
	err := sqlx.GetContext(ctx, tx, &id, `
INSERT INTO projects (client_id, title, description, rate_type, budget, currency, remote, country)
VALUES ($1, $2, 'A test gig.', $3, $4, $5, $6, $7) RETURNING id`,
		clientID, g.Title, g.RateType, g.Budget, g.Currency, remote, country)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `
INSERT INTO project_skills (project_id, skill_id) SELECT $1, id FROM skills WHERE slug = ANY($2)`, id, pq.Array(g.Skills))
	return id, err
}

// Message is a graphql-transport-ws message.
type Message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// WS is a WebSocket client of a test server.
type WS struct {
	tb   testing.TB
	Conn *websocket.Conn
}

// Dial opens a WebSocket to the server's /graphql (httpURL is its http:// base URL) with the given
// subprotocol.
func Dial(tb testing.TB, httpURL, subprotocol string) *WS {
	tb.Helper()
	c, err := TryDial(httpURL, subprotocol, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return &WS{tb: tb, Conn: c}
}

// TryDial dials without failing the test.
func TryDial(httpURL, subprotocol string, header http.Header) (*websocket.Conn, error) {
	d := websocket.Dialer{Subprotocols: []string{subprotocol}, HandshakeTimeout: 10 * time.Second}
	c, res, err := d.Dial("ws"+strings.TrimPrefix(httpURL, "http")+"/graphql", header)
	if res != nil && res.Body != nil {
		_ = res.Body.Close()
	}
	return c, err
}

// Send writes a message.
func (w *WS) Send(m any) {
	w.tb.Helper()
	if err := w.Conn.WriteJSON(m); err != nil {
		w.tb.Fatal(err)
	}
}

// Init sends connection_init (with an authorization when token is not empty) and waits for the
// ack.
func (w *WS) Init(token string) {
	w.tb.Helper()
	payload := map[string]any{}
	if token != "" {
		payload["authorization"] = "Bearer " + token
	}
	w.Send(map[string]any{"type": "connection_init", "payload": payload})
	if m := w.Read(5 * time.Second); m.Type != "connection_ack" {
		w.tb.Fatalf("got %s, want connection_ack", m.Type)
	}
}

// Subscribe starts an operation.
func (w *WS) Subscribe(id, query string, vars map[string]any) {
	w.tb.Helper()
	p, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	w.Send(Message{ID: id, Type: "subscribe", Payload: p})
}

// Read returns the next message, failing the test on timeout or close.
func (w *WS) Read(timeout time.Duration) Message {
	w.tb.Helper()
	m, err := w.TryRead(timeout)
	if err != nil {
		w.tb.Fatalf("read: %v", err)
	}
	return m
}

// TryRead returns the next message or the read error (a *websocket.CloseError when the server
// closed the socket).
func (w *WS) TryRead(timeout time.Duration) (Message, error) {
	_ = w.Conn.SetReadDeadline(time.Now().Add(timeout))
	var m Message
	_, data, err := w.Conn.ReadMessage()
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(data, &m)
}

// CloseCode reads until the server closes the socket and returns its close code (0 when the
// connection ended another way or nothing came within timeout).
func (w *WS) CloseCode(timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		_, err := w.TryRead(time.Until(deadline))
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		return 0
	}
	return 0
}

// GigEvent is the data of a gigPosted message.
type GigEvent struct {
	Cursor  string `json:"cursor"`
	Project struct {
		Title string `json:"title"`
	} `json:"project"`
}

// GigPostedQuery is a gigPosted subscription selecting the cursor and the project's title.
const GigPostedQuery = `subscription($filter: GigFilter, $after: String) {
  gigPosted(filter: $filter, after: $after) { cursor project { title } }
}`

// NextGig reads the next message of operation id and decodes it as a gigPosted event; any other
// message fails the test.
func (w *WS) NextGig(timeout time.Duration) GigEvent {
	w.tb.Helper()
	m := w.Read(timeout)
	if m.Type != "next" {
		w.tb.Fatalf("got %s %s, want next", m.Type, m.Payload)
	}
	var p struct {
		Data struct {
			GigPosted GigEvent `json:"gigPosted"`
		} `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
		w.tb.Fatalf("bad next payload %s: %v", m.Payload, err)
	}
	return p.Data.GigPosted
}
