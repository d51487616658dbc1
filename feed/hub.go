package feed

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Log is an append-only event log whose positions become visible in commit order (see
// db/migrations/00006_feed.sql): reading `position > last` never skips an event that commits later.
type Log[E any] struct {
	// Name labels logs and errors.
	Name string
	// Read returns up to limit events with after < position <= upTo (upTo 0: no bound), in order.
	Read func(ctx context.Context, after, upTo int64, limit int) ([]E, error)
	// Last returns the newest position.
	Last func(ctx context.Context) (int64, error)
	// Pos is an event's position.
	Pos func(E) int64
}

// Hub follows one event log for a server instance and fans its events out to subscribers in
// memory. One goroutine reads the log, once per wake-up whatever the number of subscribers, and
// keeps the newest events in a ring shared by all subscribers. Each subscriber has a small bounded
// channel that the hub fills without ever blocking; a subscriber whose channel is full falls
// behind and is refilled from the ring as it drains, and one that falls further behind than the
// ring holds is closed with a reason (it can resume from its last cursor).
type Hub[E any] struct {
	log    Log[E]
	opts   Options
	logger *slog.Logger

	wake    chan struct{}
	newest  atomic.Int64 // the highest position heard of (notifications and reads)
	readErr atomic.Pointer[error]

	mu        sync.Mutex
	head      int64 // every event up to head is in the ring or was dropped from it
	floor     int64 // the ring holds every event with floor < position <= head
	ring      []E
	subs      map[*Sub[E]]struct{}
	lagging   map[*Sub[E]]struct{} // subscribers whose channel filled up
	replaying atomic.Int64
}

// Options tune a hub. Zero values get defaults.
type Options struct {
	// Buffer is each subscriber's channel capacity (default 32).
	Buffer int
	// Backlog is how many recent events the shared ring keeps (default 4096): how far a subscriber
	// may fall behind before it is closed.
	Backlog int
	// SafetyInterval is how often the log is read without a notification (default 5s), in case
	// one was lost.
	SafetyInterval time.Duration
	// ReadBatch caps the events read per query (default 500).
	ReadBatch int
}

func (o *Options) defaults() {
	if o.Buffer <= 0 {
		o.Buffer = 32
	}
	if o.Backlog <= 0 {
		o.Backlog = 4096
	}
	if o.SafetyInterval <= 0 {
		o.SafetyInterval = 5 * time.Second
	}
	if o.ReadBatch <= 0 {
		o.ReadBatch = 500
	}
}

// NewHub returns a hub for log; Start it before subscribing.
func NewHub[E any](log Log[E], opts Options, logger *slog.Logger) *Hub[E] {
	opts.defaults()
	return &Hub[E]{log: log, opts: opts, logger: logger, wake: make(chan struct{}, 1), subs: map[*Sub[E]]struct{}{}, lagging: map[*Sub[E]]struct{}{}}
}

// Start reads the newest position (subscribers without a cursor start there) and runs the hub
// until ctx ends.
func (h *Hub[E]) Start(ctx context.Context) error {
	last, err := h.log.Last(ctx)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.head, h.floor = last, last
	h.mu.Unlock()
	h.newest.Store(last)
	go h.run(ctx)
	return nil
}

// Notify wakes the hub: the event at pos (0: unknown) was committed.
func (h *Hub[E]) Notify(pos int64) {
	for {
		n := h.newest.Load()
		if pos <= n || h.newest.CompareAndSwap(n, pos) {
			break
		}
	}
	select {
	case h.wake <- struct{}{}:
	default: // a wake-up is pending already; it will read this event too
	}
}

func (h *Hub[E]) run(ctx context.Context) {
	safety := time.NewTicker(h.opts.SafetyInterval)
	defer safety.Stop()
	refill := time.NewTimer(time.Hour)
	refill.Stop()
	for {
		select {
		case <-ctx.Done():
			h.closeAll()
			return
		case <-h.wake:
			h.catchUp(ctx)
		case <-safety.C:
			h.catchUp(ctx)
		case <-refill.C:
			h.mu.Lock()
			h.refillLagging()
			h.mu.Unlock()
		}
		h.mu.Lock()
		lagging := len(h.lagging)
		h.mu.Unlock()
		if lagging > 0 {
			// Lagging subscribers are refilled from the ring as their clients drain them.
			refill.Reset(5 * time.Millisecond)
		}
	}
}

// catchUp reads every event after head and dispatches it; one query per batch, shared by all
// subscribers.
func (h *Hub[E]) catchUp(ctx context.Context) {
	for ctx.Err() == nil {
		h.mu.Lock()
		after := h.head
		h.mu.Unlock()
		evs, err := h.log.Read(ctx, after, 0, h.opts.ReadBatch)
		if err != nil {
			if ctx.Err() == nil {
				h.readErr.Store(&err)
				h.logger.Warn("feed: read failed; retrying on the next wake-up", "log", h.log.Name, "err", err)
			}
			return
		}
		h.readErr.Store(nil)
		if len(evs) == 0 {
			return
		}
		h.dispatch(evs)
		if len(evs) < h.opts.ReadBatch {
			return
		}
	}
}

func (h *Hub[E]) dispatch(evs []E) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ring = append(h.ring, evs...)
	h.head = h.log.Pos(evs[len(evs)-1])
	if h.head > h.newest.Load() {
		h.newest.Store(h.head)
	}
	if over := len(h.ring) - h.opts.Backlog; over > 0 {
		// Drop the oldest quarter beyond the limit at once, so trimming is rare.
		drop := min(len(h.ring), over+h.opts.Backlog/4)
		h.floor = h.log.Pos(h.ring[drop-1])
		h.ring = append(h.ring[:0:0], h.ring[drop:]...)
	}
	for s := range h.subs {
		h.fill(s)
	}
}

