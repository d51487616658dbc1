package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gigraph/gigraph/metrics"
	"github.com/gigraph/gigraph/stream"
)

// CloseError is returned by an InitFunc to close the socket with Code and Reason.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string { return e.Reason }

// Transport serves GraphQL over WebSocket. graphql-transport-ws is served here, built for many
// long-lived subscribers: one goroutine per socket (its reader); writes happen on a goroutine
// that exists only while a socket has something to send; timers instead of keep-alive
// goroutines; subscription events pulled through package stream when they are ready, and each
// event rendered once per subscription shape (see shapeOf) however many sockets receive it. The
// legacy graphql-ws subprotocol is handed to gqlgen's transport with this package's guard.
type Transport struct {
	im     *Implementation
	legacy transport.Websocket
	cache  *renderCache
}

var _ graphql.Transport = (*Transport)(nil)

// NewTransport returns the transport over im; legacy serves clients that do not offer
// graphql-transport-ws, and should use im too (so both count against one connection cap).
func NewTransport(im *Implementation, legacy transport.Websocket) *Transport {
	return &Transport{im: im, legacy: legacy, cache: newRenderCache(4096, renderTTL)}
}

// renderTTL is how long a rendering is reused. A live event reaches all its subscribers well
// within it; a subscriber replaying older events later gets them rendered afresh, with the data
// as it is then.
const renderTTL = 2 * time.Second

// Supports reports whether r asks for a WebSocket.
func (t *Transport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// Do upgrades r and serves the socket until it closes. For graphql-transport-ws it returns as
// soon as the socket is set up (the socket lives on in its own goroutine, so net/http's
// per-request state is freed); the legacy protocol is served inside the call.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if !slices.Contains(websocket.Subprotocols(r), TransportWS) {
		t.legacy.Do(w, r, exec)
		return
	}
	cfg := &t.im.cfg
	if !t.im.originAllowed(r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	if cfg.MaxConnections > 0 && t.im.open.Load() >= int64(cfg.MaxConnections) {
		http.Error(w, "too many open WebSocket connections", http.StatusServiceUnavailable)
		return
	}
	up := t.im.upgrader
	up.Subprotocols = []string{TransportWS}
	// Small read buffers: client messages are small and rare; a larger one is read in pieces.
	up.ReadBufferSize = 128
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // gorilla answered the request
	}
	t.im.open.Add(1)
	metrics.WebSocketConnections.Inc()

	// The socket outlives this request: detach from its cancellation, keeping its values (the
	// request id, the viewer of an Authorization header, the client address).
	base := context.WithoutCancel(r.Context())
	if cfg.Detach != nil {
		// gqlgen's executor wants an operation start time in the context (for tracing); a
		// socket-wide one is enough here.
		base = graphql.StartOperationTrace(cfg.Detach(r.Context()))
	}
	// No cancellation of its own: the socket's end cancels its operations one by one (a
	// cancellable context per socket would cost every idle subscriber a few hundred bytes more).
	s := &session{t: t, ws: conn, ctx: base, exec: exec}
	deadline := cfg.PingInterval + cfg.PongTimeout
	_ = conn.SetReadDeadline(time.Now().Add(deadline))
	conn.SetPongHandler(func(string) error {
		s.mu.Lock()
		closing := s.closed
		s.mu.Unlock()
		if closing {
			return nil // the close grace period holds, pongs or not
		}
		return conn.SetReadDeadline(time.Now().Add(deadline))
	})
	conn.SetReadLimit(cfg.ReadLimit)
	// One timer for the init deadline and the pings, whichever comes first.
	s.initBy = time.Now().Add(cfg.InitTimeout)
	s.timer = time.AfterFunc(min(cfg.InitTimeout, cfg.PingInterval), s.tick)
	if cfg.Shutdown != nil {
		//nolint:contextcheck // the server's shutdown, not the request, ends the socket
		s.stopShutdown = context.AfterFunc(cfg.Shutdown, func() { s.closeWith(closeGoingAway, closeGoingAwayReason) })
	}
	go s.read() //nolint:contextcheck // the socket outlives the request; s.ctx is its context
}

