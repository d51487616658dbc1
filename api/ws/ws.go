// Package ws serves GraphQL over WebSocket with gorilla/websocket. Transport speaks
// graphql-transport-ws itself, to the letter of the spec's close codes (init timeout 4408,
// repeated init 4429, subscribe before init 4401, forbidden 4403, duplicate operation id 4409,
// invalid message 4400), and is built to hold many idle subscribers cheaply (see Transport). The
// legacy graphql-ws subprotocol goes to gqlgen's transport through Implementation, a gorilla
// adapter whose guard adds the init timeout and the operation cap. Both enforce the read limit, a
// per-socket operation cap, a cap on open sockets, the Origin allow-list and protocol-level
// keep-alive pings with a dead-peer timeout.
package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"

	"github.com/gigraph/gigraph/metrics"
)

// The graphql-transport-ws close codes.
const (
	CloseBadRequest         = 4400
	CloseUnauthorized       = 4401
	CloseForbidden          = 4403
	CloseInitTimeout        = 4408
	CloseSubscriberExists   = 4409
	CloseTooManyInitRequest = 4429
)

// Subprotocol names.
const (
	TransportWS = "graphql-transport-ws"
	LegacyWS    = "graphql-ws"
)

// Config tunes the implementation. Zero values get defaults.
type Config struct {
	// AllowedOrigins are the browser origins allowed to connect besides the server's own ("*":
	// any); requests without an Origin header (non-browser clients) are always allowed.
	AllowedOrigins []string
	// AllowLocalhost also allows any http(s)://localhost, 127.0.0.1 or [::1] origin (dev).
	AllowLocalhost bool
	// InitTimeout is how long a client has to send connection_init (default 3s).
	InitTimeout time.Duration
	// PingInterval is how often a WebSocket ping goes out (default 20s); a peer that answers no
	// ping for PingInterval+PongTimeout (default 10s) is dropped.
	PingInterval, PongTimeout time.Duration
	// MaxOperations caps the concurrent operations of one socket (default 100).
	MaxOperations int
	// MaxConnections caps open sockets per server (default 20000; negative: no cap).
	MaxConnections int
	// WriteTimeout bounds one write to a client (default 10s); a client that does not read is
	// dropped rather than holding its sender.
	WriteTimeout time.Duration
	// CheckOrigin, if set, replaces the Origin check above (the server shares its CORS rules).
	CheckOrigin func(r *http.Request) bool
	// CloseCode, if set, may replace the code and reason of a close frame of the legacy
	// protocol, given the upgrade request's context (the server uses it to say 1001 "going away"
	// while shutting down).
	CloseCode func(ctx context.Context, code int, reason string) (int, string)
	// ReadLimit caps one client message (default 64 KiB); a larger one closes the socket (1009).
	ReadLimit int64
	// Init authenticates a graphql-transport-ws connection_init payload and returns the
	// socket's context (with the viewer); a *CloseError closes the socket with its code, any
	// other error with 1011.
	Init func(ctx context.Context, payload transport.InitPayload) (context.Context, error)
	// ShareKey names who an operation's results are rendered for (the viewer), so that a
	// subscription event is rendered once per shape and viewer (see shapeOf); nil: never shared.
	ShareKey func(ctx context.Context) string
	// Shutdown, when done, closes every graphql-transport-ws socket with 1001 "going away".
	Shutdown context.Context
	// OperationTimeout bounds a query or mutation sent over a socket (0: none).
	OperationTimeout time.Duration
	// OperationContext, if set, prepares each operation's context from the socket's (the server
	// gives every operation its own copy of the viewer, which a mutation may update).
	OperationContext func(ctx context.Context) context.Context
	// Detach, if set, makes a graphql-transport-ws socket's context from the upgrade request's,
	// keeping only the values operations need. Without it the socket keeps the request's whole
	// context (context.WithoutCancel), with everything each HTTP layer put in it, for its life.
	Detach func(ctx context.Context) context.Context
}

func (c *Config) defaults() {
	if c.InitTimeout <= 0 {
		c.InitTimeout = 3 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = 10 * time.Second
	}
	if c.MaxOperations <= 0 {
		c.MaxOperations = 100
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = 20000
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = 64 << 10
	}
}

// Implementation is a transport.WebsocketImplementation over gorilla/websocket.
type Implementation struct {
	cfg      Config
	upgrader websocket.Upgrader
	open     atomic.Int64
}