func (h *Hub[E]) refillLagging() {
	for s := range h.lagging {
		h.fill(s)
	}
}

// fill pushes the ring's events after s.last into s's channel until it is full, without blocking.
// Called with h.mu held.
func (h *Hub[E]) fill(s *Sub[E]) {
	if s.last < h.floor {
		h.drop(s, ErrTooSlow)
		return
	}
	pushed := false
	defer func() {
		if pushed {
			s.woken()
		}
	}()
	i := sort.Search(len(h.ring), func(i int) bool { return h.log.Pos(h.ring[i]) > s.last })
	for ; i < len(h.ring); i++ {
		e := h.ring[i]
		if s.match(e) {
			select {
			case s.ch <- e:
				pushed = true
			default:
				h.setLagging(s, true)
				return
			}
		}
		s.last = h.log.Pos(e)
	}
	h.setLagging(s, false)
}

func (h *Hub[E]) setLagging(s *Sub[E], lagging bool) {
	if s.lagging != lagging {
		s.lagging = lagging
		if lagging {
			h.lagging[s] = struct{}{}
		} else {
			delete(h.lagging, s)
		}
	}
}

// drop removes s and closes its channel, telling it why. Called with h.mu held.
func (h *Hub[E]) drop(s *Sub[E], reason error) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	h.setLagging(s, false)
	delete(h.subs, s)
	if reason != nil && s.onClose != nil {
		s.onClose(reason, s.last)
	}
	s.close()
}

func (h *Hub[E]) remove(s *Sub[E]) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		h.setLagging(s, false)
		delete(h.subs, s)
	}
}

func (h *Hub[E]) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		h.drop(s, ErrShutdown)
	}
}

// Sub is one subscriber of a hub.
type Sub[E any] struct {
	ch      chan E
	match   func(E) bool
	read    func(ctx context.Context, after, upTo int64, limit int) ([]E, error)
	onClose func(reason error, last int64)
	wake    func()
	// last is the position of the last event delivered or skipped; owned by the replay goroutine
	// until the subscriber joins the hub, then guarded by the hub's mutex.
	last    int64
	lagging bool
}

// Subscription says what a subscriber wants.
type Subscription[E any] struct {
	// After resumes behind this position; nil starts at the newest event (live only).
	After *int64
	// Match selects the events to deliver (nil: all).
	Match func(E) bool
	// Read, if set, replaces the log's Read for the replay of events behind the ring (so the
	// database can filter them); Match is still applied.
	Read func(ctx context.Context, after, upTo int64, limit int) ([]E, error)
	// OnClose is called when the hub closes the channel for a reason other than ctx ending
	// (ErrTooSlow, ErrShutdown, a failed replay), with the last position delivered. It runs before
	// the channel is closed.
	OnClose func(reason error, last int64)
	// Wake, if set, is called after events were put on the channel and after it was closed, so
	// a transport can pull without a goroutine blocked on the channel (see package stream). It
	// must not block.
	Wake func()
}

