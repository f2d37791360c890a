package vcd

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/reqctx"
)

func TestNegotiate(t *testing.T) {
	var neg negotiator
	for _, tc := range []struct {
		name   string
		accept []string
		want   string // version, or "" for 406
		msg    string // substring of the 406 message
	}{
		{"govcd cloudapi", []string{"application/json;version=37.0"}, "37.0", ""},
		{"govcd login wildcard", []string{"application/*;version=37.0"}, "37.0", ""},
		{"xml wildcard", []string{"application/*+xml;version=36.2"}, "36.2", ""},
		{"session json media type", []string{"application/vnd.vmware.vcloud.session+json;version=39.0"}, "39.0", ""},
		{"govcd disconnect sends two", []string{"application/*+xml;version=37.0", "application/xml;version=37.0"}, "37.0", ""},
		{"spaces and quotes", []string{` application/json ; Version = "38.1" `}, "38.1", ""},
		{"list in one header, first usable wins", []string{"text/html, application/json;version=99.0, application/json;version=36.1"}, "36.1", ""},
		{"vchs handoff version", []string{"application/*+xml;version=5.6"}, "5.6", ""},
		{"no accept", nil, "", "Invalid API version requested"},
		{"no version", []string{"application/json"}, "", "Invalid API version requested"},
		{"empty version", []string{"application/json;version="}, "", "Invalid API version requested"},
		{"unknown version", []string{"application/json;version=40.0"}, "", `Unknown API version: "40.0"`},
		{"three-part version", []string{"application/json;version=37.0.0"}, "", "Unknown API version"},
		{"garbage", []string{";;;==,,version"}, "", "Invalid API version requested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The handlers' negotiator remembers headers across requests
			// (and across these cases): the first call parses, the second
			// is answered from memory, and both must agree with Negotiate.
			for i, negotiate := range []func([]string) (Version, error){Negotiate, neg.negotiate, neg.negotiate} {
				v, err := negotiate(tc.accept)
				if tc.want != "" {
					if err != nil || v.Text != tc.want || v.jsonType == nil || v.jsonType[0] != "application/json;version="+tc.want {
						t.Fatalf("call %d = %v, %v; want %s", i, v, err, tc.want)
					}
					continue
				}
				if !apierr.Is(err, apierr.NotAcceptable) || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("call %d = %v, %v; want 406 containing %q", i, v, err, tc.msg)
				}
				if !strings.Contains(err.Error(), "39.0, 38.1") {
					t.Fatalf("406 message does not list the supported versions: %v", err)
				}
			}
		})
	}
}

func TestSupportedStaysBelowVCFA(t *testing.T) {
	vs := Supported()
	for i, v := range vs {
		if v.Major >= 40 {
			t.Fatalf("version %s would switch govcd to the VCF Automation dialect", v.Text)
		}
		if i > 0 && !v.AtLeast(vs[i-1].Major, vs[i-1].Minor) {
			t.Fatalf("versions not ascending at %s", v.Text)
		}
	}
	if _, ok := Lookup("37.0"); !ok {
		t.Fatal("37.0 must be listed: govcd looks it up by exact string")
	}
}

