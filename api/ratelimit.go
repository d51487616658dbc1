package api

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/metrics"
)

// RateLimit is a token bucket: PerSecond requests a second on average, bursts of up to Burst.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// Defaults of the rate limits. Login has its own, stricter throttle in the accounts code.
var (
	DefaultRatePerAddress = RateLimit{PerSecond: 50, Burst: 100}
	DefaultRatePerToken   = RateLimit{PerSecond: 20, Burst: 60}
)

// limiterSet keeps one token bucket per key (a client address or a token), forgetting keys idle
// for longer than it takes their bucket to refill, so memory stays bounded by active clients.
type limiterSet struct {
	limit RateLimit
	mu    sync.Mutex
	m     map[string]*limiterEntry
	swept time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiterSet(l RateLimit) *limiterSet {
	if l.PerSecond <= 0 {
		return nil
	}
	if l.Burst < 1 {
		l.Burst = 1
	}
	return &limiterSet{limit: l, m: make(map[string]*limiterEntry)}
}

// allow takes one request from key's bucket; when it is empty it returns how long to wait.
func (s *limiterSet) allow(key string, now time.Time) (bool, time.Duration) {
	if s == nil {
		return true, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) > time.Minute {
		idle := time.Duration(float64(s.limit.Burst)/s.limit.PerSecond*float64(time.Second)) + time.Minute
		for k, e := range s.m {
			if now.Sub(e.seen) > idle {
				delete(s.m, k)
			}
		}
		s.swept = now
	}
	e := s.m[key]
	if e == nil {
		e = &limiterEntry{lim: rate.NewLimiter(rate.Limit(s.limit.PerSecond), s.limit.Burst)}
		s.m[key] = e
	}
	e.seen = now
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// rateLimiter refuses requests beyond the per-address and per-token rates with 429, a
// Retry-After header and a RATE_LIMITED error. Every request counts against its client address
// (before the token is looked up, so made-up tokens spend the address's budget); a request with a
// valid token also counts against the token, after authentication, so made-up tokens never get
// buckets of their own.
type rateLimiter struct {
	byAddr, byToken *limiterSet
	trusted         []netip.Prefix
}

func (rl *rateLimiter) perAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := addrKey(clientAddr(r, rl.trusted))
		if ok, wait := rl.byAddr.allow(key, time.Now()); !ok {
			tooMany(w, r, wait)
			return
		}
		// Login throttling counts by the same address, trusted proxies included.
		next.ServeHTTP(w, r.WithContext(auth.WithClientAddr(r.Context(), key)))
	})
}

func (rl *rateLimiter) perToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := auth.FromContext(r.Context()); v != nil && len(v.TokenHash) > 0 {
			if ok, wait := rl.byToken.allow(string(v.TokenHash), time.Now()); !ok {
				tooMany(w, r, wait)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	operationInfo(r.Context()).outcome = outcomeRateLimited
	metrics.Rejected.WithLabelValues("rate").Inc()
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Content-Type", negotiate(r.Header.Get("Accept"))+"; charset=utf-8")
	e := requestError(string(market.CodeRateLimited), "too many requests; retry in %d s", secs)
	e.Extensions["retryAfter"] = secs
	writeErrors(w, http.StatusTooManyRequests, e)
}

// addrKey is the rate-limit key of a client address: the address itself for IPv4, its /64 for
// IPv6, where one client holds a whole /64 and could otherwise rotate through it.
func addrKey(host string) string {
	a, err := netip.ParseAddr(host)
	if err != nil || a.Unmap().Is4() {
		return host
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// clientAddr is the address a request came from. X-Forwarded-For is believed only when the
// connection comes from a trusted proxy, and then only as far as the chain of trusted proxies
// goes: the right-most address that is not a trusted proxy is the client.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !isTrusted(addr, trusted) {
		return host
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return addr.String() // a malformed chain: fall back to the last trusted hop
			}
			a = a.Unmap()
			if !isTrusted(a, trusted) {
				return a.String()
			}
			addr = a
		}
	}
	return addr.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
