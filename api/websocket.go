package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/gigraph/gigraph/api/ws"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/market"
)

// wsReadLimit caps one client message on a WebSocket.
const wsReadLimit int64 = 64 << 10

// websocketTransport serves graphql-transport-ws (package ws's own transport) and the legacy
// graphql-ws (gqlgen's, over package ws's gorilla adapter). The connection_init payload's
// "authorization" ("Bearer <token>") sets the viewer for every operation of the socket; a bad
// token closes it with 4403. Without one the socket is anonymous (or keeps the viewer of the
// upgrade request's Authorization header). cfg.WebSocket.Shutdown (the handler's) ends every
// socket with 1001 when the server shuts down.
func websocketTransport(cfg Config, store *db.Store) *ws.Transport {
	wsCfg := cfg.WebSocket
	wsCfg.AllowedOrigins = append(wsCfg.AllowedOrigins, cfg.AllowedOrigins...)
	wsCfg.AllowLocalhost = wsCfg.AllowLocalhost || cfg.Dev()
	if wsCfg.CheckOrigin == nil {
		wsCfg.CheckOrigin = cfg.CheckOrigin
	}
	if wsCfg.CloseCode == nil {
		wsCfg.CloseCode = WebSocketClose
	}
	wsCfg.ReadLimit = wsReadLimit
	if wsCfg.OperationTimeout == 0 {
		wsCfg.OperationTimeout = cfg.OperationTimeout
	}
	authenticate := func(ctx context.Context, p transport.InitPayload) (context.Context, error) {
		header := p.Authorization()
		if header == "" {
			return ctx, nil
		}
		v, err := auth.Authenticate(ctx, store, header)
		if err != nil {
			if market.ErrorCode(err) == market.CodeUnauthenticated {
				return ctx, &ws.CloseError{Code: ws.CloseForbidden, Reason: "Forbidden"}
			}
			return ctx, &ws.CloseError{Code: 1011, Reason: "Internal error"}
		}
		return auth.WithViewer(ctx, v), nil
	}
	wsCfg.Init = authenticate
	// Results depend on who asks (access rules), so renderings are shared only between
	// operations of the same viewer as of the same moment: user, admin flag and profiles.
	wsCfg.ShareKey = func(ctx context.Context) string {
		if v := auth.FromContext(ctx); v != nil {
			return fmt.Sprintf("%d/%t/%d/%d", v.UserID, v.IsAdmin, v.ClientID, v.FreelancerID)
		}
		return ""
	}
	// A socket keeps only what its operations read from the upgrade request's context: the
	// request id (in masked errors and logs), the client address (login throttling) and the
	// viewer of an Authorization header.
	wsCfg.Detach = func(ctx context.Context) context.Context {
		d := context.Background()
		if id := RequestID(ctx); id != "" {
			d = context.WithValue(d, requestIDKey{}, id)
		}
		if addr := auth.ClientAddrFrom(ctx); addr != "" {
			d = auth.WithClientAddr(d, addr)
		}
		if v := auth.FromContext(ctx); v != nil {
			d = auth.WithViewer(d, v)
		}
		return d
	}
	// Each operation gets its own copy of the socket's viewer: a mutation that creates a profile
	// updates its copy, while other operations run concurrently.
	wsCfg.OperationContext = func(ctx context.Context) context.Context {
		if v := auth.FromContext(ctx); v != nil {
			cp := *v
			return auth.WithViewer(ctx, &cp)
		}
		return ctx
	}
	limit := wsReadLimit
	im := ws.New(wsCfg)
	legacy := transport.Websocket{
		Implementation: im,
		// The guard in package ws enforces the init timeout.
		InitTimeout: 0,
		// graphql-ws (legacy) clients expect "ka" messages; liveness itself is checked with
		// WebSocket pings by package ws.
		KeepAlivePingInterval: 15 * time.Second,
		PayloadReadLimit:      &limit,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			ctx2, err := authenticate(ctx, p)
			var ce *ws.CloseError
			if errors.As(err, &ce) {
				ctx = transport.WithWebsocketCloseCode(ctx, ce.Code)
				return transport.AppendCloseReason(ctx, ce.Reason), nil, errors.New(ce.Reason)
			}
			return ctx2, nil, err
		},
	}
	return ws.NewTransport(im, legacy)
}
