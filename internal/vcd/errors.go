package vcd

import (
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"net/http"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/reqctx"
)

// Status maps an error kind to Cloud Director's status and minor error
// code. This is the one place the Cloud Director dialects choose a status.
// NotFound is 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN: Cloud Director does not
// tell "does not exist" from "not yours", and govcd reads exactly 403 on a
// GET by id as "entity not found". A path that names nothing (NoRoute) is
// a plain 404.
func Status(k apierr.Kind) (int, string) {
	switch k {
	case apierr.NoRoute:
		return http.StatusNotFound, "NOT_FOUND"
	case apierr.Invalid:
		return http.StatusBadRequest, "BAD_REQUEST"
	case apierr.Unauthenticated:
		return http.StatusUnauthorized, "NOT_AUTHENTICATED"
	case apierr.Forbidden, apierr.NotFound:
		return http.StatusForbidden, "ACCESS_TO_RESOURCE_IS_FORBIDDEN"
	case apierr.Conflict:
		return http.StatusConflict, "DUPLICATE_NAME"
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

// resolve turns err into status, minor code and client message, logging
// internal errors with the request id (their text is never shown).
func resolve(r *http.Request, log *slog.Logger, err error) (*apierr.Error, int, string) {
	e := apierr.As(err)
	status, minor := Status(e.Kind)
	if e.Code != "" {
		minor = e.Code
	}
	if e.Kind == apierr.Internal && log != nil {
		log.Error("internal error", "request_id", reqctx.From(r.Context()).ID, "path", r.URL.Path, "err", err)
	}
	return e, status, minor
}

func setRetryAfter(w http.ResponseWriter, e *apierr.Error) {
	if ra := e.RetryAfterHeader(); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
}

// xmlError is Cloud Director's Error element (namespace vcloud v1.5).
type xmlError struct {
	XMLName        xml.Name `xml:"http://www.vmware.com/vcloud/v1.5 Error"`
	MajorErrorCode int      `xml:"majorErrorCode,attr"`
	MinorErrorCode string   `xml:"minorErrorCode,attr"`
	Message        string   `xml:"message,attr"`
}

// WriteXMLError answers err as an /api error. version may be nil (before
// negotiation).
func WriteXMLError(w http.ResponseWriter, r *http.Request, log *slog.Logger, v *Version, err error) {
	e, status, minor := resolve(r, log, err)
	setRetryAfter(w, e)
	WriteXML(w, status, "application/vnd.vmware.vcloud.error+xml", v, xmlError{MajorErrorCode: status, MinorErrorCode: minor, Message: e.Message})
}

// jsonError is the OpenAPI error object. stackTrace is always null: no
// stack trace ever leaves the server.
type jsonError struct {
	MinorErrorCode string  `json:"minorErrorCode"`
	Message        string  `json:"message"`
	StackTrace     *string `json:"stackTrace"`
}

// WriteJSONError answers err as a /cloudapi error. The message starts with
// the request id in brackets, as Cloud Director's do, except for an
// unknown path (NoRoute): that answer is one fixed body, the same on every
// request, which clients probing /cloudapi compare.
func WriteJSONError(w http.ResponseWriter, r *http.Request, log *slog.Logger, v *Version, err error) {
	e, status, minor := resolve(r, log, err)
	setRetryAfter(w, e)
	w.Header().Set("Cache-Control", "no-store, must-revalidate")
	msg := e.Message
	if e.Kind != apierr.NoRoute {
		msg = "[ " + reqctx.From(r.Context()).ID + " ] " + msg
	}
	WriteJSON(w, status, v, jsonError{MinorErrorCode: minor, Message: msg})
}

// WriteXML writes an XML document with the media type and version.
func WriteXML(w http.ResponseWriter, status int, mediaType string, v *Version, body any) {
	out, err := xml.Marshal(body)
	if err != nil {
		// Our own types always marshal; this is a programming error.
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", mediaType+versionSuffix(v))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xmlHeader))
	_, _ = w.Write(out) // a failed write means the client left: nothing to do
}

// WriteJSON writes a JSON body as application/json with the version.
func WriteJSON(w http.ResponseWriter, status int, v *Version, body any) {
	out, err := json.Marshal(body)
	if err != nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header()["Content-Type"] = jsonType(v)
	w.WriteHeader(status)
	_, _ = w.Write(out) // the client left: nothing to do
}

// xmlHeader is the prolog Cloud Director sends.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

func jsonType(v *Version) []string {
	if v == nil {
		return []string{"application/json"}
	}
	if v.jsonType != nil {
		return v.jsonType[:]
	}
	return []string{"application/json;version=" + v.Text}
}

// versionSuffix renders ";version=X". There is deliberately no charset
// parameter: Cloud Director sends none, clients split the media type on
// ";" to read the version, JSON is UTF-8 by definition and the XML prolog
// declares its encoding.
func versionSuffix(v *Version) string {
	if v == nil {
		return ""
	}
	return ";version=" + v.Text
}

// WriteJSONBytes writes an already rendered JSON body.
func WriteJSONBytes(w http.ResponseWriter, status int, v *Version, body []byte) {
	w.Header()["Content-Type"] = jsonType(v)
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client left: nothing to do
}
