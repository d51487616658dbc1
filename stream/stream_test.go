package stream

import (
	"context"
	"testing"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestWithoutHookChannelsPassThrough(t *testing.T) {
	src := make(chan int)
	if got := Relay(context.Background(), src, func(v int) int64 { return int64(v) }); got != (<-chan int)(src) {
		t.Fatal("Relay without a hook did not return the source")
	}
	if Waker(context.Background()) != nil || Fail(context.Background(), &gqlerror.Error{}) {
		t.Fatal("Waker/Fail without a hook")
	}
}

func TestHookTakeFeedClose(t *testing.T) {
	woken := 0
	h := NewHook(func() { woken++ })
	ctx := WithHook(context.Background(), h)
	Waker(ctx)()
	if woken != 1 {
		t.Fatal("Waker is not the hook's wake")
	}
	if h.Attached() {
		t.Fatal("attached before Relay")
	}
	src := make(chan int, 3)
	out := Relay(ctx, src, func(v int) int64 { return int64(v * 10) })
	if !h.Attached() {
		t.Fatal("not attached after Relay")
	}
	if _, st := h.Take(); st != Empty {
		t.Fatalf("state %v on an empty source", st)
	}
	src <- 1
	src <- 2
	if k, st := h.Take(); st != Ready || k != 10 {
		t.Fatalf("took %d %v", k, st)
	}
	h.Feed()
	if v := <-out; v != 1 {
		t.Fatalf("fed %d", v)
	}
	// An event taken but not fed (rendered from the cache) is dropped; a feed that gqlgen does
	// not read is replaced rather than blocking.
	if k, st := h.Take(); st != Ready || k != 20 {
		t.Fatalf("took %d %v", k, st)
	}
	h.Feed()
	src <- 3
	h.Take()
	h.Feed() // out still holds 2: must not block
	if v := <-out; v != 3 {
		t.Fatalf("got %d, want the newest event", v)
	}
	want := &gqlerror.Error{Message: "closed"}
	if !Fail(ctx, want) || h.Err() != want {
		t.Fatal("Fail did not record the error")
	}
	close(src)
	if _, st := h.Take(); st != Closed {
		t.Fatalf("state %v after close", st)
	}
	h.Feed()
	if _, ok := <-out; ok {
		t.Fatal("out not closed after the source closed")
	}
}
