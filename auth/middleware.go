package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gigraph/gigraph/market"
)

// Sessions looks up the live session of a token hash; the store implements it. It returns
// NOT_FOUND for a token that is unknown, expired or revoked.
type Sessions interface {
	Session(ctx context.Context, tokenHash []byte) (*market.Session, error)
}

// Middleware puts the viewer of a bearer token into the request context. Requests without an
// Authorization header are anonymous. A header with an unknown, expired or revoked token is
// answered 401 with an UNAUTHENTICATED GraphQL error rather than silently served as anonymous, so a
// client notices that its token stopped working.
func Middleware(sessions Sessions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if ClientAddrFrom(ctx) == "" { // a proxy-aware layer in front may have set it already
				ctx = WithClientAddr(ctx, ClientAddr(r))
			}
			header := r.Header.Get("Authorization")
			if header == "" {
				next.ServeHTTP(w, r.WithContext(ctx))
				return
			}
			v, err := Authenticate(ctx, sessions, header)
			if err != nil {
				unauthorized(w, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithViewer(ctx, v)))
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
	s, err := sessions.Session(ctx, hash)
	if market.ErrorCode(err) == market.CodeNotFound {
		return nil, market.Errorf(market.CodeUnauthenticated, "the token is invalid, expired or revoked")
	}
	if err != nil {
		return nil, err
	}
	v := &Viewer{UserID: s.UserID, IsAdmin: s.IsAdmin, TokenHash: hash}
	if s.ClientID != nil {
		v.ClientID = *s.ClientID
	}
	if s.FreelancerID != nil {
		v.FreelancerID = *s.FreelancerID
	}
	return v, nil
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