// Closing during a server shutdown.
const (
	closeGoingAway       = 1001
	closeGoingAwayReason = "server shutting down; reconnect and resume from your last cursor"
)

// session is one graphql-transport-ws socket.
type session struct {
	t    *Transport
	ws   *websocket.Conn
	exec graphql.GraphExecutor
	ctx  context.Context // the socket's; after connection_init, with the viewer

	timer        *time.Timer
	initBy       time.Time // connection_init deadline
	stopShutdown func() bool

	mu     sync.Mutex
	inited bool
	closed bool         // a close frame went out
	ops    []*operation // running, by id (a few per socket: a slice is smaller than a map)

	// The outgoing side: frames to send and operations with events to pull, drained by a writer
	// goroutine that runs only while there is work (writing is true while it runs).
	qmu         sync.Mutex
	frames      [][]byte
	runq        []*operation
	writing     bool
	broken      bool // a write failed; the socket is closing
	queuedBytes int  // in frames

	deadlineSet time.Time // when the write deadline was last set (writer only)
}

// operation is one subscribe of a session.
type operation struct {
	id     string
	idJSON []byte
	ctx    context.Context
	cancel context.CancelFunc

	// Set by start before started is; used by the writer only.
	hook    *stream.Hook
	handler graphql.ResponseHandler
	hctx    context.Context
	shape   string
	started atomic.Bool
	queued  atomic.Bool
}

func (s *session) read() {
	defer s.teardown()
	for {
		mt, data, err := s.ws.ReadMessage()
		if err != nil {
			// Closed by the peer, by us, by the dead-peer deadline, or over the read limit.
			if errors.Is(err, websocket.ErrReadLimit) {
				// gorilla has sent 1009; discard the rest of the message for a moment (see
				// closeGrace) so that the peer gets the close frame rather than a reset.
				conn := s.ws.NetConn()
				_ = conn.SetReadDeadline(time.Now().Add(closeGrace))
				_, _ = io.Copy(io.Discard, conn)
			}
			return
		}
		s.mu.Lock()
		closing := s.closed
		s.mu.Unlock()
		if closing {
			continue // we sent a close frame: drain until the peer closes too
		}
		// After a violation the reader goes on draining until the peer closes too (closeWith).
		if mt != websocket.TextMessage {
			s.closeWith(CloseBadRequest, "Invalid message: not text")
		} else if code, reason := s.handle(data); code != 0 {
			s.closeWith(code, reason)
		}
	}
}

// handle applies one client message; a protocol violation returns its close code and reason.
func (s *session) handle(data []byte) (int, string) {
	var m clientMessage
	if err := json.Unmarshal(data, &m); err != nil || m.Type == nil {
		return CloseBadRequest, "Invalid message received"
	}
	switch *m.Type {
	case "connection_init":
		return s.init(m.Payload)
	case "ping", "pong":
		if !objectOrAbsent(m.Payload) {
			return CloseBadRequest, "Invalid message received: payload must be an object"
		}
		if *m.Type == "ping" {
			pong := []byte(`{"type":"pong"}`)
			if p := bytes.TrimSpace(m.Payload); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
				pong = append(append([]byte(`{"type":"pong","payload":`), p...), '}')
			}
			s.send(pong)
		}
	case "subscribe":
		return s.subscribe(m.ID, m.Payload)
	case "complete":
		if m.ID == nil || *m.ID == "" {
			return CloseBadRequest, "Invalid message received: complete needs an id"
		}
		s.mu.Lock()
		op := s.findOp(*m.ID)
		s.removeOp(op)
		s.mu.Unlock()
		if op != nil {
			op.cancel()
		}
	default:
		return CloseBadRequest, "Invalid message received: unknown type"
	}
	return 0, ""
}

