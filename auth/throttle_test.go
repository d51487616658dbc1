package auth

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gigraph/gigraph/market"
)

func TestClientAddr(t *testing.T) {
	for _, tt := range []struct{ remote, want string }{
		{"203.0.113.7:5555", "203.0.113.7"},
		{"[::ffff:203.0.113.7]:5555", "203.0.113.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"not an address", "not an address"},
	} {
		if got := ClientAddr(&http.Request{RemoteAddr: tt.remote}); got != tt.want {
			t.Errorf("ClientAddr(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

func TestLoginThrottleAllow(t *testing.T) {
	th := NewLoginThrottle(LoginLimits{AddressEvery: time.Hour, AddressBurst: 3, AccountEvery: time.Hour, AccountBurst: 2, MaxFailures: 1, Window: time.Minute})
	// The account limit (2) trips first; the refused attempt must not use up the address's budget.
	for i, want := range []market.Code{"", "", market.CodeRateLimited, market.CodeRateLimited} {
		if got := market.ErrorCode(th.Allow("a", "Same@Example.com")); got != want {
			t.Fatalf("attempt %d: got %q, want %q", i+1, got, want)
		}
	}
	if err := th.Allow("a", "other@example.com"); err != nil {
		t.Fatalf("third address attempt: %v", err)
	}
	err := th.Allow("a", "third@example.com")
	var e *market.Error
	if !errors.As(err, &e) || e.Code != market.CodeRateLimited || e.Extensions["retryAfter"].(int) < 3500 {
		t.Fatalf("fourth address attempt: got %#v, want RATE_LIMITED with retryAfter about an hour", err)
	}
}
