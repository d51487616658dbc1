package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rs/cors"
)

// OriginAllowed reports whether a browser page of origin may call the API: it is listed in
// AllowedOrigins, or, in dev, served from localhost. Both CORS and the WebSocket Origin check
// use it.
func (c Config) OriginAllowed(origin string) bool {
	if slices.Contains(c.AllowedOrigins, origin) || slices.Contains(c.AllowedOrigins, "*") {
		return true
	}
	if !c.Dev() {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// CheckOrigin is the WebSocket handshake's Origin check (gorilla's Upgrader.CheckOrigin): clients
// that send no Origin (not browsers) and same-origin pages pass, other pages only when
// OriginAllowed. Without it any web page could open a socket with its visitor's credentials.
func (c Config) CheckOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return c.OriginAllowed(origin)
}

// withCORS answers preflights and adds CORS headers for allowed origins. Credentials (cookies)
// are not allowed: the API authenticates with bearer tokens a page sends explicitly.
func withCORS(cfg Config, next http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowOriginFunc: cfg.OriginAllowed,
		AllowedMethods:  []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:  []string{"Accept", "Authorization", "Content-Type", "X-Requested-With", "GraphQL-Require-Preflight"},
		ExposedHeaders:  []string{"X-Request-Id", "Retry-After"},
		MaxAge:          600,
	}).Handler(next)
}