func (s *session) init(payload json.RawMessage) (int, string) {
	s.mu.Lock()
	seen := s.inited
	s.inited = true
	s.mu.Unlock()
	if seen {
		return CloseTooManyInitRequest, "Too many initialisation requests"
	}
	if !objectOrAbsent(payload) {
		return CloseBadRequest, "Invalid message received: connection_init payload must be an object"
	}
	var p transport.InitPayload
	if len(bytes.TrimSpace(payload)) > 0 {
		if err := json.Unmarshal(payload, &p); err != nil {
			return CloseBadRequest, "Invalid message received: connection_init payload must be an object"
		}
	}
	if init := s.t.im.cfg.Init; init != nil {
		ctx, err := init(s.ctx, p)
		if err != nil {
			var ce *CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Reason
			}
			return websocket.CloseInternalServerErr, "Internal error"
		}
		s.ctx = ctx // read only by this goroutine and by operations started after this
	}
	s.send([]byte(`{"type":"connection_ack"}`))
	return 0, ""
}

func (s *session) subscribe(id *string, payload json.RawMessage) (int, string) {
	s.mu.Lock()
	inited := s.inited
	s.mu.Unlock()
	// Messages are handled one at a time and the init is acknowledged before the next one is
	// read, so "before connection_init" is exactly "before connection_ack".
	if !inited {
		return CloseUnauthorized, "Unauthorized"
	}
	var params graphql.RawParams
	if id == nil || *id == "" || decodeParams(payload, &params) != nil || params.Query == "" && !hasQueryField(payload) {
		return CloseBadRequest, "Invalid message received: subscribe needs an id and a payload with a query"
	}
	idJSON, _ := json.Marshal(*id)
	s.mu.Lock()
	if s.findOp(*id) != nil {
		s.mu.Unlock()
		return CloseSubscriberExists, "Subscriber for " + truncate(*id) + " already exists"
	}
	if len(s.ops) >= s.t.im.cfg.MaxOperations {
		s.mu.Unlock()
		s.send(errorFrame(idJSON, []*gqlerror.Error{{
			Message:    fmt.Sprintf("too many operations on this socket (at most %d at once)", s.t.im.cfg.MaxOperations),
			Extensions: map[string]any{"code": "RATE_LIMITED"},
		}}))
		return 0, ""
	}
	op := &operation{id: *id, idJSON: idJSON}
	op.ctx, op.cancel = context.WithCancel(s.ctx)
	s.ops = append(s.ops, op)
	s.mu.Unlock()
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}
	// Parsing, validation and the resolver run on their own goroutine, which ends once the
	// operation is set up (or, for a query or mutation, answered): the reader stays small.
	go s.start(op, &params)
	return 0, ""
}

// decodeParams decodes a subscribe payload; numbers stay json.Number, as gqlgen's scalars expect
// (a float64 is not an Int).
func decodeParams(payload json.RawMessage, params *graphql.RawParams) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	return dec.Decode(params)
}

// hasQueryField: a payload with "query": "" is still a subscribe with a query (gqlgen answers
// the empty document with a GraphQL error); only a missing query breaks the protocol.
func hasQueryField(payload json.RawMessage) bool {
	var p struct {
		Query *string `json:"query"`
	}
	return json.Unmarshal(payload, &p) == nil && p.Query != nil
}

