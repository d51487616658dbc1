package ws_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gigraph/gigraph/api"
	"github.com/gigraph/gigraph/api/apitest"
	"github.com/gigraph/gigraph/api/ws"
	"github.com/gigraph/gigraph/db/dbtest"
	"github.com/gigraph/gigraph/feed/feedtest"
	"github.com/gigraph/gigraph/metrics"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const sub = `subscription { gigPosted { cursor } }`

// TestCloseCodes drives each graphql-transport-ws rule with a real client and checks the close code.
func TestCloseCodes(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	_, token := apitest.NewUser(t, srv.Store, false)
	tests := []struct {
		name string
		run  func(c *feedtest.WS)
		want int
	}{
		{"second connection_init", func(c *feedtest.WS) {
			c.Init("")
			c.Send(map[string]any{"type": "connection_init"})
		}, ws.CloseTooManyInitRequest},
		{"subscribe before connection_ack", func(c *feedtest.WS) {
			c.Subscribe("1", sub, nil)
		}, ws.CloseUnauthorized},
		{"bad token", func(c *feedtest.WS) {
			c.Send(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer nope"}})
		}, ws.CloseForbidden},
		{"malformed authorization", func(c *feedtest.WS) {
			c.Send(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Basic abc"}})
		}, ws.CloseForbidden},
		{"duplicate operation id", func(c *feedtest.WS) {
			c.Init(token)
			c.Subscribe("a", sub, nil)
			c.Subscribe("a", sub, nil)
		}, ws.CloseSubscriberExists},
		{"unknown message type", func(c *feedtest.WS) {
			c.Init("")
			c.Send(map[string]any{"type": "bogus"})
		}, ws.CloseBadRequest},
		{"not JSON", func(c *feedtest.WS) {
			if err := c.Conn.WriteMessage(websocket.TextMessage, []byte("{oops")); err != nil {
				t.Fatal(err)
			}
		}, ws.CloseBadRequest},
		{"no type before init", func(c *feedtest.WS) {
			c.Send(map[string]any{"id": "1"})
		}, ws.CloseBadRequest},
		{"subscribe without id", func(c *feedtest.WS) {
			c.Init("")
			c.Send(map[string]any{"type": "subscribe", "payload": map[string]any{"query": sub}})
		}, ws.CloseBadRequest},
		{"subscribe without query", func(c *feedtest.WS) {
			c.Init("")
			c.Send(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{}})
		}, ws.CloseBadRequest},
		{"server message from client", func(c *feedtest.WS) {
			c.Init("")
			c.Send(map[string]any{"type": "next", "id": "1", "payload": map[string]any{}})
		}, ws.CloseBadRequest},
		{"binary frame", func(c *feedtest.WS) {
			if err := c.Conn.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"connection_init"}`)); err != nil {
				t.Fatal(err)
			}
		}, ws.CloseBadRequest},
		{"message over 64 KiB", func(c *feedtest.WS) {
			c.Init("")
			c.Send(map[string]any{"type": "ping", "payload": map[string]any{"x": strings.Repeat("x", 70<<10)}})
		}, websocket.CloseMessageTooBig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := feedtest.Dial(t, srv.URL, ws.TransportWS)
			tc.run(c)
			if got := c.CloseCode(5 * time.Second); got != tc.want {
				t.Fatalf("close code %d, want %d", got, tc.want)
			}
		})
	}
	t.Run("no connection_init within 3 s", func(t *testing.T) {
		t.Parallel()
		c := feedtest.Dial(t, srv.URL, ws.TransportWS)
		start := time.Now()
		if got := c.CloseCode(6 * time.Second); got != ws.CloseInitTimeout {
			t.Fatalf("close code %d, want %d", got, ws.CloseInitTimeout)
		}
		if d := time.Since(start); d < 2900*time.Millisecond || d > 4*time.Second {
			t.Fatalf("closed after %v, want 3s", d)
		}
	})
}

func TestPingPongAndReuse(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	c := feedtest.Dial(t, srv.URL, ws.TransportWS)
	// ping is allowed before connection_init too.
	c.Send(map[string]any{"type": "ping"})
	if m := c.Read(2 * time.Second); m.Type != "pong" {
		t.Fatalf("got %s, want pong", m.Type)
	}
	c.Init("")
	c.Send(map[string]any{"type": "ping", "payload": map[string]any{"k": 1}})
	if m := c.Read(2 * time.Second); m.Type != "pong" {
		t.Fatalf("got %s, want pong", m.Type)
	}
	// A query operation completes, after which its id may be used again.
	for range 2 {
		c.Subscribe("q", `{ __typename }`, nil)
		if m := c.Read(2 * time.Second); m.Type != "next" {
			t.Fatalf("got %s %s, want next", m.Type, m.Payload)
		}
		if m := c.Read(2 * time.Second); m.Type != "complete" || m.ID != "q" {
			t.Fatalf("got %s %s, want complete", m.Type, m.ID)
		}
	}
	// A client complete ends a subscription and frees its id.
	c.Subscribe("s", sub, nil)
	c.Send(map[string]any{"type": "complete", "id": "s"})
	time.Sleep(50 * time.Millisecond)
	c.Subscribe("s", sub, nil)
	c.Send(map[string]any{"type": "ping"})
	for {
		m := c.Read(2 * time.Second)
		if m.Type == "pong" {
			break
		}
		if m.Type != "complete" {
			t.Fatalf("got %s %s", m.Type, m.Payload)
		}
	}
}

func TestOperationCap(t *testing.T) {
	srv := apitest.New(t, api.Config{WebSocket: ws.Config{MaxOperations: 2}})
	c := feedtest.Dial(t, srv.URL, ws.TransportWS)
	c.Init("")
	c.Subscribe("1", sub, nil)
	c.Subscribe("2", sub, nil)
	c.Subscribe("3", sub, nil)
	m := c.Read(2 * time.Second)
	if m.Type != "error" || m.ID != "3" || !strings.Contains(string(m.Payload), "RATE_LIMITED") {
		t.Fatalf("got %s %s %s, want a RATE_LIMITED error for 3", m.Type, m.ID, m.Payload)
	}
	c.Send(map[string]any{"type": "complete", "id": "1"})
	time.Sleep(50 * time.Millisecond)
	c.Subscribe("4", sub, nil)
	c.Send(map[string]any{"type": "ping"})
	for {
		m := c.Read(2 * time.Second)
		if m.Type == "pong" {
			break
		}
		if m.Type == "error" {
			t.Fatalf("operation 4 rejected after 1 completed: %s", m.Payload)
		}
	}
}

func TestOrigins(t *testing.T) {
	tests := []struct {
		env, origin string
		ok          bool
	}{
		{"prod", "", true},
		{"prod", "https://app.example.com", true},
		{"prod", "https://evil.example.com", false},
		{"prod", "http://localhost:3000", false},
		{"dev", "http://localhost:3000", true},
		{"dev", "http://127.0.0.1:5173", true},
		{"dev", "https://evil.example.com", false},
	}
	servers := map[string]*apitest.Server{
		"prod": apitest.New(t, api.Config{Env: "prod", AllowedOrigins: []string{"https://app.example.com"}}),
		"dev":  apitest.New(t, api.Config{Env: "dev"}),
	}
	for _, tc := range tests {
		t.Run(tc.env+" "+tc.origin, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			c, err := feedtest.TryDial(servers[tc.env].URL, ws.TransportWS, h)
			if c != nil {
				_ = c.Close()
			}
			if got := err == nil; got != tc.ok {
				t.Fatalf("connected %v (%v), want %v", got, err, tc.ok)
			}
		})
	}
}

// TestLegacyProtocol: the graphql-ws subprotocol still works for old clients.
func TestLegacyProtocol(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	client := feedtest.NewClient(t, srv.Store)
	c := feedtest.Dial(t, srv.URL, ws.LegacyWS)
	c.Send(map[string]any{"type": "connection_init", "payload": map[string]any{}})
	if m := c.Read(2 * time.Second); m.Type != "connection_ack" {
		t.Fatalf("got %s, want connection_ack", m.Type)
	}
	c.Send(map[string]any{"type": "start", "id": "1", "payload": map[string]any{"query": `subscription { gigPosted { project { title } } }`}})
	for deadline := time.Now().Add(10 * time.Second); srv.Feed.Gigs.Stats().Subscribers == 0; {
		if time.Now().After(deadline) {
			t.Fatal("not subscribed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "Legacy gig"})
	for {
		m := c.Read(5 * time.Second)
		if m.Type == "ka" {
			continue
		}
		if m.Type != "data" || !strings.Contains(string(m.Payload), "Legacy gig") {
			t.Fatalf("got %s %s, want data", m.Type, m.Payload)
		}
		break
	}
}

// TestDeadPeer: a client that stops answering WebSocket pings is dropped after the pong timeout;
// one that answers stays.
func TestDeadPeer(t *testing.T) {
	srv := apitest.New(t, api.Config{WebSocket: ws.Config{PingInterval: 100 * time.Millisecond, PongTimeout: 100 * time.Millisecond}})
	alive := feedtest.Dial(t, srv.URL, ws.TransportWS)
	alive.Init("")
	dead := feedtest.Dial(t, srv.URL, ws.TransportWS)
	dead.Init("")
	// gorilla answers pings only while it reads: the alive client keeps reading, the dead one not.
	if _, err := alive.TryRead(time.Second); err == nil || websocket.IsUnexpectedCloseError(err) || strings.Contains(err.Error(), "close") {
		t.Fatalf("alive client: %v, want only a read timeout", err)
	}
	time.Sleep(500 * time.Millisecond)
	_, err := dead.TryRead(time.Second)
	if err == nil || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("silent client still connected (%v)", err)
	}
}

// TestSharedRendering: a gig reaching several subscribers that select it the same way is
// executed once per selection and viewer; the filters do not matter, the selection and the
// viewer do. Every subscriber still gets exactly its own event.
func TestSharedRendering(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	client := feedtest.NewClient(t, srv.Store)
	_, token := apitest.NewUser(t, srv.Store, false)
	const titleOnly = `subscription($filter: GigFilter) { gigPosted(filter: $filter) { cursor project { title } } }`
	const withBudget = `subscription { gigPosted { cursor project { title budget { amount } } } }`
	type subscriber struct {
		c     *feedtest.WS
		token string
		query string
		vars  map[string]any
	}
	subs := []*subscriber{
		{query: titleOnly},
		{query: titleOnly, vars: map[string]any{"filter": map[string]any{"skills": []string{"go"}}}},
		{query: titleOnly, vars: map[string]any{"filter": map[string]any{"remote": true}}},
		{query: withBudget},
		{query: titleOnly, token: token},
	}
	for _, s := range subs {
		s.c = feedtest.Dial(t, srv.URL, ws.TransportWS)
		s.c.Init(s.token)
		s.c.Subscribe("1", s.query, s.vars)
	}
	waitFor(t, func() bool { return srv.Feed.Gigs.Stats().Subscribers == len(subs) })
	executed0 := testutil.ToFloat64(metrics.SubscriptionEventsExecuted)
	shared0 := testutil.ToFloat64(metrics.SubscriptionEventsShared)
	feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "Shared gig", Skills: []string{"go"}})
	for i, s := range subs {
		m := s.c.Read(5 * time.Second)
		if m.Type != "next" || !strings.Contains(string(m.Payload), `"title":"Shared gig"`) {
			t.Fatalf("subscriber %d got %s %s", i, m.Type, m.Payload)
		}
		if strings.Contains(string(m.Payload), "budget") != (s.query == withBudget) {
			t.Fatalf("subscriber %d got another selection's rendering: %s", i, m.Payload)
		}
	}
	// Three renderings: the title-only one for anonymous subscribers (shared by three), the one
	// with a budget, and the title-only one for the signed-in viewer.
	if d := testutil.ToFloat64(metrics.SubscriptionEventsExecuted) - executed0; d != 3 {
		t.Errorf("%v executions, want 3", d)
	}
	if d := testutil.ToFloat64(metrics.SubscriptionEventsShared) - shared0; d != 2 {
		t.Errorf("%v shared renderings, want 2", d)
	}
}

// TestShutdownClosesWithGoingAway: when the server shuts down, every socket of either protocol is
// closed with 1001 and a reason that says to resume.
func TestShutdownClosesWithGoingAway(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	modern := feedtest.Dial(t, srv.URL, ws.TransportWS)
	modern.Init("")
	modern.Subscribe("1", sub, nil)
	legacy := feedtest.Dial(t, srv.URL, ws.LegacyWS)
	legacy.Send(map[string]any{"type": "connection_init"})
	waitFor(t, func() bool { return srv.Feed.Gigs.Stats().Subscribers == 1 })
	_ = srv.Handler.Shutdown(t.Context())
	for name, c := range map[string]*feedtest.WS{"graphql-transport-ws": modern, "graphql-ws": legacy} {
		if got := c.CloseCode(5 * time.Second); got != api.CloseGoingAway {
			t.Errorf("%s: close code %d, want %d", name, got, api.CloseGoingAway)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSlowRenderingsKeepTheSocket: a socket whose subscriptions take a while to render (here each
// waits out the loader window) but whose client reads everything is not dropped by the write
// timeout: each write gets its own.
func TestSlowRenderingsKeepTheSocket(t *testing.T) {
	srv := apitest.New(t, api.Config{LoaderWait: 150 * time.Millisecond, WebSocket: ws.Config{WriteTimeout: 300 * time.Millisecond}})
	client := feedtest.NewClient(t, srv.Store)
	c := feedtest.Dial(t, srv.URL, ws.TransportWS)
	c.Init("")
	const n = 4
	for i := range n {
		// Distinct aliases: distinct shapes, so each is executed.
		c.Subscribe(fmt.Sprint(i), fmt.Sprintf(`subscription { a%d: gigPosted { cursor project { client { id } } } }`, i), nil)
	}
	waitFor(t, func() bool { return srv.Feed.Gigs.Stats().Subscribers == n })
	feedtest.Post(t, srv.Store, client, feedtest.Gig{Title: "slow"})
	for i := range n {
		m, err := c.TryRead(5 * time.Second)
		if err != nil || m.Type != "next" {
			t.Fatalf("after %d events: %v %s %s", i, err, m.Type, m.Payload)
		}
	}
}

// TestUnansweredCloseStillEnds: a client that never answers our close frame (here: it keeps
// sending pongs, which extend a live socket's deadline) is cut off after the close grace period,
// and its subscriptions end with the close, not later.
func TestUnansweredCloseStillEnds(t *testing.T) {
	for _, mode := range []string{"init timeout", "shutdown"} {
		t.Run(mode, func(t *testing.T) {
			srv := apitest.New(t, api.Config{WebSocket: ws.Config{InitTimeout: 300 * time.Millisecond, PingInterval: 500 * time.Millisecond, PongTimeout: 500 * time.Millisecond}})
			base := testutil.ToFloat64(metrics.WebSocketConnections)
			c := feedtest.Dial(t, srv.URL, ws.TransportWS)
			if mode == "shutdown" {
				c.Init("")
				c.Subscribe("1", sub, nil)
				waitFor(t, func() bool { return srv.Feed.Gigs.Stats().Subscribers == 1 })
			}
			gotClose := make(chan int, 1)
			c.Conn.SetCloseHandler(func(code int, _ string) error { gotClose <- code; return nil }) // no answer
			go func() {
				for {
					if _, _, err := c.Conn.ReadMessage(); err != nil {
						return
					}
				}
			}()
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(200 * time.Millisecond):
						_ = c.Conn.WriteControl(websocket.PongMessage, nil, time.Now().Add(time.Second))
					}
				}
			}()
			if mode == "shutdown" {
				_ = srv.Handler.Shutdown(t.Context())
			}
			select {
			case <-gotClose:
			case <-time.After(5 * time.Second):
				t.Fatal("no close frame")
			}
			if mode == "shutdown" {
				waitFor(t, func() bool { return srv.Feed.Gigs.Stats().Subscribers == 0 })
			}
			waitFor(t, func() bool { return testutil.ToFloat64(metrics.WebSocketConnections) == base })
		})
	}
}

// TestNumericVariables: numbers in a subscribe payload's variables reach gqlgen as JSON numbers
// (an Int variable is not a float).
func TestNumericVariables(t *testing.T) {
	srv := apitest.New(t, api.Config{})
	c := feedtest.Dial(t, srv.URL, ws.TransportWS)
	c.Init("")
	c.Subscribe("q", `query($n: Int) { skills(first: $n) { edges { node { slug } } } }`, map[string]any{"n": 3})
	m := c.Read(5 * time.Second)
	if m.Type != "next" || strings.Contains(string(m.Payload), "errors") || strings.Count(string(m.Payload), "slug") != 3 {
		t.Fatalf("got %s %s, want three skills", m.Type, m.Payload)
	}
}
