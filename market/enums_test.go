package market_test

import (
	"bytes"
	"testing"

	"github.com/gigraph/gigraph/market"
)

func TestEnumsRoundTrip(t *testing.T) {
	for _, s := range market.Seniorities {
		var buf bytes.Buffer
		s.MarshalGQL(&buf)
		if buf.String() != `"`+string(s)+`"` {
			t.Errorf("MarshalGQL(%s) = %s", s, buf.String())
		}
		var got market.Seniority
		if err := got.UnmarshalGQL(string(s)); err != nil || got != s {
			t.Errorf("UnmarshalGQL(%q) = %q, %v", s, got, err)
		}
	}
}

func TestEnumUnmarshalRejects(t *testing.T) {
	for _, v := range []any{"senior", "BOSS", 1, nil} {
		var s market.Seniority
		if err := s.UnmarshalGQL(v); market.ErrorCode(err) != market.CodeBadUserInput {
			t.Errorf("UnmarshalGQL(%v) error code %q, want BAD_USER_INPUT", v, market.ErrorCode(err))
		}
	}
}

func TestDate(t *testing.T) {
	var d market.Date
	if err := d.UnmarshalGQL("2026-02-28"); err != nil || d.String() != "2026-02-28" {
		t.Fatalf("got %v, %v", d, err)
	}
	for _, bad := range []any{"2026-02-30", "28.02.2026", "", 20260228} {
		if err := d.UnmarshalGQL(bad); market.ErrorCode(err) != market.CodeBadUserInput {
			t.Errorf("UnmarshalGQL(%v): code %q, want BAD_USER_INPUT", bad, market.ErrorCode(err))
		}
	}
}

func TestErrorCode(t *testing.T) {
	if got := market.ErrorCode(nil); got != "" {
		t.Errorf("nil: got %q", got)
	}
	if got := market.ErrorCode(bytes.ErrTooLarge); got != market.CodeInternal {
		t.Errorf("plain error: got %q, want INTERNAL_SERVER_ERROR", got)
	}
	e := market.Errorf(market.CodeConflict, "x").With("status", "FUNDED")
	if market.ErrorCode(e) != market.CodeConflict || e.Extensions["status"] != "FUNDED" {
		t.Errorf("got %+v", e)
	}
}
