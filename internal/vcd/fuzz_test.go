package vcd

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/store"
)

// The seed corpora of these targets are in testdata/fuzz/<target>; plain
// `go test` runs them, .ci/fuzz.sh fuzzes each for a short while.

// FuzzParseBasic: whatever the Authorization header holds, ParseBasic
// never panics and what it accepts is a Basic header whose credentials
// encode back to a header it reads the same way; credentials built from
// parts it can represent always come back unchanged.
func FuzzParseBasic(f *testing.F) {
	f.Fuzz(func(t *testing.T, header, user, org, pw string) {
		h := http.Header{"Authorization": {header}}
		b, present, ok := ParseBasic(h)
		if !present {
			t.Fatalf("ParseBasic(%q): a header was sent but present = false", header)
		}
		if ok {
			if b.User == "" || b.Org == "" || strings.ContainsAny(b.Org, "@:") || strings.Contains(b.User, ":") {
				t.Fatalf("ParseBasic(%q) = %+v: user/org split is wrong", header, b)
			}
			if !utf8.ValidString(b.User) || !utf8.ValidString(b.Org) || !utf8.ValidString(b.Password) {
				t.Fatalf("ParseBasic(%q) = %+v: not valid UTF-8", header, b)
			}
			again, _, ok2 := ParseBasic(http.Header{"Authorization": {basicHeader(b.User, b.Org, b.Password)}})
			if !ok2 || again != b {
				t.Fatalf("ParseBasic(%q) = %+v, re-encoded reads as %+v, %v", header, b, again, ok2)
			}
		} else if b != (Basic{}) {
			t.Fatalf("ParseBasic(%q) refused but returned %+v", header, b)
		}
		if _, present, _ := ParseBasic(http.Header{}); present {
			t.Fatal("no Authorization header reads as present")
		}
		if _, _, ok := ParseBasic(http.Header{"Authorization": {header, header}}); ok {
			t.Fatalf("two Authorization headers %q accepted", header)
		}

		// Construct: any user without ':' and any org without '@' or ':'
		// (both non-empty, valid UTF-8: the user-id of RFC 7617 ends at the
		// first ':') come back exactly.
		if user == "" || org == "" || strings.ContainsAny(user, ":") || strings.ContainsAny(org, "@:") ||
			!utf8.ValidString(user) || !utf8.ValidString(org) || !utf8.ValidString(pw) || len(user)+len(org)+len(pw) > 4096 {
			return
		}
		got, _, ok := ParseBasic(http.Header{"Authorization": {basicHeader(user, org, pw)}})
		if want := (Basic{User: user, Org: org, Password: pw}); !ok || got != want {
			t.Fatalf("Basic %+v reads back as %+v, %v", want, got, ok)
		}
	})
}

func basicHeader(user, org, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+"@"+org+":"+pw))
}

// FuzzSessionToken: the token read from the three carriers is one of the
// values sent (trimmed), every carrier that holds a non-empty token holds
// that same one, and two different tokens are always a 400, never a pick.
func FuzzSessionToken(f *testing.F) {
	f.Fuzz(func(t *testing.T, auth, access, legacy string) {
		h := http.Header{}
		if auth != "" {
			h["Authorization"] = []string{auth}
		}
		if access != "" {
			h[HeaderAccessToken] = []string{access}
		}
		if legacy != "" {
			h[HeaderLegacyToken] = []string{legacy}
		}
		var carried []string
		if scheme, rest, _ := strings.Cut(strings.TrimSpace(auth), " "); strings.EqualFold(scheme, "Bearer") {
			carried = append(carried, strings.TrimSpace(rest))
		}
		carried = append(carried, strings.TrimSpace(access), strings.TrimSpace(legacy))
		distinct := map[string]bool{}
		for _, c := range carried {
			if c != "" {
				distinct[c] = true
			}
		}
		tok, err := SessionToken(h)
		switch {
		case err != nil:
			if !apierr.Is(err, apierr.Invalid) || len(distinct) < 2 {
				t.Fatalf("SessionToken(%q, %q, %q) = %v with %d distinct tokens", auth, access, legacy, err, len(distinct))
			}
		case len(distinct) > 1:
			t.Fatalf("SessionToken(%q, %q, %q) picked %q of %d different tokens", auth, access, legacy, tok, len(distinct))
		case len(distinct) == 0 && tok != "":
			t.Fatalf("SessionToken(%q, %q, %q) = %q from no carrier", auth, access, legacy, tok)
		case len(distinct) == 1 && !distinct[tok]:
			t.Fatalf("SessionToken(%q, %q, %q) = %q, not the token sent", auth, access, legacy, tok)
		}
		// govcd sends the same token in every carrier: always accepted.
		if tok != "" {
			same := http.Header{"Authorization": {"Bearer " + tok}, HeaderAccessToken: {tok}, HeaderLegacyToken: {tok, tok}}
			if got, err := SessionToken(same); err != nil || got != tok {
				t.Fatalf("the same token %q in every carrier reads as %q, %v", tok, got, err)
			}
		}
	})
}

