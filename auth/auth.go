// Package auth knows who is asking: bearer tokens (random, stored only as a hash), the viewer in
// the request context, and the HTTP middleware that turns an Authorization header into a viewer.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Viewer is the logged-in user of a request.
type Viewer struct {
	UserID  int64
	IsAdmin bool
	// ClientID and FreelancerID are the viewer's profiles, 0 when they have none. They are read
	// with the session; saving a profile in the same request sets them (mutations run one by one).
	ClientID     int64
	FreelancerID int64
	// TokenHash identifies the session, so logout can revoke exactly this token.
	TokenHash []byte
}

type viewerKey struct{}

// WithViewer returns a context carrying v.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer of the request, or nil for an anonymous one.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// tokenBytes is the entropy of a bearer token: 256 bits.
const tokenBytes = 32

// NewToken returns a fresh random bearer token and the hash to store for it.
func NewToken() (token string, hash []byte) {
	var b [tokenBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken is the SHA-256 of a token. A fast hash is right here: tokens are 256 random bits, so
// unlike passwords they cannot be guessed, and the lookup runs on every request.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// BearerToken extracts the token from an "Authorization: Bearer <token>" value; ok is false when
// the value is empty or not a bearer credential.
func BearerToken(header string) (token string, ok bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
