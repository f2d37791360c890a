package vchs

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// The vCHS version rule: 406 only when Accept names versions and none is
// 5.6.
func TestCheckVersion(t *testing.T) {
	for _, tc := range []struct {
		accept []string
		ok     bool
	}{
		{nil, true},
		{[]string{""}, true},
		{[]string{"application/xml"}, true},
		{[]string{"*/*"}, true},
		{[]string{"application/xml;version=5.6"}, true},
		{[]string{`application/xml; version="5.6"`}, true},
		{[]string{"application/xml;VERSION=5.6"}, true},
		{[]string{"application/*+xml;version=5.6"}, true},
		{[]string{"application/xml;version="}, true}, // empty: no version named
		{[]string{"application/xml;version=5.7"}, false},
		{[]string{"application/xml;version=36.2"}, false},
		{[]string{"application/xml;version=5.6.0"}, false},
		{[]string{"application/json;version=5.7, application/xml;version=5.6"}, true},
		{[]string{"application/json;version=5.7", "application/xml;version=5.6"}, true},
		{[]string{"application/xml", "application/xml;version=1.0"}, false},
	} {
		err := checkVersion(tc.accept)
		if tc.ok != (err == nil) || (err != nil && !apierr.Is(err, apierr.NotAcceptable)) {
			t.Errorf("%q: %v", tc.accept, err)
		}
	}
}

func TestToken(t *testing.T) {
	for _, tc := range []struct {
		values []string
		tok    string
		kind   apierr.Kind
	}{
		{nil, "", apierr.Unauthenticated},
		{[]string{" "}, "", apierr.Unauthenticated},
		{[]string{"abc"}, "abc", 0},
		{[]string{"abc", " abc "}, "abc", 0},
		{[]string{"abc", "def"}, "", apierr.Invalid},
	} {
		h := http.Header{}
		for _, v := range tc.values {
			h.Add("x-vchs-authorization", v)
		}
		tok, err := token(h)
		if tok != tc.tok || (tc.kind == 0) != (err == nil) || (err != nil && !apierr.Is(err, tc.kind)) {
			t.Errorf("%q: %q %v", tc.values, tok, err)
		}
	}
}

// One status per kind; the Error document in the vCHS namespace.
func TestWriteError(t *testing.T) {
	for kind, want := range map[apierr.Kind]int{
		apierr.Invalid: 400, apierr.Unauthenticated: 401, apierr.Forbidden: 403, apierr.NotFound: 404,
		apierr.MethodNotAllowed: 405, apierr.NotAcceptable: 406, apierr.Unavailable: 503, apierr.Internal: 500,
	} {
		w := httptest.NewRecorder()
		var err error = apierr.New(kind, "why")
		if kind == apierr.Internal {
			err = errors.New("why: a driver error") // not an *apierr.Error: its text must not leak
		}
		WriteError(w, httptest.NewRequest("GET", "/api/vchs/x", nil), nil, err)
		var e struct {
			XMLName xml.Name
			Major   int    `xml:"majorErrorCode,attr"`
			Minor   string `xml:"minorErrorCode,attr"`
			Message string `xml:"message,attr"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if w.Code != want || e.Major != want || e.Minor == "" || e.XMLName.Space != ns || e.XMLName.Local != "Error" ||
			w.Header().Get("Content-Type") != mtError+";version=5.6" || (want == 401) != (w.Header().Get("WWW-Authenticate") != "") {
			t.Errorf("%v: %d %+v %v", kind, w.Code, e, w.Header())
		}
		if kind == apierr.Internal && strings.Contains(e.Message, "why") {
			t.Error("an internal error's text reached the client")
		}
		if !strings.HasPrefix(w.Body.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
			t.Errorf("no prolog: %s", w.Body)
		}
	}
}