func (s *Sub[E]) close() {
	close(s.ch)
	s.woken()
}

// woken tells the subscriber's transport, if it asked (Subscription.Wake), that its channel
// changed.
func (s *Sub[E]) woken() {
	if s.wake != nil {
		s.wake()
	}
}

// Subscribe delivers the matching events after sub.After, then the live ones, in position order,
// each once, on the returned channel until ctx ends or the hub closes it (see OnClose).
//
// Without After, the subscription starts behind the newest event committed when it is made (read
// from the database, so it does not depend on how far this instance has fanned out).
func (h *Hub[E]) Subscribe(ctx context.Context, sub Subscription[E]) (<-chan E, error) {
	s := &Sub[E]{ch: make(chan E, h.opts.Buffer), match: sub.Match, read: sub.Read, onClose: sub.OnClose, wake: sub.Wake}
	if s.match == nil {
		s.match = func(E) bool { return true }
	}
	if s.read == nil {
		s.read = h.log.Read
	}
	if sub.After == nil {
		last, err := h.log.Last(ctx)
		if err != nil {
			return nil, err
		}
		s.last = last
	} else {
		s.last = *sub.After
	}
	context.AfterFunc(ctx, func() { h.remove(s) })
	h.mu.Lock()
	if ctx.Err() != nil {
		// Ended while subscribing: remove may have run already, so do not add it after.
		h.mu.Unlock()
		return s.ch, nil
	}
	if s.last >= h.floor {
		h.subs[s] = struct{}{}
		h.fill(s)
		h.mu.Unlock()
		return s.ch, nil
	}
	h.mu.Unlock()
	h.replaying.Add(1)
	go h.replay(ctx, s)
	return s.ch, nil
}

// replay reads the events s missed from the log until the ring covers the rest, then hands s to
// the hub. The seam is exact: the hand-over happens under the hub's lock once s.last reaches the
// ring's floor, and the hub delivers only positions after s.last.
func (h *Hub[E]) replay(ctx context.Context, s *Sub[E]) {
	defer h.replaying.Add(-1)
	for {
		h.mu.Lock()
		if ctx.Err() != nil {
			h.mu.Unlock()
			return
		}
		if s.last >= h.floor {
			h.subs[s] = struct{}{}
			h.fill(s)
			h.mu.Unlock()
			return
		}
		upTo := h.floor
		h.mu.Unlock()
		evs, err := s.read(ctx, s.last, upTo, h.opts.ReadBatch)
		if err != nil {
			if ctx.Err() == nil && s.onClose != nil {
				h.logger.Warn("feed: replay failed", "log", h.log.Name, "err", err)
				s.onClose(ErrReplay, s.last)
				s.close()
			}
			return
		}
		for _, e := range evs {
			if s.match(e) {
				select {
				case s.ch <- e:
					s.woken()
				case <-ctx.Done():
					return
				}
			}
			s.last = h.log.Pos(e)
		}
		if len(evs) < h.opts.ReadBatch {
			s.last = upTo
		}
	}
}

// Stats describe a hub at one moment.
type Stats struct {
	// Newest is the highest position heard of; Head the highest read and fanned out.
	Newest, Head int64
	// Lag is Newest - Head: events committed but not yet fanned out by this instance.
	Lag int64
	// Subscribers counts live subscribers, Lagging those whose channel is full, Replaying those
	// still reading their backlog from the database.
	Subscribers, Lagging, Replaying int
	// ReadError is the last read's error, if it failed.
	ReadError error
}

// Stats returns the hub's figures (for metrics and /readyz).
func (h *Hub[E]) Stats() Stats {
	h.mu.Lock()
	st := Stats{Head: h.head, Subscribers: len(h.subs), Lagging: len(h.lagging)}
	h.mu.Unlock()
	st.Newest = max(h.newest.Load(), st.Head)
	st.Lag = st.Newest - st.Head
	st.Replaying = int(h.replaying.Load())
	if p := h.readErr.Load(); p != nil {
		st.ReadError = *p
	}
	return st
}
