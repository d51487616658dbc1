package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gigraph/gigraph/metrics"
)

// Outcomes of a GraphQL request, for logs and the outcome metric label.
const (
	outcomeOK          = "ok"           // executed without errors
	outcomeError       = "error"        // executed, with errors in the response
	outcomeRejected    = "rejected"     // refused before execution: transport, limits, validation, auth
	outcomeTimeout     = "timeout"      // cancelled by the operation timeout
	outcomeRateLimited = "rate_limited" // refused by the rate limiter
)

// opInfo collects what the inner handlers learn about a request, for the access log and metrics.
type opInfo struct {
	name, kind, outcome string
}

func (i *opInfo) setOperation(op *ast.OperationDefinition) {
	i.name, i.kind = op.Name, string(op.Operation)
}

type opInfoKey struct{}

// operationInfo returns the request's opInfo; outside observe it returns a throwaway one.
func operationInfo(ctx context.Context) *opInfo {
	if i, ok := ctx.Value(opInfoKey{}).(*opInfo); ok {
		return i
	}
	return &opInfo{}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe logs every GraphQL request over HTTP and records its metrics: request id, operation
// name and type, status, outcome and duration. It never logs variables, headers, tokens or client
// addresses. WebSocket upgrades pass through untouched (the WebSocket layer needs the raw
// http.Hijacker and keeps its own connection metrics).
func observe(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Upgrade") != "" {
				next.ServeHTTP(w, r)
				return
			}
			start := time.Now()
			info := &opInfo{}
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), opInfoKey{}, info)))
			elapsed := time.Since(start)
			if r.Method == http.MethodOptions {
				return // CORS preflight: not a GraphQL request
			}
			if info.outcome == "" {
				info.outcome = outcomeRejected // refused before the transport: method, auth
			}
			op := metrics.OperationLabel(info.name)
			metrics.Requests.WithLabelValues(op, info.outcome).Inc()
			metrics.Duration.WithLabelValues(op, info.outcome).Observe(elapsed.Seconds())
			name := info.name
			if len(name) > 64 {
				name = name[:64]
			}
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			log.Log(r.Context(), level, "graphql request",
				"request_id", RequestID(r.Context()),
				"method", r.Method,
				"operation", name,
				"type", info.kind,
				"status", rec.status,
				"outcome", info.outcome,
				"duration_ms", strconv.FormatFloat(float64(elapsed.Microseconds())/1000, 'f', 3, 64),
			)
		})
	}
}