func TestSessionToken(t *testing.T) {
	const tok = "cgs_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	for _, tc := range []struct {
		name    string
		headers map[string][]string
		want    string
		invalid bool
	}{
		{"none", nil, "", false},
		{"bearer", map[string][]string{"Authorization": {"Bearer " + tok}}, tok, false},
		{"lowercase bearer (govcd)", map[string][]string{"Authorization": {"bearer " + tok}}, tok, false},
		{"access token header", map[string][]string{"X-Vmware-Vcloud-Access-Token": {tok}}, tok, false},
		{"legacy header", map[string][]string{"X-Vcloud-Authorization": {"0123456789abcdef0123456789abcdef"}}, "0123456789abcdef0123456789abcdef", false},
		{"govcd sends all three, one twice", map[string][]string{
			"Authorization": {"bearer " + tok}, "X-Vmware-Vcloud-Access-Token": {tok, tok}, "X-Vmware-Vcloud-Token-Type": {"Bearer"}}, tok, false},
		{"two different tokens", map[string][]string{"Authorization": {"Bearer " + tok}, "X-Vcloud-Authorization": {"other"}}, "", true},
		{"basic is not a session token", map[string][]string{"Authorization": {"Basic YWJjOmRlZg=="}}, "", false},
		{"bearer without token", map[string][]string{"Authorization": {"Bearer"}}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, vs := range tc.headers {
				for _, v := range vs {
					h.Add(k, v)
				}
			}
			got, err := SessionToken(h)
			if tc.invalid {
				if !apierr.Is(err, apierr.Invalid) {
					t.Fatalf("SessionToken = %q, %v; want an Invalid error", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("SessionToken = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestParseBasic(t *testing.T) {
	enc := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name          string
		auth          []string
		present, ok   bool
		user, org, pw string
	}{
		{"absent", nil, false, false, "", "", ""},
		{"simple", []string{enc("alice@acme:pw")}, true, true, "alice", "acme", "pw"},
		{"user with @ splits at the last", []string{enc("alice@example.com@acme:pw")}, true, true, "alice@example.com", "acme", "pw"},
		{"password with colons", []string{enc("bob@acme:a:b:c")}, true, true, "bob", "acme", "a:b:c"},
		{"empty password", []string{enc("bob@acme:")}, true, true, "bob", "acme", ""},
		{"scheme in any case", []string{"bAsIc " + base64.StdEncoding.EncodeToString([]byte("a@b:c"))}, true, true, "a", "b", "c"},
		{"no org", []string{enc("alice:pw")}, true, false, "", "", ""},
		{"empty org", []string{enc("alice@:pw")}, true, false, "", "", ""},
		{"empty user", []string{enc("@acme:pw")}, true, false, "", "", ""},
		{"no colon", []string{enc("alice@acme")}, true, false, "", "", ""},
		{"not base64", []string{"Basic !!!"}, true, false, "", "", ""},
		{"invalid utf-8", []string{enc("al\xffice@acme:pw")}, true, false, "", "", ""},
		{"bearer", []string{"Bearer abc"}, true, false, "", "", ""},
		{"two headers", []string{enc("a@b:c"), enc("a@b:c")}, true, false, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.auth {
				h.Add("Authorization", v)
			}
			b, present, ok := ParseBasic(h)
			if present != tc.present || ok != tc.ok {
				t.Fatalf("present, ok = %v, %v; want %v, %v", present, ok, tc.present, tc.ok)
			}
			if ok && (b.User != tc.user || b.Org != tc.org || b.Password != tc.pw) {
				t.Fatalf("got %+v", b)
			}
		})
	}
}

func TestErrorBodies(t *testing.T) {
	v, _ := Lookup("37.0")
	for _, tc := range []struct {
		kind   apierr.Kind
		status int
		minor  string
	}{
		{apierr.Invalid, 400, "BAD_REQUEST"},
		{apierr.Unauthenticated, 401, "NOT_AUTHENTICATED"},
		{apierr.Forbidden, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN"},
		{apierr.NotFound, 403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN"},
		{apierr.Conflict, 409, "DUPLICATE_NAME"},
		{apierr.NotAcceptable, 406, "NOT_ACCEPTABLE"},
		{apierr.MethodNotAllowed, 405, "METHOD_NOT_ALLOWED"},
		{apierr.Unavailable, 503, "SERVICE_UNAVAILABLE"},
		{apierr.Internal, 500, "INTERNAL_SERVER_ERROR"},
	} {
		r := httptest.NewRequest("GET", "/cloudapi/1.0.0/x", nil)
		r = r.WithContext(reqctx.With(r.Context(), &reqctx.Info{ID: "req-1"}))
		err := &apierr.Error{Kind: tc.kind, Message: "m<&>\"", Err: errSecret}

		w := httptest.NewRecorder()
		WriteJSONError(w, r, nil, &v, err)
		body := w.Body.String()
		if w.Code != tc.status || !strings.Contains(body, `"minorErrorCode":"`+tc.minor+`"`) ||
			!strings.Contains(body, `"stackTrace":null`) || w.Header().Get("Content-Type") != "application/json;version=37.0" {
			t.Errorf("%v JSON: %d %s %v", tc.kind, w.Code, body, w.Header())
		}
		if !strings.Contains(body, `"message":"[ req-1 ] `) {
			t.Errorf("%v JSON message does not start with the request id: %s", tc.kind, body)
		}
		w = httptest.NewRecorder()
		WriteXMLError(w, r, nil, &v, err)
		body = w.Body.String()
		if w.Code != tc.status || !strings.Contains(body, `majorErrorCode="`) || !strings.Contains(body, `minorErrorCode="`+tc.minor+`"`) ||
			!strings.HasPrefix(body, "<?xml") || !strings.Contains(body, `message="m&lt;&amp;&gt;&#34;"`) {
			t.Errorf("%v XML: %d %s", tc.kind, w.Code, body)
		}
		if strings.Contains(body, "secret cause") {
			t.Errorf("the cause leaked into the body: %s", body)
		}
	}
	// Internal errors never show their message either.
	r := httptest.NewRequest("GET", "/x", nil)
	w := httptest.NewRecorder()
	WriteJSONError(w, r, nil, nil, errSecret)
	if strings.Contains(w.Body.String(), "secret") || w.Code != 500 {
		t.Fatalf("foreign error leaked: %d %s", w.Code, w.Body.String())
	}
}

type secretErr struct{}

func (secretErr) Error() string { return "secret cause" }

var errSecret = secretErr{}

// TestNotFoundBody pins the answer to an unknown path, byte for byte: it
// is 404 (not Cloud Director's 403 for a missing object) and one fixed
// body, which clients that probe paths compare.
func TestNotFoundBody(t *testing.T) {
	env := &Env{}
	for _, tc := range []struct {
		format             Format
		contentType, cache string
		body               string
	}{
		{XML, "application/vnd.vmware.vcloud.error+xml", "",
			`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
				`<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="404" minorErrorCode="NOT_FOUND" message="The requested resource does not exist."></Error>`},
		{JSON, "application/json", "no-store, must-revalidate",
			`{"minorErrorCode":"NOT_FOUND","message":"The requested resource does not exist.","stackTrace":null}`},
	} {
		r := httptest.NewRequest("GET", "/api/iam/login", nil)
		r = r.WithContext(reqctx.With(r.Context(), &reqctx.Info{ID: "req-1"}))
		w := httptest.NewRecorder()
		env.NotFound(tc.format).ServeHTTP(w, r)
		if w.Code != http.StatusNotFound || w.Header().Get("Content-Type") != tc.contentType ||
			w.Header().Get("Cache-Control") != tc.cache || w.Body.String() != tc.body {
			t.Errorf("format %d: %d %v %s", tc.format, w.Code, w.Header(), w.Body.String())
		}
	}
}