// start sets an operation up and, for a query or mutation, answers it.
func (s *session) start(op *operation, params *graphql.RawParams) {
	var rc *graphql.OperationContext
	defer func() {
		if r := recover(); r != nil {
			s.fail(op, s.panicked(op.ctx, rc, r))
		}
	}()
	ctx := op.ctx
	if f := s.t.im.cfg.OperationContext; f != nil {
		ctx = f(ctx)
	}
	rc, err := s.exec.CreateOperationContext(ctx, params)
	if err != nil {
		resp := s.exec.DispatchError(graphql.WithOperationContext(ctx, rc), err)
		s.fail(op, resp.Errors)
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	if rc.Operation.Operation != ast.Subscription {
		if d := s.t.im.cfg.OperationTimeout; d > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		handler, ctx := s.exec.DispatchOperation(ctx, rc)
		if resp := handler(ctx); resp != nil && op.ctx.Err() == nil {
			s.send(nextMessage(op.idJSON, encode(resp)))
		}
		s.finish(op, completeFrame(op.idJSON))
		return
	}
	hook := stream.NewHook(func() { s.wake(op) })
	handler, ctx := s.exec.DispatchOperation(stream.WithHook(ctx, hook), rc)
	if !hook.Attached() {
		// The resolver failed, or returned a channel of its own: gqlgen's blocking loop.
		s.loop(ctx, op, handler)
		return
	}
	op.hook, op.handler, op.hctx = hook, handler, ctx
	used := selectionVars(rc)
	if share := s.t.im.cfg.ShareKey; share != nil && used != nil {
		op.shape = shapeOf(rc, used, share(ctx))
	}
	// The root field's arguments (a filter, a cursor) were evaluated when the resolver ran; keep
	// only the variables later executions read, not the decoded filter for the subscription's life.
	if used != nil {
		kept := make(map[string]any, len(used))
		for name := range used {
			if v, ok := rc.Variables[name]; ok {
				kept[name] = v
			}
		}
		rc.Variables = kept
	}
	op.started.Store(true)
	s.wake(op) // events that arrived during the setup
}

// loop serves a subscription whose events are not pulled through a hook.
func (s *session) loop(ctx context.Context, op *operation, handler graphql.ResponseHandler) {
	first := true
	for {
		resp := handler(ctx)
		if resp == nil || op.ctx.Err() != nil {
			break
		}
		if first && len(resp.Errors) > 0 && isNull(resp.Data) {
			// Failed before producing anything: the spec's error message ends the operation.
			s.fail(op, resp.Errors)
			return
		}
		first = false
		s.send(nextMessage(op.idJSON, encode(resp)))
	}
	s.finish(op, completeFrame(op.idJSON))
}

// pump pulls the ready events of a started subscription and writes them; it runs on the writer
// goroutine. It returns true when it stopped with events left (to be fair to other operations).
func (s *session) pump(op *operation) bool {
	if !op.started.Load() || op.ctx.Err() != nil {
		return false
	}
	defer func() {
		if r := recover(); r != nil {
			s.write(errorFrame(op.idJSON, s.panicked(op.hctx, graphql.GetOperationContext(op.hctx), r)))
			s.remove(op)
		}
	}()
	for range 16 {
		if op.ctx.Err() != nil {
			return false // completed by the client: nothing more for this id
		}
		key, st := op.hook.Take()
		switch st {
		case stream.Empty:
			return false
		case stream.Closed:
			op.hook.Feed()
			if err := op.hook.Err(); err != nil {
				s.write(errorFrame(op.idJSON, []*gqlerror.Error{err}))
			} else {
				s.write(completeFrame(op.idJSON))
			}
			s.remove(op)
			return false
		}
		var payload []byte
		var shared, ok bool
		if op.shape == "" {
			payload, _ = s.execute(op)
			ok = payload != nil
		} else {
			payload, shared, ok = s.t.cache.render(op.ctx, op.shape, key, func() ([]byte, bool) { return s.execute(op) })
		}
		if shared {
			metrics.SubscriptionEventsShared.Inc()
		} else if ok {
			metrics.SubscriptionEventsExecuted.Inc()
		}
		if !ok || op.ctx.Err() != nil {
			if op.ctx.Err() == nil {
				s.write(completeFrame(op.idJSON))
			}
			s.remove(op)
			return false
		}
		if !s.write([]byte(`{"id":`), op.idJSON, []byte(`,"type":"next","payload":`), payload, []byte{'}'}) {
			return false
		}
	}
	return true
}

// execute hands the event just taken to gqlgen and renders the response; it may be shared when
// it has no errors.
func (s *session) execute(op *operation) ([]byte, bool) {
	op.hook.Feed()
	resp := op.handler(op.hctx)
	if resp == nil {
		return nil, false
	}
	return encode(resp), len(resp.Errors) == 0
}

// fail ends an operation with the spec's error message.
func (s *session) fail(op *operation, errs gqlerror.List) {
	s.finish(op, errorFrame(op.idJSON, errs))
}

// finish sends an operation's last message unless the client completed it, and frees its id.
func (s *session) finish(op *operation, last []byte) {
	if op.ctx.Err() == nil {
		s.send(last)
	}
	s.remove(op)
}

func (s *session) remove(op *operation) {
	s.mu.Lock()
	s.removeOp(op)
	s.mu.Unlock()
	op.cancel()
}

// endOps ends every operation of the socket.
func (s *session) endOps() {
	s.mu.Lock()
	ops := s.ops
	s.ops = nil
	s.mu.Unlock()
	for _, op := range ops {
		op.cancel()
	}
}

// findOp returns the running operation with id, or nil. Called with s.mu held.
func (s *session) findOp(id string) *operation {
	for _, op := range s.ops {
		if op.id == id {
			return op
		}
	}
	return nil
}

// removeOp forgets op (nil: nothing). Called with s.mu held.
func (s *session) removeOp(op *operation) {
	if i := slices.Index(s.ops, op); op != nil && i >= 0 {
		s.ops = slices.Delete(s.ops, i, i+1)
	}
}

func (s *session) panicked(ctx context.Context, rc *graphql.OperationContext, r any) gqlerror.List {
	var err error
	if rc != nil {
		err = rc.Recover(ctx, r)
	} else {
		slog.Error("websocket: panic", "panic", r)
		err = errors.New("internal system error")
	}
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) {
		gqlErr = &gqlerror.Error{Message: "internal system error"}
	}
	return gqlerror.List{gqlErr}
}

