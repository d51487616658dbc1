package api

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/gigraph/gigraph/api/ws"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/db"
	"github.com/gigraph/gigraph/market"
)

// wsReadLimit caps one client message on a WebSocket.
const wsReadLimit int64 = 64 << 10

// websocketTransport serves graphql-transport-ws and the legacy graphql-ws over gorilla/websocket.
// The connection_init payload's "authorization" ("Bearer <token>") sets the viewer for every
// operation of the socket; a bad token closes it with 4403. Without one the socket is anonymous
// (or keeps the viewer of the upgrade request's Authorization header).
func websocketTransport(cfg Config, store *db.Store) transport.Websocket {
	wsCfg := cfg.WebSocket
	wsCfg.AllowedOrigins = append(wsCfg.AllowedOrigins, cfg.AllowedOrigins...)
	wsCfg.AllowLocalhost = wsCfg.AllowLocalhost || cfg.Dev()
	if wsCfg.CheckOrigin == nil {
		wsCfg.CheckOrigin = cfg.CheckOrigin
	}
	if wsCfg.CloseCode == nil {
		wsCfg.CloseCode = WebSocketClose
	}
	limit := wsReadLimit
	return transport.Websocket{
		Implementation: ws.New(wsCfg),
		// The guard in package ws enforces the init timeout with the spec's close code.
		InitTimeout: 0,
		// graphql-ws (legacy) clients expect "ka" messages; liveness itself is checked with
		// WebSocket pings by package ws, for both subprotocols.
		KeepAlivePingInterval: 15 * time.Second,
		PayloadReadLimit:      &limit,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			header := p.Authorization()
			if header == "" {
				return ctx, nil, nil
			}
			v, err := auth.Authenticate(ctx, store, header)
			if err != nil {
				if market.ErrorCode(err) == market.CodeUnauthenticated {
					ctx = transport.WithWebsocketCloseCode(ctx, ws.CloseForbidden)
					return transport.AppendCloseReason(ctx, "Forbidden"), nil, err
				}
				ctx = transport.WithWebsocketCloseCode(ctx, 1011)
				return transport.AppendCloseReason(ctx, "Internal error"), nil, errors.New("internal error")
			}
			return auth.WithViewer(ctx, v), nil, nil
		},
	}
}