// New returns an implementation with cfg.
func New(cfg Config) *Implementation {
	cfg.defaults()
	im := &Implementation{cfg: cfg}
	im.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		// ReadBufferSize 0 reuses net/http's read buffer of the hijacked connection, which stays
		// alive for the socket's lifetime anyway (gqlgen serves the socket inside the handler).
		// Write buffers are taken from the pool only while a message is written.
		WriteBufferPool: &sync.Pool{},
		WriteBufferSize: 4096,
		// Origins are checked before the upgrade (see Accept); gorilla's check would answer a
		// second time after gqlgen's own error reply.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return im
}

// Open returns the number of open sockets.
func (im *Implementation) Open() int64 { return im.open.Load() }

// Accept upgrades a legacy graphql-ws request for gqlgen's transport (Transport serves
// graphql-transport-ws itself and hands only the other requests here).
func (im *Implementation) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	if !im.originAllowed(r) {
		return nil, fmt.Errorf("origin %q is not allowed", r.Header.Get("Origin"))
	}
	if im.cfg.MaxConnections > 0 && im.open.Load() >= int64(im.cfg.MaxConnections) {
		return nil, errors.New("too many open WebSocket connections")
	}
	up := im.upgrader
	up.Subprotocols = slices.DeleteFunc(slices.Clone(opts.Subprotocols), func(p string) bool { return p == TransportWS })
	ws, err := up.Upgrade(w, r, opts.ResponseHeader)
	if err != nil {
		return nil, err
	}
	im.open.Add(1)
	metrics.WebSocketConnections.Inc()
	c := &Conn{ws: ws, im: im, ctx: r.Context(), proto: ws.Subprotocol(), ids: map[string]struct{}{}}
	deadline := im.cfg.PingInterval + im.cfg.PongTimeout
	_ = ws.SetReadDeadline(time.Now().Add(deadline))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(deadline)) })
	c.initTimer = time.AfterFunc(im.cfg.InitTimeout, c.initTimeout)
	c.pingTimer = time.AfterFunc(im.cfg.PingInterval, c.ping)
	return c, nil
}

func (im *Implementation) originAllowed(r *http.Request) bool {
	if im.cfg.CheckOrigin != nil {
		return im.cfg.CheckOrigin(r)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser: Origin protects browsers' users only
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range im.cfg.AllowedOrigins {
		if o == "*" || strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return true
		}
	}
	if im.cfg.AllowLocalhost && (u.Scheme == "http" || u.Scheme == "https") {
		switch u.Hostname() {
		case "localhost", "127.0.0.1", "::1":
			return true
		}
	}
	return false
}

// Conn is one accepted socket. gqlgen reads from one goroutine and serializes its writes; the
// guard's own writes (close frames, pings) use gorilla's concurrency-safe WriteControl.
type Conn struct {
	ws    *websocket.Conn
	im    *Implementation
	ctx   context.Context // the upgrade request's
	proto string

	initTimer, pingTimer *time.Timer

	mu       sync.Mutex
	initSeen bool
	ids      map[string]struct{} // operations running, by id (graphql-transport-ws)
	closed   bool                // a close frame went out
	released bool

	wmu sync.Mutex
}

var (
	_ transport.WebsocketConn          = (*Conn)(nil)
	_ transport.WebsocketReadLimiter   = (*Conn)(nil)
	_ transport.WebsocketReadDeadliner = (*Conn)(nil)
)

// Subprotocol is the negotiated subprotocol.
func (c *Conn) Subprotocol() string { return c.proto }

// SetReadLimit caps the size of one client message; a larger one closes the socket (1009).
func (c *Conn) SetReadLimit(limit int64) { c.ws.SetReadLimit(limit) }

// SetReadDeadline sets the read deadline (gqlgen uses it for its own ping/pong timeout).
func (c *Conn) SetReadDeadline(t time.Time) error { return c.ws.SetReadDeadline(t) }

// NextReader returns the next client message that passes the guard. A message that breaks the
// protocol closes the socket with its close code, and gqlgen sees a closed connection.
func (c *Conn) NextReader() (int, io.Reader, error) {
	for {
		mt, r, err := c.ws.NextReader()
		if err != nil {
			if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived, websocket.CloseGoingAway) {
				return mt, nil, transport.ErrWebsocketClosed
			}
			return mt, nil, err
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return mt, nil, err
		}
		if mt != websocket.TextMessage {
			c.WriteClose(CloseBadRequest, "Invalid message: not text") //nolint:errcheck // best effort; the socket ends either way
			return mt, nil, transport.ErrWebsocketClosed
		}
		code, reason, deliver := c.inspect(data)
		if code != 0 {
			c.WriteClose(code, reason) //nolint:errcheck // best effort; the socket ends either way
			return mt, nil, transport.ErrWebsocketClosed
		}
		if deliver {
			return mt, bytes.NewReader(data), nil
		}
	}
}

