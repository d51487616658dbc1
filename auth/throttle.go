package auth

import (
	"cmp"
	"context"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/gigraph/gigraph/market"
)

// LoginLimits say how fast logins may be attempted. Three limits apply to every attempt, each one
// counted per `login` field, so several attempts batched as aliases in one request count as
// several:
//
//   - per client address, in memory: slows one source guessing across many accounts;
//   - per account (the email, case-insensitively), in memory: a cheap first line that keeps a
//     flood for one account off the database;
//   - per account in the database (see db.Store.CountLoginAttempt): at most MaxFailures attempts
//     without a success in a window, so the limit holds across server instances and restarts.
//
// Unknown emails are limited exactly like real ones, so the limits do not reveal which accounts
// exist. The price of a per-account limit is that a stranger can lock an account for up to one
// Window; the per-address limit bounds how many accounts one source can lock that way.
type LoginLimits struct {
	// AddressEvery and AddressBurst: one attempt per AddressEvery from a client address after a
	// burst of AddressBurst.
	AddressEvery time.Duration
	AddressBurst int
	// AccountEvery and AccountBurst: the same per account, per server instance.
	AccountEvery time.Duration
	AccountBurst int
	// MaxFailures attempts without a success are allowed per account and Window, across instances.
	MaxFailures int
	Window      time.Duration
}

// DefaultLoginLimits allow 30 attempts a minute from one address after a burst of 30; 10 quick attempts
// per account, then one every 30 s; at most 10 failures per account in 15 minutes.
var DefaultLoginLimits = LoginLimits{
	AddressEvery: 2 * time.Second, AddressBurst: 30,
	AccountEvery: 30 * time.Second, AccountBurst: 10,
	MaxFailures: 10, Window: 15 * time.Minute,
}

// LoginThrottle holds the in-memory login limiters of one server instance.
type LoginThrottle struct {
	Limits  LoginLimits
	address *keyedLimiter
	account *keyedLimiter
}

// NewLoginThrottle returns a throttle with the given limits; each zero field takes its value from
// DefaultLoginLimits.
func NewLoginThrottle(l LoginLimits) *LoginThrottle {
	d := DefaultLoginLimits
	l.AddressEvery = cmp.Or(l.AddressEvery, d.AddressEvery)
	l.AddressBurst = cmp.Or(l.AddressBurst, d.AddressBurst)
	l.AccountEvery = cmp.Or(l.AccountEvery, d.AccountEvery)
	l.AccountBurst = cmp.Or(l.AccountBurst, d.AccountBurst)
	l.MaxFailures = cmp.Or(l.MaxFailures, d.MaxFailures)
	l.Window = cmp.Or(l.Window, d.Window)
	return &LoginThrottle{
		Limits:  l,
		address: newKeyedLimiter(rate.Every(l.AddressEvery), l.AddressBurst),
		account: newKeyedLimiter(rate.Every(l.AccountEvery), l.AccountBurst),
	}
}

// Allow takes one attempt from the address and the account limiters. It returns a RATE_LIMITED
// error carrying extensions.retryAfter (whole seconds) when either is exhausted; a refused attempt
// takes nothing from the other limiter.
func (t *LoginThrottle) Allow(addr, email string) error {
	now := time.Now()
	a := t.address.reserve(addr, now)
	if d := a.DelayFrom(now); d > 0 {
		a.CancelAt(now)
		return RateLimited(d)
	}
	b := t.account.reserve(strings.ToLower(email), now)
	if d := b.DelayFrom(now); d > 0 {
		b.CancelAt(now)
		a.CancelAt(now)
		return RateLimited(d)
	}
	return nil
}

// AllowAddress takes one attempt from the address limiter only; registration uses it.
func (t *LoginThrottle) AllowAddress(addr string) error {
	now := time.Now()
	a := t.address.reserve(addr, now)
	if d := a.DelayFrom(now); d > 0 {
		a.CancelAt(now)
		return RateLimited(d)
	}
	return nil
}

// RateLimited is the error for a refused login attempt; retryAfter is rounded up to seconds.
func RateLimited(retryAfter time.Duration) error {
	secs := int(math.Ceil(retryAfter.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return market.Errorf(market.CodeRateLimited, "too many attempts: try again in %d seconds", secs).
		With("retryAfter", secs)
}

// keyedLimiter is a token bucket per key. Keys whose bucket has refilled are forgotten once the
// map grows large, so an attacker cycling keys cannot grow it without bound: a forgotten bucket
// was full anyway.
type keyedLimiter struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

const sweepAbove = 10_000

func newKeyedLimiter(limit rate.Limit, burst int) *keyedLimiter {
	return &keyedLimiter{limit: limit, burst: burst, buckets: make(map[string]*rate.Limiter)}
}

func (k *keyedLimiter) reserve(key string, now time.Time) *rate.Reservation {
	k.mu.Lock()
	defer k.mu.Unlock()
	l, ok := k.buckets[key]
	if !ok {
		if len(k.buckets) >= sweepAbove {
			for key, b := range k.buckets {
				if b.TokensAt(now) >= float64(k.burst) {
					delete(k.buckets, key)
				}
			}
		}
		l = rate.NewLimiter(k.limit, k.burst)
		k.buckets[key] = l
	}
	return l.ReserveN(now, 1)
}

type clientAddrKey struct{}

// WithClientAddr returns a context carrying the client address that login throttling counts by.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddrFrom returns the client address of the request, or "" when none was recorded.
func ClientAddrFrom(ctx context.Context) string {
	s, _ := ctx.Value(clientAddrKey{}).(string)
	return s
}

// ClientAddr is the key a request's source is throttled by when no layer in front has set one:
// the peer IP address, IPv6 addresses cut to their /64 (one host usually holds a whole /64).
// Forwarded headers are ignored here: anyone can send them; the API's rate limiter, which knows
// the trusted proxies, sets the address from them instead (WithClientAddr).
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
