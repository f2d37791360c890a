package vchs

import (
	"encoding/xml"
	"log/slog"
	"net/http"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/reqctx"
)

// Status maps an error kind to the dialect's status and minor error code.
// This is the one place the dialect chooses a status. vCloud Air is not
// Cloud Director: what is missing or not the caller's is a plain 404.
func Status(k apierr.Kind) (int, string) {
	switch k {
	case apierr.Invalid:
		return http.StatusBadRequest, "BAD_REQUEST"
	case apierr.Unauthenticated:
		return http.StatusUnauthorized, "NOT_AUTHENTICATED"
	case apierr.Forbidden:
		return http.StatusForbidden, "FORBIDDEN"
	case apierr.NotFound, apierr.NoRoute:
		return http.StatusNotFound, "NOT_FOUND"
	case apierr.Conflict:
		return http.StatusConflict, "CONFLICT"
	case apierr.NotAcceptable:
		return http.StatusNotAcceptable, "NOT_ACCEPTABLE"
	case apierr.MethodNotAllowed:
		return http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED"
	case apierr.Unsupported:
		return http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"
	case apierr.TooLarge:
		return http.StatusRequestEntityTooLarge, "REQUEST_ENTITY_TOO_LARGE"
	case apierr.TooMany:
		return http.StatusTooManyRequests, "TOO_MANY_REQUESTS"
	case apierr.Unavailable:
		return http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE"
	}
	return http.StatusInternalServerError, "INTERNAL_SERVER_ERROR"
}

// WriteError answers err as a vCHS Error document. Internal errors are
// logged with the request id and shown as a generic message. Every 401
// carries the Basic challenge: logging in again is the way out.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := apierr.As(err)
	status, minor := Status(e.Kind)
	if e.Code != "" {
		minor = e.Code
	}
	if e.Kind == apierr.Internal && log != nil {
		log.Error("internal error", "request_id", reqctx.From(r.Context()).ID, "path", r.URL.Path, "err", err)
	}
	if ra := e.RetryAfterHeader(); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="vCloud Air"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeXML(w, status, mtError, errorXML{MajorErrorCode: status, MinorErrorCode: minor, Message: e.Message})
}

const xmlProlog = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// writeXML writes body with the media type and the API version.
func writeXML(w http.ResponseWriter, status int, mediaType string, body any) {
	out, err := xml.Marshal(body)
	if err != nil {
		// Our own types always marshal; this is a programming error.
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", mediaType+";version="+Version)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xmlProlog))
	_, _ = w.Write(out) // a failed write means the client left: nothing to do
}
