package market

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients; it becomes the GraphQL `extensions.code`.
type Code string

// The error codes clients rely on.
const (
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	CodeForbidden       Code = "FORBIDDEN"
	CodeNotFound        Code = "NOT_FOUND"
	CodeBadUserInput    Code = "BAD_USER_INPUT"
	CodeConflict        Code = "CONFLICT"
	CodeRateLimited     Code = "RATE_LIMITED"
	CodeInternal        Code = "INTERNAL_SERVER_ERROR"
	// CodeTimeout: the database cancelled the work at its statement timeout (the same code the API
	// gives an operation that ran out of time).
	CodeTimeout Code = "TIMEOUT"
)

// Error is an error a client may see: its message is safe to show. Any other error is internal and
// is shown as "internal error".
type Error struct {
	Code    Code
	Message string
	// Field names the input field at fault, for BAD_USER_INPUT ("input.country").
	Field string
	// Extensions are extra facts for the client, such as the current state on a CONFLICT.
	Extensions map[string]any
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidInput returns a BAD_USER_INPUT error about one input field.
func InvalidInput(field, format string, args ...any) *Error {
	return &Error{Code: CodeBadUserInput, Message: fmt.Sprintf(format, args...), Field: field}
}

// With returns a copy of e with an extension added.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Extensions = make(map[string]any, len(e.Extensions)+1)
	for k, v := range e.Extensions {
		c.Extensions[k] = v
	}
	c.Extensions[key] = value
	return &c
}

// ErrorCode returns the code of err, CodeInternal for an error that is not an *Error, and "" for
// nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrNotFound is returned when an object does not exist or is not visible to the viewer; the two
// cases look the same so that existence does not leak.
var ErrNotFound = &Error{Code: CodeNotFound, Message: "not found"}

// ErrUnauthenticated is returned when an operation needs a logged-in user.
var ErrUnauthenticated = &Error{Code: CodeUnauthenticated, Message: "you must be logged in"}
