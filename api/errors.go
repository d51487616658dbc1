package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gigraph/gigraph/market"
)

// presentError gives every error an extensions.code. Errors the domain raised (market.Error) keep
// their message; errors gqlgen raised itself (parse, validation, argument coercion) keep theirs;
// anything else is internal: logged with the request ID and shown only as "internal error", so no
// SQL, driver or stack text reaches a client.
//
// In prod (dev false) "Did you mean …" suggestions are cut from every message: SetDisableSuggestion
// only covers two of the validator's rules, while unknown arguments, types and enum values suggest
// names too, which would let a client map the schema with introspection off.
func presentError(log *slog.Logger, dev bool) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if !errors.As(err, &gqlErr) {
			gqlErr = gqlerror.WrapPath(graphql.GetPath(ctx), err)
		}
		var me *market.Error
		switch {
		case errors.As(err, &me):
			gqlErr.Message = me.Message
			ext := map[string]any{"code": string(me.Code)}
			if me.Field != "" {
				ext["field"] = me.Field
			}
			for k, v := range me.Extensions {
				ext[k] = v
			}
			gqlErr.Extensions = ext
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
			// The driver reports a statement cancelled by the context in its own words; the
			// context says why.
			gqlErr.Message = "the operation took too long and was cancelled"
			gqlErr.Extensions = map[string]any{"code": CodeTimeout}
		case pq.As(err, pqerror.QueryCanceled, pqerror.LockNotAvailable) != nil && ctx.Err() == nil:
			// PostgreSQL gave up at statement_timeout or lock_timeout (not the client): every
			// store path ends here, so no store method has to translate it itself.
			log.WarnContext(ctx, "database timeout", "request_id", RequestID(ctx), "path", gqlErr.Path.String(), "err", err)
			gqlErr.Message = "the database took too long and cancelled the operation; try again"
			gqlErr.Extensions = map[string]any{"code": CodeTimeout, "requestId": RequestID(ctx)}
		case errors.Is(err, context.Canceled):
			gqlErr.Message = "the request was cancelled"
			gqlErr.Extensions = map[string]any{"code": "CANCELLED"}
		case gqlErr.Unwrap() == nil:
			// Raised by gqlgen or gqlparser: the message is about the request, safe to show.
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			if _, ok := gqlErr.Extensions["code"]; !ok {
				gqlErr.Extensions["code"] = string(market.CodeBadUserInput)
			}
			if !dev {
				gqlErr.Message = suggestion.ReplaceAllString(gqlErr.Message, "")
			}
		default:
			id := RequestID(ctx)
			log.ErrorContext(ctx, "internal error", "request_id", id, "path", gqlErr.Path.String(), "err", err)
			gqlErr.Message = "internal error"
			gqlErr.Extensions = map[string]any{"code": string(market.CodeInternal), "requestId": id}
		}
		return gqlErr
	}
}

// suggestion matches gqlparser's " Did you mean …?" tails.
var suggestion = regexp.MustCompile(`\s*Did you mean [^?]*\?`)

// recoverPanic turns a panicking resolver into an internal error; the server keeps serving.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "request_id", RequestID(ctx), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errors.New("panic")
	}
}