// FuzzNegotiate: the version picked is a supported one that the Accept
// header names; a refusal is a 406 whose message stays short whatever was
// sent; a range without a version before it, or anything after it, does
// not change the pick; and every supported version spelled the way
// clients spell it is picked.
func FuzzNegotiate(f *testing.F) {
	f.Fuzz(func(t *testing.T, accept string, pick uint8) {
		v, err := Negotiate([]string{accept})
		if err != nil {
			if !apierr.Is(err, apierr.NotAcceptable) {
				t.Fatalf("Negotiate(%q) error kind %v, want NotAcceptable", accept, apierr.KindOf(err))
			}
			if n := len(err.Error()); n > 400 {
				t.Fatalf("Negotiate(%q): a %d-byte message echoes too much", accept, n)
			}
		} else {
			if _, ok := Lookup(v.Text); !ok {
				t.Fatalf("Negotiate(%q) = %q, not a supported version", accept, v.Text)
			}
			if !strings.Contains(accept, v.Text) || !strings.Contains(strings.ToLower(accept), "version") {
				t.Fatalf("Negotiate(%q) = %q, which the header does not name", accept, v.Text)
			}
			for _, variant := range [][]string{{"text/html, " + accept}, {"application/json", accept}, {accept, "application/json;version=37.0"}, {accept + ",application/json;version=38.0"}} {
				if w, err := Negotiate(variant); err != nil || w.Text != v.Text {
					t.Fatalf("Negotiate(%q) = %q but Negotiate(%q) = %q, %v", accept, v.Text, variant, w.Text, err)
				}
			}
		}
		vs := Supported()
		want := vs[int(pick)%len(vs)]
		for _, spelled := range []string{"application/json;version=" + want.Text, "application/*+xml;version=" + want.Text, ` application/json ; VERSION = "` + want.Text + `" `} {
			if got, err := Negotiate([]string{spelled}); err != nil || got.Text != want.Text {
				t.Fatalf("Negotiate(%q) = %q, %v", spelled, got.Text, err)
			}
		}
	})
}

// FuzzParseList: paging, filter and sort parameters of OpenAPI lists.
// Whatever the query, the answer is the list or a 400; what is accepted is
// within Cloud Director's bounds, its store window fits the store's 32-bit
// range, and writing it back as a query reads the same.
func FuzzParseList(f *testing.F) {
	schema := store.TokenSchema()
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest(http.MethodGet, "/cloudapi/1.0.0/tokens", nil)
		r.URL.RawQuery = rawQuery
		lq, err := ParseList(r, schema, 25)
		if err != nil {
			if !apierr.Is(err, apierr.Invalid) {
				t.Fatalf("ParseList(%q) error kind %v, want Invalid", rawQuery, apierr.KindOf(err))
			}
			return
		}
		if lq.Page < 1 || lq.PageSize < 0 || lq.PageSize > MaxPageSize || len(lq.Sort) > 1 {
			t.Fatalf("ParseList(%q) = %+v: out of bounds", rawQuery, lq)
		}
		if p := lq.StorePage(); p.Offset < 0 || p.Offset > 1<<31-1 || p.Limit != lq.PageSize {
			t.Fatalf("ParseList(%q): store window %+v", rawQuery, p)
		}
		q := url.Values{"page": {strconv.Itoa(lq.Page)}, "pageSize": {strconv.Itoa(lq.PageSize)}}
		if lq.Filter != nil {
			q.Set("filter", lq.Filter.String())
		}
		for _, s := range lq.Sort {
			if s.Desc {
				q.Set("sortDesc", s.Field)
			} else {
				q.Set("sortAsc", s.Field)
			}
		}
		r2 := httptest.NewRequest(http.MethodGet, "/cloudapi/1.0.0/tokens?"+q.Encode(), nil)
		again, err := ParseList(r2, schema, 25)
		if err != nil {
			t.Fatalf("ParseList(%q) = %+v, but its re-encoding %q fails: %v", rawQuery, lq, q.Encode(), err)
		}
		if again.Page != lq.Page || again.PageSize != lq.PageSize || len(again.Sort) != len(lq.Sort) ||
			(len(lq.Sort) == 1 && again.Sort[0] != lq.Sort[0]) || filterText(again) != filterText(lq) {
			t.Fatalf("ParseList(%q) = %+v, re-encoded reads as %+v", rawQuery, lq, again)
		}
	})
}

func filterText(lq ListQuery) string {
	if lq.Filter == nil {
		return ""
	}
	return lq.Filter.String()
}
