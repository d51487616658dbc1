package ws

import (
	"context"
	"sync"
	"time"
)

// renderCache keeps the recent renderings of subscription events by (shape, event key), so that
// an event reaching many subscribers of one shape is executed and encoded once. The first
// subscriber to need a rendering makes it while the others wait for it (no stampede of identical
// executions when a gig reaches 10,000 sockets at once).
type renderCache struct {
	mu      sync.Mutex
	entries map[renderKey]*rendering
	order   []renderKey // oldest first, for eviction
	max     int
	ttl     time.Duration
}

type renderKey struct {
	shape string
	key   int64
}

type rendering struct {
	made    time.Time
	done    chan struct{}
	payload []byte // nil when the maker's execution failed or had errors: render your own
}

func newRenderCache(capacity int, ttl time.Duration) *renderCache {
	return &renderCache{entries: map[renderKey]*rendering{}, max: capacity, ttl: ttl}
}

// render returns the payload for (shape, key): from the cache, or made by exec, which reports
// whether its result may be shared (a response with errors is not: its error ids are per
// request). shared tells whether the payload came from another subscriber's rendering; ok is
// false when exec returned nothing (the operation ended) or ctx ended while waiting.
func (c *renderCache) render(ctx context.Context, shape string, key int64, exec func() (payload []byte, share bool)) (payload []byte, shared, ok bool) {
	k := renderKey{shape, key}
	c.mu.Lock()
	now := time.Now()
	r, found := c.entries[k]
	if found && now.Sub(r.made) > c.ttl {
		found = false // too old to reuse: render afresh, and keep that one
	}
	if !found {
		r = &rendering{made: now, done: make(chan struct{})}
		c.entries[k] = r
		c.order = append(c.order, k)
		if len(c.order) > c.max {
			drop := len(c.order) - c.max + c.max/4 // trim a quarter at once so trimming is rare
			for _, old := range c.order[:drop] {
				delete(c.entries, old)
			}
			c.order = append(c.order[:0:0], c.order[drop:]...)
		}
	}
	c.mu.Unlock()
	if found {
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil, false, false
		}
		if r.payload != nil {
			return r.payload, true, true
		}
		b, _ := exec()
		return b, false, b != nil
	}
	var share bool
	defer close(r.done)
	payload, share = exec()
	if share {
		r.payload = payload
	}
	return payload, false, payload != nil
}