// send queues a frame for the writer.
func (s *session) send(frame []byte) {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.broken {
		return
	}
	if s.queuedBytes+len(frame) > maxQueuedBytes {
		// The client sends faster than it reads (pings, say): drop it rather than buffer.
		s.broken = true
		go s.closeWith(websocket.ClosePolicyViolation, "Too many messages waiting: read the socket")
		return
	}
	s.queuedBytes += len(frame)
	s.frames = append(s.frames, frame)
	s.kick()
}

// maxQueuedBytes caps the messages waiting for a socket's writer (pongs, errors, query results;
// subscription events wait in the feed instead).
const maxQueuedBytes = 1 << 20

// wake schedules a pull of op's ready events.
func (s *session) wake(op *operation) {
	if op.queued.Swap(true) {
		return
	}
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.broken {
		return
	}
	s.runq = append(s.runq, op)
	s.kick()
}

// kick starts the writer unless it runs. Called with s.qmu held.
func (s *session) kick() {
	if !s.writing {
		s.writing = true
		go s.writer()
	}
}

func (s *session) writer() {
	var frames [][]byte
	var runq []*operation
	for {
		s.qmu.Lock()
		if len(s.frames) == 0 && len(s.runq) == 0 || s.broken {
			s.writing = false
			s.qmu.Unlock()
			return
		}
		frames, s.frames = s.frames, frames[:0]
		runq, s.runq = s.runq, runq[:0]
		s.queuedBytes = 0
		s.qmu.Unlock()
		for _, f := range frames {
			if !s.write(f) {
				break
			}
		}
		for _, op := range runq {
			op.queued.Store(false)
			if s.pump(op) {
				s.wake(op)
			}
		}
		clear(frames)
		clear(runq)
	}
}

