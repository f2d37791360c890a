package store

import (
	"errors"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// APIError turns an error of the store, or of a function run by Update,
// into an API error: an *apierr.Error keeps its kind; ErrNotFound and
// ErrConflict name what ("organization acme"); ErrUnavailable asks the
// client to retry; ErrInvalid is the caller's mistake; anything else is an
// internal error whose text is never shown. Domain packages call it so
// that every dialect sees the same kinds for the same store failures.
func APIError(err error, what string) error {
	var ae *apierr.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return err
	case errors.Is(err, ErrFull):
		return FullError(err)
	case errors.Is(err, ErrUnavailable):
		return &apierr.Error{Kind: apierr.Unavailable, Message: "the database is unavailable, retry shortly", RetryAfter: 2 * time.Second, Err: err}
	case errors.Is(err, ErrNotFound):
		return apierr.Wrap(apierr.NotFound, err, "%s does not exist", what)
	case errors.Is(err, ErrConflict):
		return apierr.Wrap(apierr.Conflict, err, "%s already exists", what)
	case errors.Is(err, ErrInvalid):
		return apierr.Wrap(apierr.Invalid, err, "%s", err.Error())
	}
	return apierr.Wrap(apierr.Internal, err, "internal error")
}
