// Package apierr defines error values tagged with a kind. Domain packages
// return them; each wire dialect turns a kind into its own status code and
// body in exactly one function, so no handler picks a status inline.
package apierr

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Kind classifies an error by what the client can do about it.
type Kind uint8

const (
	// Internal is anything unexpected. Clients see a generic message; the
	// cause is logged with the request id.
	Internal Kind = iota
	// Invalid: the request is malformed or fails validation (400).
	Invalid
	// Unauthenticated: missing, invalid, expired or revoked credentials (401).
	Unauthenticated
	// Forbidden: authenticated but not allowed (403).
	Forbidden
	// NotFound: the object does not exist or is not visible to the caller.
	// Cloud Director answers 403 for this on GET-by-id; other dialects 404.
	NotFound
	// Conflict: the object already exists or changed concurrently (409).
	Conflict
	// NotAcceptable: no acceptable API version or media type (406).
	NotAcceptable
	// MethodNotAllowed: the operation is not offered at this path or version (405).
	MethodNotAllowed
	// Unsupported: the request body has a media type we do not read (415).
	Unsupported
	// TooLarge: the request body exceeds its limit (413).
	TooLarge
	// TooMany: the caller is rate limited (429).
	TooMany
	// Unavailable: a dependency (store, hash workers) is overloaded or down (503).
	Unavailable
	// NoRoute: nothing is served at the request's path (404 in every
	// dialect). Unlike NotFound it hides nothing, so Cloud Director's
	// dialects answer it 404 too: clients probe such paths to tell what
	// they are talking to.
	NoRoute
)

var kindNames = [...]string{
	Internal: "internal", Invalid: "invalid", Unauthenticated: "unauthenticated",
	Forbidden: "forbidden", NotFound: "not found", Conflict: "conflict",
	NotAcceptable: "not acceptable", MethodNotAllowed: "method not allowed",
	Unsupported: "unsupported media type", TooLarge: "too large",
	TooMany: "too many requests", Unavailable: "unavailable", NoRoute: "no route",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is an error with a kind and a message that is safe to show clients.
type Error struct {
	Kind Kind
	// Message is shown to the client. It never contains secrets.
	Message string
	// Code optionally overrides the dialect's default minor error code
	// (e.g. an OAuth "invalid_grant").
	Code string
	// RetryAfter, when non-zero, is sent as the Retry-After header.
	RetryAfter time.Duration
	// Err is the underlying cause; it is logged, never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error of the given kind with a formatted client message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error of the given kind that keeps err as its cause.
func Wrap(kind Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// WithCode returns a copy of e carrying a dialect-specific code.
func (e *Error) WithCode(code string) *Error {
	c := *e
	c.Code = code
	return &c
}

// As extracts the *Error from err. Errors that are not *Error become an
// Internal error whose client message is generic, so an unexpected failure
// never leaks its text.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Message: "internal server error", Err: err}
}

// KindOf returns the kind of err (Internal for foreign errors).
func KindOf(err error) Kind { return As(err).Kind }

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// RetryAfterHeader renders RetryAfter for the Retry-After header: whole
// seconds, rounded up (a client told "0" would retry at once); "" when the
// error carries no delay.
func (e *Error) RetryAfterHeader() string {
	if e.RetryAfter <= 0 {
		return ""
	}
	return strconv.Itoa(int((e.RetryAfter + time.Second - 1) / time.Second))
}
