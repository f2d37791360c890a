package vchs

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// FuzzCheckVersion: the vCloud Air Accept rule. A header naming 5.6 in any
// media range, or naming no version at all, is served; naming only other
// versions is a 406 whose message stays short. Adding a range with 5.6
// always makes a header acceptable. Seeds: testdata/fuzz/FuzzCheckVersion.
func FuzzCheckVersion(f *testing.F) {
	f.Fuzz(func(t *testing.T, accept string) {
		err := checkVersion([]string{accept})
		named, has56 := false, false
		for _, mr := range strings.Split(accept, ",") {
			if v, ok := versionParam(mr); ok && v != "" {
				named = true
				has56 = has56 || v == Version
			}
		}
		switch {
		case err != nil && !apierr.Is(err, apierr.NotAcceptable):
			t.Fatalf("checkVersion(%q) error kind %v", accept, apierr.KindOf(err))
		case err != nil && (!named || has56):
			t.Fatalf("checkVersion(%q) refused a header that names 5.6 or no version: %v", accept, err)
		case err == nil && named && !has56:
			t.Fatalf("checkVersion(%q) accepted a header naming only other versions", accept)
		case err != nil && len(err.Error()) > 300:
			t.Fatalf("checkVersion(%q): a %d-byte message echoes too much", accept, len(err.Error()))
		}
		for _, h := range [][]string{{accept + ",application/*+xml;version=5.6"}, {accept, "application/*+xml;version=5.6"}} {
			if err := checkVersion(h); err != nil {
				t.Fatalf("checkVersion(%q) = %v", h, err)
			}
		}
	})
}

// FuzzToken: x-vchs-authorization. The token read is a trimmed value that
// was sent; no token is a 401 and two different ones a 400.
func FuzzToken(f *testing.F) {
	f.Fuzz(func(t *testing.T, a, b string) {
		h := http.Header{HeaderToken: {a, b}}
		distinct := map[string]bool{}
		for _, v := range []string{a, b} {
			if v = strings.TrimSpace(v); v != "" {
				distinct[v] = true
			}
		}
		tok, err := token(h)
		switch len(distinct) {
		case 0:
			if !apierr.Is(err, apierr.Unauthenticated) {
				t.Fatalf("token(%q, %q) = %q, %v; want 401", a, b, tok, err)
			}
		case 1:
			if err != nil || !distinct[tok] {
				t.Fatalf("token(%q, %q) = %q, %v", a, b, tok, err)
			}
		default:
			if !apierr.Is(err, apierr.Invalid) {
				t.Fatalf("token(%q, %q) = %q, %v; want 400 for two tokens", a, b, tok, err)
			}
		}
	})
}
