package route

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestExact(t *testing.T) {
	for _, tc := range []struct {
		pattern, method, path string
		want                  bool
	}{
		{"GET /cloudapi/1.0.0/sessions/current", "GET", "/cloudapi/1.0.0/sessions/current", true},
		{"GET /cloudapi/1.0.0/sessions/current", "HEAD", "/cloudapi/1.0.0/sessions/current", true},
		{"GET /cloudapi/1.0.0/sessions/current", "POST", "/cloudapi/1.0.0/sessions/current", false},
		{"HEAD /x", "GET", "/x", false},
		{"POST /oauth/tenant/{org}/token", "POST", "/oauth/tenant/acme/token", false},
		{"GET /api/", "GET", "/api/", false},
		{"GET /{$}", "GET", "/", false},
		{"/healthz", "GET", "/healthz", true},
		{"/healthz", "DELETE", "/healthz", true},
		{"/healthz", "FOO", "/healthz", false},
		{"/api/", "GET", "/api/", false},
		{"GET example.com/x", "GET", "/x", false},
		{"GET /a%2Fb", "GET", "/a/b", false},
		{"GET /x", "GET", "/y", false},
		{"", "GET", "/x", false},
	} {
		if got := exact(tc.pattern, tc.method, tc.path); got != tc.want {
			t.Errorf("exact(%q, %s, %s) = %v, want %v", tc.pattern, tc.method, tc.path, got, tc.want)
		}
	}
}

// testMux answers with the pattern that served and a path value, so two
// muxes can be compared by their answers.
func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, p := range []string{
		"GET /cloudapi/1.0.0/sessions/current",
		"DELETE /cloudapi/1.0.0/sessions/current",
		"GET /cloudapi/1.0.0/sessions/{id}",
		"POST /oauth/tenant/{org}/token",
		"POST /oauth/provider/token",
		"GET /api/",
		"GET /tree/",
		"GET /{$}",
		"/healthz",
		"/",
	} {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s|%s|%s|%s", p, r.Pattern, r.PathValue("id"), r.PathValue("org"))
		})
	}
	return mux
}

func TestMemoAnswersAsTheMux(t *testing.T) {
	mux := testMux()
	memo := New(testMux())
	requests := []struct{ method, target string }{
		{"GET", "/cloudapi/1.0.0/sessions/current"},
		{"HEAD", "/cloudapi/1.0.0/sessions/current"},
		{"DELETE", "/cloudapi/1.0.0/sessions/current"},
		{"PUT", "/cloudapi/1.0.0/sessions/current"}, // 405 with Allow
		{"GET", "/cloudapi/1.0.0/sessions/abc"},
		{"GET", "/cloudapi/1.0.0/sessions/./current"}, // redirect to the clean path
		{"GET", "/cloudapi/1.0.0/sessions%2Fcurrent"},
		{"POST", "/oauth/tenant/acme/token"},
		{"POST", "/oauth/provider/token"},
		{"GET", "/oauth/provider/token"},
		{"GET", "/api/org"},
		{"GET", "/tree"}, // redirect to /tree/
		{"GET", "/"},
		{"FOO", "/healthz"},
		{"GET", "/healthz"},
		{"GET", "/nowhere"},
	}
	for round := 0; round < 3; round++ { // later rounds are answered from the memo
		for _, rq := range requests {
			want := httptest.NewRecorder()
			r1 := httptest.NewRequest(rq.method, rq.target, nil)
			mux.ServeHTTP(want, r1)
			got := httptest.NewRecorder()
			r2 := httptest.NewRequest(rq.method, rq.target, nil)
			memo.ServeHTTP(got, r2)
			if got.Code != want.Code || got.Body.String() != want.Body.String() ||
				got.Header().Get("Location") != want.Header().Get("Location") || got.Header().Get("Allow") != want.Header().Get("Allow") {
				t.Errorf("round %d, %s %s: memo %d %q %v, mux %d %q %v", round, rq.method, rq.target,
					got.Code, got.Body, got.Header(), want.Code, want.Body, want.Header())
			}
			if r2.Pattern != r1.Pattern {
				t.Errorf("round %d, %s %s: r.Pattern %q through the memo, %q through the mux", round, rq.method, rq.target, r2.Pattern, r1.Pattern)
			}
			h1, p1 := mux.Handler(httptest.NewRequest(rq.method, rq.target, nil))
			_, p2 := memo.Handler(httptest.NewRequest(rq.method, rq.target, nil))
			if p1 != p2 || h1 == nil {
				t.Errorf("Handler(%s %s): pattern %q through the memo, %q through the mux", rq.method, rq.target, p2, p1)
			}
		}
	}
	known := *memo.known.Load()
	for _, k := range []key{
		{"GET", "/cloudapi/1.0.0/sessions/current"}, {"HEAD", "/cloudapi/1.0.0/sessions/current"},
		{"DELETE", "/cloudapi/1.0.0/sessions/current"}, {"POST", "/oauth/provider/token"},
		{"GET", "/healthz"},
	} {
		if _, ok := known[k]; !ok {
			t.Errorf("%v was not memoized", k)
		}
	}
	// PUT on sessions/current falls to the subtree "/", and GET on
	// /oauth/provider/token too: neither is remembered.
	if len(known) != 5 {
		t.Errorf("memo holds %d routes, want the 5 exact ones: %v", len(known), known)
	}
}

// Whatever clients send, the memo holds at most the exact patterns.
func TestMemoIsBoundedByThePatterns(t *testing.T) {
	memo := New(testMux())
	for i := 0; i < 2000; i++ {
		for _, m := range []string{"GET", "HEAD", "POST", fmt.Sprintf("M%d", i)} {
			for _, p := range []string{fmt.Sprintf("/x/%d", i), fmt.Sprintf("/cloudapi/1.0.0/sessions/%d", i), fmt.Sprintf("/oauth/tenant/o%d/token", i), "/healthz"} {
				memo.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(m, p, nil))
			}
		}
	}
	// Only /healthz (method-less) for GET, HEAD and POST; never M<i>.
	if n := len(*memo.known.Load()); n != 3 {
		t.Errorf("memo holds %d routes, want 3: %v", n, *memo.known.Load())
	}
}

func BenchmarkRouting(b *testing.B) {
	mux := testMux()
	memo := New(testMux())
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"mux", mux}, {"memo", memo}} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/cloudapi/1.0.0/sessions/current", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				w.Body.Reset()
				tc.h.ServeHTTP(w, r)
			}
		})
	}
}
