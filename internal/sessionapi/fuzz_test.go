package sessionapi

import (
	"encoding/base64"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// The seed corpora are in testdata/fuzz/<target>; plain `go test` runs
// them, .ci/fuzz.sh fuzzes each for a short while.

// FuzzBasicCredentials: Basic headers of /auth/request-token and of token
// requests (token as the user, empty password). Never a panic; what is
// accepted re-encodes to a header read the same way; and user/password
// pairs the scheme can carry (no ':' in the user) come back unchanged.
func FuzzBasicCredentials(f *testing.F) {
	f.Fuzz(func(t *testing.T, header, user, pass string) {
		u, p, present, ok := basicCredentials(http.Header{"Authorization": {header}})
		if !present {
			t.Fatalf("basicCredentials(%q): present = false with a header", header)
		}
		if ok {
			if strings.Contains(u, ":") || !utf8.ValidString(u) || !utf8.ValidString(p) {
				t.Fatalf("basicCredentials(%q) = %q, %q", header, u, p)
			}
			u2, p2, _, ok2 := basicCredentials(http.Header{"Authorization": {encodeBasic(u, p)}})
			if !ok2 || u2 != u || p2 != p {
				t.Fatalf("basicCredentials(%q) = %q, %q; re-encoded reads as %q, %q, %v", header, u, p, u2, p2, ok2)
			}
		} else if u != "" || p != "" {
			t.Fatalf("basicCredentials(%q) refused but returned %q, %q", header, u, p)
		}
		if _, _, _, ok := basicCredentials(http.Header{"Authorization": {header, header}}); ok {
			t.Fatalf("two Authorization headers %q accepted", header)
		}
		if strings.Contains(user, ":") || !utf8.ValidString(user) || !utf8.ValidString(pass) || len(user)+len(pass) > 4096 {
			return
		}
		u, p, _, ok = basicCredentials(http.Header{"Authorization": {encodeBasic(user, pass)}})
		if !ok || u != user || p != pass {
			t.Fatalf("Basic %q:%q reads back as %q, %q, %v", user, pass, u, p, ok)
		}
	})
}

func encodeBasic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// FuzzParsePaging: page and per_page of GET /v2/session. Never a panic; a
// refusal is a 400; what is accepted is within bounds, its offset fits the
// store's 32-bit range, it reads back the same from the links block()
// builds, and those links never point past the range.
func FuzzParsePaging(f *testing.F) {
	f.Fuzz(func(t *testing.T, rawQuery string, total int64) {
		q, _ := url.ParseQuery(rawQuery)
		p, err := parsePaging(q)
		if err != nil {
			if !apierr.Is(err, apierr.Invalid) {
				t.Fatalf("parsePaging(%q) error kind %v, want Invalid", rawQuery, apierr.KindOf(err))
			}
			return
		}
		if p.page < 1 || p.perPage < 1 || p.perPage > MaxPerPage || int64(p.page-1)*int64(p.perPage) > math.MaxInt32 {
			t.Fatalf("parsePaging(%q) = %+v: out of bounds", rawQuery, p)
		}
		again, err := parsePaging(url.Values{"page": {strconv.Itoa(p.page)}, "per_page": {strconv.Itoa(p.perPage)}})
		if err != nil || again != p {
			t.Fatalf("parsePaging(%q) = %+v, re-encoded reads as %+v, %v", rawQuery, p, again, err)
		}
		n := int(max(0, min(total, math.MaxInt32)))
		b := p.block("https://h/v2/session", n)
		for _, link := range []*string{&b.FirstURL, &b.LastURL, b.NextURL, b.PrevURL} {
			if link == nil {
				continue
			}
			u, err := url.Parse(*link)
			if err != nil {
				t.Fatalf("link %q: %v", *link, err)
			}
			lp, err := parsePaging(u.Query())
			if err != nil || lp.perPage != p.perPage || lp.page < 1 {
				t.Fatalf("parsePaging(%q) with %d items: link %q reads as %+v, %v", rawQuery, n, *link, lp, err)
			}
			if n > 0 && lp.page > b.Pages {
				t.Fatalf("parsePaging(%q) with %d items: link %q is past the last page %d", rawQuery, n, *link, b.Pages)
			}
		}
		if (b.NextURL != nil) != (p.page < b.Pages) {
			t.Fatalf("page %d of %d: next link %v", p.page, b.Pages, b.NextURL)
		}
	})
}
