// Package stream is the contract between a WebSocket transport and the subscription resolvers it
// serves. gqlgen pulls a subscription's events by blocking on the channel the resolver returned,
// which costs a goroutine per subscription while it waits. A transport that attaches a Hook to the
// operation's context instead pulls only when the source says an event is ready (Wake), from
// whatever goroutine is writing to that socket, and may skip gqlgen's execution for an event it
// already rendered for another subscriber that selects it the same way (Key).
//
// Resolvers call Waker and Relay; without a Hook in the context both fall back to plain channels,
// so the same resolver works under gqlgen's own transports.
package stream

import (
	"context"
	"sync"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// State is what Take found.
type State int

// Take results.
const (
	// Empty: no event is ready; the source calls Wake when one is.
	Empty State = iota
	// Ready: an event was taken; Feed hands it to gqlgen, or the transport drops it after
	// rendering it from its cache.
	Ready
	// Closed: the source ended (see Err); Feed closes the channel gqlgen reads, so the next
	// execution returns nil.
	Closed
)

// Hook drives one subscription. The transport creates it with the function that schedules the
// subscription's next pull; the resolver connects its source with Relay.
type Hook struct {
	wake func()

	mu  sync.Mutex
	src source
	err *gqlerror.Error
}

// source is a relayed channel, seen without its element type.
type source interface {
	take() (int64, State)
	feed()
}

// NewHook returns a hook whose source calls wake after each event it makes ready and after it
// closes. wake must not block.
func NewHook(wake func()) *Hook { return &Hook{wake: wake} }

type hookKey struct{}

// WithHook attaches h to an operation's context.
func WithHook(ctx context.Context, h *Hook) context.Context {
	return context.WithValue(ctx, hookKey{}, h)
}

func from(ctx context.Context) *Hook {
	h, _ := ctx.Value(hookKey{}).(*Hook)
	return h
}

// Waker returns the function a source calls after each event it makes ready (and after closing),
// or nil when no transport hook drives the operation.
func Waker(ctx context.Context) func() {
	if h := from(ctx); h != nil {
		return h.wake
	}
	return nil
}

// Relay connects src to the operation's hook and returns the channel for the resolver to return
// to gqlgen. key identifies an event within its source (for example its position in an event
// log): two events with the same key must render alike under the same selection, since the
// transport may render one for both. Without a hook, src itself is returned.
func Relay[T any](ctx context.Context, src <-chan T, key func(T) int64) <-chan T {
	h := from(ctx)
	if h == nil {
		return src
	}
	r := &relay[T]{src: src, out: make(chan T, 1), key: key}
	h.mu.Lock()
	h.src = r
	h.mu.Unlock()
	return r.out
}

// relay holds the event taken from src until the transport feeds it to out (one struct per
// subscription: it lives as long as the subscription).
type relay[T any] struct {
	src     <-chan T
	out     chan T
	key     func(T) int64
	pending T
	closed  bool
}

func (r *relay[T]) take() (int64, State) {
	select {
	case v, ok := <-r.src:
		if !ok {
			r.closed = true
			return 0, Closed
		}
		r.pending = v
		return r.key(v), Ready
	default:
		return 0, Empty
	}
}

func (r *relay[T]) feed() {
	if r.closed {
		close(r.out)
		return
	}
	// Never block the transport: an event gqlgen did not take (it can only have stopped
	// reading, as after a failed start) is replaced.
	select {
	case <-r.out:
	default:
	}
	r.out <- r.pending
	var zero T
	r.pending = zero
}

// Attached reports whether a source was relayed through h (after the resolver ran). An operation
// whose resolver did not relay (or failed) is served by gqlgen's blocking loop instead.
func (h *Hook) Attached() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.src != nil
}

// Take takes the next event without blocking and returns its key. Only one goroutine at a time
// may call Take and Feed.
func (h *Hook) Take() (int64, State) { return h.src.take() }

// Feed hands the event just taken to gqlgen's channel (or closes it after Closed), so that the
// next execution of the operation renders it.
func (h *Hook) Feed() { h.src.feed() }

// Fail records why the source is about to close, for the transport to send as the operation's
// error. It reports false when no hook drives the operation (the caller then uses its
// transport's own mechanism).
func Fail(ctx context.Context, err *gqlerror.Error) bool {
	h := from(ctx)
	if h == nil {
		return false
	}
	h.mu.Lock()
	h.err = err
	h.mu.Unlock()
	return true
}

// Err is the error recorded by Fail, if any.
func (h *Hook) Err() *gqlerror.Error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}
