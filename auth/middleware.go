package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gigraph/gigraph/market"
)

// Sessions looks up the user behind a token hash; the store implements it.
type Sessions interface {
	SessionUser(ctx context.Context, tokenHash []byte) (*market.User, error)
}

// Middleware puts the viewer of a bearer token into the request context. Requests without an
// Authorization header are anonymous. A header with an unknown, expired or revoked token is
// answered 401 with an UNAUTHENTICATED GraphQL error rather than silently served as anonymous, so a
// client notices that its token stopped working.
func Middleware(sessions Sessions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			header := r.Header.Get("Authorization")
			if header == "" {
				next.ServeHTTP(w, r)
				return
			}
			v, err := Authenticate(r.Context(), sessions, header)
			if err != nil {
				unauthorized(w, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithViewer(r.Context(), v)))
		})
	}
}

// Authenticate resolves an Authorization header value ("Bearer <token>") to a viewer. It returns
// an UNAUTHENTICATED error for a malformed header or a token that is not live; other errors are
// internal.
func Authenticate(ctx context.Context, sessions Sessions, header string) (*Viewer, error) {
	token, ok := BearerToken(header)
	if !ok {
		return nil, market.Errorf(market.CodeUnauthenticated, "the Authorization header must be `Bearer <token>`")
	}
	hash := HashToken(token)
	u, err := sessions.SessionUser(ctx, hash)
	if market.ErrorCode(err) == market.CodeNotFound {
		return nil, market.Errorf(market.CodeUnauthenticated, "the token is invalid, expired or revoked")
	}
	if err != nil {
		return nil, err
	}
	return &Viewer{UserID: u.ID, IsAdmin: u.IsAdmin, TokenHash: hash}, nil
}

func unauthorized(w http.ResponseWriter, err error) {
	code, msg := market.CodeInternal, "internal error"
	if e := (*market.Error)(nil); errors.As(err, &e) {
		code, msg = e.Code, e.Message
	}
	status := http.StatusUnauthorized
	if code == market.CodeInternal {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer realm="gigraph"`)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}},
	})
}