// write sends one text message made of parts, from the writer goroutine only (the parts are
// copied into a pooled write buffer, so a shared rendering is never copied per socket). A write
// that fails or times out breaks the socket: a client that does not read cannot hold the server.
func (s *session) write(parts ...[]byte) bool {
	// Setting a deadline costs about as much as a small write's syscall, so it is renewed only
	// once a tenth of WriteTimeout has passed: every write still gets at least 90% of it.
	if now := time.Now(); now.Sub(s.deadlineSet) > s.t.im.cfg.WriteTimeout/10 {
		_ = s.ws.SetWriteDeadline(now.Add(s.t.im.cfg.WriteTimeout))
		s.deadlineSet = now
	}
	w, err := s.ws.NextWriter(websocket.TextMessage)
	for _, p := range parts {
		if err == nil {
			_, err = w.Write(p)
		}
	}
	if w != nil {
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		s.qmu.Lock()
		s.broken = true
		s.qmu.Unlock()
		if !errors.Is(err, websocket.ErrCloseSent) {
			_ = s.ws.NetConn().Close() // after our close frame, closeWith's grace period decides
		}
		return false
	}
	return true
}

// closeWith sends a close frame (the first one counts), ends every operation and closes the
// connection after a grace period. In between the peer can read the close frame and answer: the
// reader, which ignores messages from now on, ends at the peer's close or EOF. Closing at once
// with unread data from the peer would make the kernel reset the connection, and the peer could
// lose the close frame; the timer makes sure a peer that never answers is cut off all the same.
func (s *session) closeWith(code int, reason string) {
	s.mu.Lock()
	first := !s.closed
	s.closed = true
	s.mu.Unlock()
	if !first {
		return
	}
	reason = cutUTF8(reason, 120) // a close frame's reason must fit in 123 bytes
	_ = s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	s.endOps()
	_ = s.ws.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
	time.AfterFunc(closeGrace, func() { _ = s.ws.NetConn().Close() })
}

// closeGrace is how long a socket we closed waits for the peer's side of the close.
const closeGrace = time.Second

func (s *session) teardown() {
	s.mu.Lock()
	s.closed = true // before the timers stop, so that a ping running now does not re-arm
	s.mu.Unlock()
	s.timer.Stop()
	if s.stopShutdown != nil {
		s.stopShutdown()
	}
	s.endOps() // the feed drops their subscriptions
	_ = s.ws.Close()
	s.t.im.open.Add(-1)
	metrics.WebSocketConnections.Dec()
}

// tick closes a socket that has not sent connection_init by the init deadline, and pings.
func (s *session) tick() {
	s.mu.Lock()
	inited, done := s.inited, s.closed
	s.mu.Unlock()
	if done {
		return
	}
	now := time.Now()
	if !inited && !now.Before(s.initBy) {
		s.closeWith(CloseInitTimeout, "Connection initialisation timeout")
		return
	}
	// A failed ping is not fatal here: the read deadline decides when the peer is dead.
	_ = s.ws.WriteControl(websocket.PingMessage, nil, now.Add(s.t.im.cfg.WriteTimeout))
	next := s.t.im.cfg.PingInterval
	if !inited {
		next = min(next, s.initBy.Sub(now))
	}
	s.timer.Reset(next)
}

func encode(resp *graphql.Response) []byte {
	b, err := json.Marshal(resp)
	if err != nil {
		return []byte(`{"errors":[{"message":"internal system error"}]}`)
	}
	return b
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

func nextMessage(id, payload []byte) []byte {
	b := append([]byte(`{"id":`), id...)
	b = append(b, `,"type":"next","payload":`...)
	b = append(b, payload...)
	return append(b, '}')
}

func completeFrame(id []byte) []byte {
	return append(append([]byte(`{"id":`), id...), `,"type":"complete"}`...)
}

func errorFrame(id []byte, errs gqlerror.List) []byte {
	p, err := json.Marshal(errs)
	if err != nil {
		p = []byte(`[{"message":"internal system error"}]`)
	}
	b := append([]byte(`{"id":`), id...)
	b = append(b, `,"type":"error","payload":`...)
	b = append(b, p...)
	return append(b, '}')
}
