package grant

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/querycred"
)

// The seed corpora are in testdata/fuzz/<target>; plain `go test` runs
// them, .ci/fuzz.sh fuzzes each for a short while.

// FuzzReadForm: the form bodies of the token, revocation and device
// endpoints. Never a panic; every refusal is invalid_request of kind
// Invalid (400) or TooLarge (413);
// what is accepted holds only valid UTF-8, no empty values and names each
// parameter once, and encoding it again reads back the same.
func FuzzReadForm(f *testing.F) {
	f.Fuzz(func(t *testing.T, contentType, body string) {
		// The in-place split and url.ParseQuery agree on every body.
		fast, ferr := parseForm(body)
		slow, serr := parseFormQuery(body)
		if (ferr == nil) != (serr == nil) || !maps.Equal(fast, slow) {
			t.Fatalf("parseForm(%q) = %q, %v; through url.ParseQuery %q, %v", body, fast, ferr, slow, serr)
		}
		form, err := ReadForm(httptest.NewRecorder(), formRequest(contentType, body))
		if err != nil {
			e := apierr.As(err)
			if (e.Kind != apierr.Invalid && e.Kind != apierr.TooLarge) || e.Code != CodeInvalidRequest {
				t.Fatalf("ReadForm(%q, %q) = %v (kind %v, code %q)", contentType, body, err, e.Kind, e.Code)
			}
			return
		}
		if len(body) > maxFormBytes {
			t.Fatalf("readForm accepted a %d-byte body", len(body))
		}
		vals, perr := url.ParseQuery(body)
		if perr != nil {
			t.Fatalf("ReadForm(%q) accepted what url.ParseQuery refuses: %v", body, perr)
		}
		enc := url.Values{}
		for k, v := range form {
			if v == "" || !utf8.ValidString(k) || !utf8.ValidString(v) || len(vals[k]) != 1 || vals[k][0] != v {
				t.Fatalf("ReadForm(%q): parameter %q = %q (parsed %q)", body, k, v, vals[k])
			}
			enc.Set(k, v)
		}
		again, err := ReadForm(httptest.NewRecorder(), formRequest("application/x-www-form-urlencoded; charset=UTF-8", enc.Encode()))
		if err != nil || len(again) != len(form) {
			t.Fatalf("ReadForm(%q) = %q; re-encoded reads as %q, %v", body, form, again, err)
		}
		for k, v := range form {
			if again[k] != v {
				t.Fatalf("ReadForm(%q) = %q; re-encoded reads as %q", body, form, again)
			}
		}
	})
}

func formRequest(contentType, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/oauth/provider/token", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// FuzzRefuseQueryCredentials: a grant parameter in the URL query is
// always refused, however it is spelled (case, escapes, spaces, ';'
// separators); a query without one is let through; a refusal names the
// parameter and never echoes its value.
func FuzzRefuseQueryCredentials(f *testing.F) {
	credentialParams := map[string]bool{}
	for _, n := range querycred.OAuthNames() {
		credentialParams[n] = true
	}
	refusals := map[string]bool{}
	for n := range credentialParams {
		refusals[apierr.As(RefuseQuery(n+"=x")).Message] = true
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		err := RefuseQuery(rawQuery)
		// Either separator counts: some servers and proxies split on ';'.
		named := ""
		for _, part := range strings.Split(strings.ReplaceAll(rawQuery, ";", "&"), "&") {
			k, _, _ := strings.Cut(part, "=")
			if u, uerr := url.QueryUnescape(k); uerr == nil {
				k = u
			}
			if k = strings.ToLower(strings.TrimSpace(k)); credentialParams[k] {
				named = k
			}
		}
		vals, _ := url.ParseQuery(rawQuery)
		for k := range vals {
			if credentialParams[strings.ToLower(strings.TrimSpace(k))] && err == nil {
				t.Fatalf("RefuseQuery(%q) let parameter %q through", rawQuery, k)
			}
		}
		switch {
		case named != "" && err == nil:
			t.Fatalf("RefuseQuery(%q) let %q through", rawQuery, named)
		case named == "" && err != nil:
			t.Fatalf("RefuseQuery(%q) = %v with no grant parameter", rawQuery, err)
		case err != nil:
			e := apierr.As(err)
			if e.Kind != apierr.Invalid || e.Code != CodeInvalidRequest {
				t.Fatalf("RefuseQuery(%q) = %v (kind %v, code %q)", rawQuery, err, e.Kind, e.Code)
			}
			// The message may say which parameter, nothing else of the
			// query: it must be one a harmless query naming a parameter
			// gets. (Comparing against the values would flag a value
			// that is itself a parameter's name, as in password=password.)
			if !refusals[e.Message] {
				t.Fatalf("RefuseQuery(%q) = %q, which carries more of the query than the parameter's name", rawQuery, e.Message)
			}
		}
	})
}
