package grant

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/querycred"
)

// maxFormBytes bounds a token, revocation or device authorization request
// body. The largest legitimate one (a jwt-bearer grant) is under 300 bytes.
const maxFormBytes = 16 << 10

// RefuseQuery fails with invalid_request when the URL query names a grant
// parameter (RFC 6749 §2.3.1, §3.2; RFC 6750 §2.3). The server has already
// refused every credential name (querycred.Find) on every endpoint; this
// adds the grant parameters that are no secret but belong in the body all
// the same (grant_type, client_id, username). The request is refused
// whole: one report has clients putting refresh_token in the query with
// success on Cloud Director; here such a token is never exchanged (the
// caller should consider it leaked and revoke it).
func RefuseQuery(rawQuery string) error {
	if name, ok := querycred.FindOAuth(rawQuery); ok {
		return Error(CodeInvalidRequest, "OAuth parameters such as %s must be sent in a form-encoded body, never in the URL query; a token sent in a URL should be revoked", name)
	}
	return nil
}

// ReadForm reads the form of an OAuth endpoint (token, revocation, device
// authorization), after RefuseQuery. The body must be
// application/x-www-form-urlencoded in UTF-8. Per RFC 6749 §3.1 a
// parameter without a value counts as absent, and one given twice (with
// any values) is invalid_request; unknown parameters are ignored. Every
// problem is invalid_request (400), an oversized body 413.
func ReadForm(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	if err := RefuseQuery(r.URL.RawQuery); err != nil {
		return nil, err
	}
	// The Content-Type every client sends needs no parsing.
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		mt, params, err := mime.ParseMediaType(ct)
		if ct == "" || err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, invalidForm("the request body must be application/x-www-form-urlencoded")
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return nil, invalidForm("the form body must be UTF-8")
		}
	}
	var raw []byte
	var err error
	if n := r.ContentLength; n >= 0 && n <= maxFormBytes {
		// A body of known, allowed length is read into a buffer of that
		// size (the server's body reader stops at Content-Length).
		raw = make([]byte, n)
		_, err = io.ReadFull(r.Body, raw)
	} else {
		raw, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apierr.New(apierr.TooLarge, "the request body is larger than %d bytes", maxFormBytes).WithCode(CodeInvalidRequest)
		}
		return nil, invalidForm("the request body could not be read")
	}
	return parseForm(string(raw))
}

func invalidForm(format string, args ...any) error {
	return Error(CodeInvalidRequest, format, args...)
}

// formFast is the most parameters parseForm reads without url.ParseQuery
// (a grant has three to five).
const formFast = 16

// parseForm reads a form body as url.ParseQuery does and applies
// ReadForm's rules to it. A body of at most formFast parameters and no
// ';' (every grant a client sends) is split in place: url.ParseQuery's
// map of slices and the copy into the form were half of the allocations
// of reading a form. Anything else takes url.ParseQuery itself;
// FuzzReadForm checks that both give the same answer.
func parseForm(body string) (map[string]string, error) {
	if strings.Count(body, "&") >= formFast || strings.Contains(body, ";") {
		return parseFormQuery(body)
	}
	type param struct{ k, v string }
	var params [formFast]param
	n := 0
	for rest := body; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, kerr := url.QueryUnescape(k)
		v, verr := url.QueryUnescape(v)
		if kerr != nil || verr != nil {
			return nil, invalidForm("the form body is malformed")
		}
		params[n] = param{k, v}
		n++
	}
	form := make(map[string]string, n)
	for i, p := range params[:n] {
		for _, q := range params[:i] {
			if q.k == p.k {
				return nil, invalidForm("parameter %s is given more than once", bounded(p.k))
			}
		}
		if !utf8.ValidString(p.k) || !utf8.ValidString(p.v) {
			return nil, invalidForm("the form body is not valid UTF-8")
		}
		if p.v != "" {
			form[p.k] = p.v
		}
	}
	return form, nil
}

// parseFormQuery is parseForm through url.ParseQuery.
func parseFormQuery(body string) (map[string]string, error) {
	vals, err := url.ParseQuery(body)
	if err != nil {
		return nil, invalidForm("the form body is malformed")
	}
	form := make(map[string]string, len(vals))
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, invalidForm("parameter %s is given more than once", bounded(k))
		}
		if !utf8.ValidString(k) || !utf8.ValidString(vs[0]) {
			return nil, invalidForm("the form body is not valid UTF-8")
		}
		if vs[0] != "" {
			form[k] = vs[0]
		}
	}
	return form, nil
}

// bounded cuts a client-supplied name for an error message (the dialect
// makes the message printable when it renders it).
func bounded(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return s
}

// Params builds the parameters of a grant called outside the token
// endpoint from name/value pairs; empty values are absent, as in a form.
func Params(pairs ...string) map[string]string {
	form := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			form[pairs[i]] = pairs[i+1]
		}
	}
	return form
}