type clientMessage struct {
	Type    *string         `json:"type"`
	ID      *string         `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// inspect applies the protocol rules gqlgen does not: it returns a close code and reason for a
// violation, or whether to hand the message to gqlgen.
func (c *Conn) inspect(data []byte) (code int, reason string, deliver bool) {
	var m clientMessage
	if err := json.Unmarshal(data, &m); err != nil || m.Type == nil {
		return CloseBadRequest, "Invalid message received", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inspectLegacy(&m)
}

// inspectLegacy enforces what applies to the legacy graphql-ws protocol: the init timeout and the
// operation cap; gqlgen handles the rest as that protocol expects.
func (c *Conn) inspectLegacy(m *clientMessage) (int, string, bool) {
	switch *m.Type {
	case "connection_init":
		c.initSeen = true
		c.initTimer.Stop()
	case "start":
		if m.ID != nil {
			if _, running := c.ids[*m.ID]; !running && len(c.ids) >= c.im.cfg.MaxOperations {
				c.rejectOperation(*m.ID)
				return 0, "", false
			}
			c.ids[*m.ID] = struct{}{}
		}
	case "stop":
		if m.ID != nil {
			delete(c.ids, *m.ID)
		}
	}
	return 0, "", true
}

// rejectOperation answers an operation over the cap with an error for that operation only.
// Called with c.mu held.
func (c *Conn) rejectOperation(id string) {
	msg := map[string]any{"type": "error", "id": id, "payload": map[string]any{
		"message":    fmt.Sprintf("too many operations on this socket (at most %d at once)", c.im.cfg.MaxOperations),
		"extensions": map[string]any{"code": "RATE_LIMITED"},
	}}
	go c.WriteJSON(msg) //nolint:errcheck // a failed write closes the socket
}

func objectOrAbsent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null")) || raw[0] == '{'
}

func truncate(s string) string {
	if len(s) > 64 {
		return cutUTF8(s, 64) + "…"
	}
	return s
}

// cutUTF8 shortens s to at most n bytes without splitting a character (a close reason must be
// valid UTF-8, or browsers report a protocol error instead of the code).
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// WriteJSON writes one message. When gqlgen ends an operation (complete or error), its id is free
// again. A write that fails or times out closes the socket, so a client that does not read cannot
// hold the server's sender.
func (c *Conn) WriteJSON(v any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return err
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	c.releaseID(b)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(c.im.cfg.WriteTimeout))
	if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		_ = c.ws.NetConn().Close()
		return err
	}
	return nil
}

var (
	completeSuffix = []byte(`"type":"complete"}`)
	errorSuffix    = []byte(`"type":"error"}`)
)

// releaseID frees the id of an operation gqlgen ended. gqlgen encodes type last, so the suffix
// tells cheaply which messages need a closer look.
func (c *Conn) releaseID(b []byte) {
	if !bytes.HasSuffix(b, completeSuffix) && !bytes.HasSuffix(b, errorSuffix) {
		return
	}
	var m struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(b, &m) == nil && m.ID != "" {
		c.mu.Lock()
		delete(c.ids, m.ID)
		c.mu.Unlock()
	}
}

// WriteClose sends a close frame with code and reason; only the first one counts.
func (c *Conn) WriteClose(code int, reason string) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	if c.im.cfg.CloseCode != nil {
		code, reason = c.im.cfg.CloseCode(c.ctx, code, reason)
	}
	if len(reason) > 120 {
		reason = cutUTF8(reason, 120) // a close frame's reason must fit in 123 bytes
	}
	return c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
}

// Close closes the connection.
func (c *Conn) Close() error {
	c.initTimer.Stop()
	c.pingTimer.Stop()
	c.mu.Lock()
	first := !c.released
	c.released = true
	c.mu.Unlock()
	if first {
		c.im.open.Add(-1)
		metrics.WebSocketConnections.Dec()
	}
	err := c.ws.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (c *Conn) initTimeout() {
	c.mu.Lock()
	seen := c.initSeen
	c.mu.Unlock()
	if !seen {
		_ = c.WriteClose(CloseInitTimeout, "Connection initialisation timeout")
		_ = c.ws.NetConn().Close() // wakes gqlgen's pending read
	}
}

func (c *Conn) ping() {
	// A failed ping (a data write holding the socket, a full send buffer) is not fatal here: the
	// read deadline decides when the peer is dead.
	_ = c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.im.cfg.WriteTimeout))
	c.mu.Lock()
	done := c.released
	c.mu.Unlock()
	if !done {
		c.pingTimer.Reset(c.im.cfg.PingInterval)
	}
}
