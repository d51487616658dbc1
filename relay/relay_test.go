package relay_test

import (
	"fmt"
	"testing"

	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

func TestIDRoundTrip(t *testing.T) {
	for _, key := range []int64{1, 42, 1 << 62} {
		id := relay.ID("Freelancer", key)
		typ, got, ok := relay.ParseID(id)
		if !ok || typ != "Freelancer" || got != key {
			t.Errorf("ParseID(ID(Freelancer, %d)) = %q, %d, %v", key, typ, got, ok)
		}
	}
}

func TestParseIDRejects(t *testing.T) {
	for _, id := range []string{
		"", "garbage", "' OR 1=1 --", "RnJlZWxhbmNlcjo", // "Freelancer:" without key
		"RnJlZWxhbmNlcjowMQ",  // "Freelancer:01": not canonical
		"RnJlZWxhbmNlcjotMQ",  // "Freelancer:-1"
		"OjE",                 // ":1"
		"RnJlZWxhbmNlcjoxOjI", // "Freelancer:1:2"
	} {
		if typ, key, ok := relay.ParseID(id); ok {
			t.Errorf("ParseID(%q) = %q, %d, true; want not ok", id, typ, key)
		}
	}
}

func TestKeyOfWrongType(t *testing.T) {
	if _, err := relay.KeyOf(relay.ID("Skill", 1), "Order"); market.ErrorCode(err) != market.CodeNotFound {
		t.Errorf("got %v, want NOT_FOUND", err)
	}
}

func TestCursorBoundToOrdering(t *testing.T) {
	c := relay.EncodeCursor("freelancers:rate:asc", int64(45000), int64(7))
	var rate, id int64
	if err := relay.DecodeCursor(c, "freelancers:rate:asc", "after", &rate, &id); err != nil || rate != 45000 || id != 7 {
		t.Fatalf("decode: %d %d %v", rate, id, err)
	}
	err := relay.DecodeCursor(c, "freelancers:newest:desc", "after", &rate, &id)
	if market.ErrorCode(err) != market.CodeBadUserInput {
		t.Errorf("cursor of another ordering: got %v, want BAD_USER_INPUT", err)
	}
	for _, bad := range []string{"", "x", "e30", c + "A"} {
		if err := relay.DecodeCursor(bad, "freelancers:rate:asc", "after", &rate, &id); market.ErrorCode(err) != market.CodeBadUserInput {
			t.Errorf("DecodeCursor(%q): got %v, want BAD_USER_INPUT", bad, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestNewPage(t *testing.T) {
	tests := []struct {
		name                 string
		first, last          *int
		after, before        *string
		wantLimit            int
		wantBackward         bool
		wantCursor, wantCode string
	}{
		{name: "defaults", wantLimit: 20},
		{name: "first", first: ptr(5), wantLimit: 5},
		{name: "first zero", first: ptr(0), wantLimit: 0},
		{name: "first max", first: ptr(100), wantLimit: 100},
		{name: "first too big", first: ptr(101), wantCode: "BAD_USER_INPUT"},
		{name: "first negative", first: ptr(-1), wantCode: "BAD_USER_INPUT"},
		{name: "after", first: ptr(3), after: ptr("c"), wantLimit: 3, wantCursor: "c"},
		{name: "last", last: ptr(4), wantLimit: 4, wantBackward: true},
		{name: "before alone", before: ptr("c"), wantLimit: 20, wantBackward: true, wantCursor: "c"},
		{name: "last too big", last: ptr(1000), wantCode: "BAD_USER_INPUT"},
		{name: "first and last", first: ptr(1), last: ptr(1), wantCode: "BAD_USER_INPUT"},
		{name: "after with last", last: ptr(1), after: ptr("c"), wantCode: "BAD_USER_INPUT"},
		{name: "before with first", first: ptr(1), before: ptr("c"), wantCode: "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := relay.NewPage(tt.first, tt.after, tt.last, tt.before)
			if got := string(market.ErrorCode(err)); got != tt.wantCode {
				t.Fatalf("code %q, want %q", got, tt.wantCode)
			}
			if err != nil {
				return
			}
			if p.Limit != tt.wantLimit || p.Backward != tt.wantBackward || p.Cursor != tt.wantCursor {
				t.Errorf("got %+v, want limit %d backward %v cursor %q", p, tt.wantLimit, tt.wantBackward, tt.wantCursor)
			}
		})
	}
}

func TestTrim(t *testing.T) {
	fwd := relay.Trim([]int{1, 2, 3}, relay.Page{Limit: 2, Cursor: "c"})
	if fmt.Sprint(fwd.Rows) != "[1 2]" || !fwd.HasNextPage || !fwd.HasPreviousPage {
		t.Errorf("forward: got %+v", fwd)
	}
	// Backward pages are read in reverse order and flipped back.
	back := relay.Trim([]int{9, 8, 7}, relay.Page{Limit: 2, Backward: true})
	if fmt.Sprint(back.Rows) != "[8 9]" || back.HasNextPage || !back.HasPreviousPage {
		t.Errorf("backward: got %+v", back)
	}
	last := relay.Trim([]int{1}, relay.Page{Limit: 2})
	if last.HasNextPage || last.HasPreviousPage {
		t.Errorf("last page: got %+v", last)
	}
}
