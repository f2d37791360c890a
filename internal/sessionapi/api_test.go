package sessionapi_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func TestRequestToken(t *testing.T) {
	clk := newClock()
	srv := testserver.Start(t, testserver.WithClock(clk.Now))
	r := do(t, srv, http.MethodPost, "/auth/request-token", "Authorization", testclient.Basic("alice@acme", testserver.Password))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", r.StatusCode, r.body)
	}
	for name, want := range map[string]string{
		"Allow":                     "POST, OPTIONS",
		"Content-Type":              "application/json",
		"X-Ratelimit-Limit":         "5",
		"X-Ratelimit-Remaining":     "4",
		"X-Ratelimit-Reset":         strconv.FormatInt(clk.Now().Add(time.Minute).Unix(), 10),
		"Strict-Transport-Security": "max-age=63072000",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Cache-Control":             "no-store",
		"Pragma":                    "no-cache",
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if r.Header.Get("WWW-Authenticate") != "" {
		t.Error("a successful request carries a challenge")
	}
	var tr tokenReply
	r.json(t, &tr)
	exp := clk.Now().Add(24 * time.Hour)
	if tr.Duration != 86400 || tr.Exp != exp.Unix() || tr.ExpDate != exp.Local().Format("2006-01-02 15:04:05") ||
		tr.Type != "ACCESS" || len(tr.Token) <= 32 {
		t.Fatalf("body %s", r.body)
	}
	// Exactly the five documented fields.
	var raw map[string]any
	r.json(t, &raw)
	if len(raw) != 5 {
		t.Fatalf("body has %d fields: %s", len(raw), r.body)
	}

	// The token works as Bearer and as Basic with an empty password; the
	// session it is shows up with its dialect and no idle timeout.
	for _, auth := range []string{bearer(tr.Token), "bearer " + tr.Token, testclient.Basic(tr.Token, "")} {
		if r := do(t, srv, http.MethodGet, "/v2/session", "Authorization", auth); r.StatusCode != http.StatusOK {
			t.Fatalf("%.12s...: %d %s", auth, r.StatusCode, r.body)
		}
	}
	// No idle timeout: unused for a day minus a second it still works;
	// at 24 h it has expired.
	clk.Advance(24*time.Hour - time.Second)
	if r := do(t, srv, http.MethodGet, "/v2/session", "Authorization", bearer(tr.Token)); r.StatusCode != http.StatusOK {
		t.Fatalf("after 24h-1s: %d", r.StatusCode)
	}
	clk.Advance(time.Second)
	wantError(t, do(t, srv, http.MethodGet, "/v2/session", "Authorization", bearer(tr.Token)), http.StatusUnauthorized)
}

// The token lifetime follows the vss-token-lifetime setting.
func TestRequestTokenLifetimeSetting(t *testing.T) {
	srv := testserver.Start(t)
	if err := srv.Server.Settings().Set(context.Background(), audit.CLI(), "vss-token-lifetime", "2h"); err != nil {
		t.Fatal(err)
	}
	tr := requestToken(t, srv, "bob@acme")
	if tr.Duration != 7200 {
		t.Fatalf("duration %d, want 7200", tr.Duration)
	}
}

func TestRequestTokenRefused(t *testing.T) {
	srv := testserver.Start(t)
	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"no Authorization", nil},
		{"wrong password", []string{"Authorization", testclient.Basic("alice@acme", "wrong-password-1")}},
		{"no org", []string{"Authorization", testclient.Basic("alice", testserver.Password)}},
		{"empty org", []string{"Authorization", testclient.Basic("alice@", testserver.Password)}},
		{"unknown org", []string{"Authorization", testclient.Basic("alice@nosuch", testserver.Password)}},
		{"unknown user", []string{"Authorization", testclient.Basic("zed@acme", testserver.Password)}},
		{"other org", []string{"Authorization", testclient.Basic("alice@globex", testserver.Password)}},
		{"garbage base64", []string{"Authorization", "Basic %%%"}},
		{"bearer scheme", []string{"Authorization", "Bearer cgs_whatever_token_value_here"}},
		{"two headers", []string{"Authorization", testclient.Basic("alice@acme", testserver.Password), "Authorization", testclient.Basic("alice@acme", testserver.Password)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, http.MethodPost, "/auth/request-token", tc.header...)
			wantError(t, r, http.StatusUnauthorized)
			if r.Header.Get("WWW-Authenticate") != `Basic realm="VSS"` || r.Header.Get("X-Ratelimit-Limit") != "" {
				t.Fatalf("headers %v", r.Header)
			}
		})
	}
	r := do(t, srv, http.MethodGet, "/auth/request-token", "Authorization", testclient.Basic("alice@acme", testserver.Password))
	wantError(t, r, http.StatusMethodNotAllowed)
	if r.Header.Get("Allow") != "POST, OPTIONS" {
		t.Fatalf("Allow %q", r.Header.Get("Allow"))
	}
}

// The per-user limit: X-RateLimit-Limit/Remaining/Reset count down, the
// request past the limit is 429 in the dialect's format with Retry-After
// and issues nothing, other users are not affected, and the window
// resets.
func TestRateLimit(t *testing.T) {
	clk := newClock()
	srv := testserver.Start(t, testserver.WithClock(clk.Now))
	set := srv.Server.Settings()
	for k, v := range map[string]string{"vss-rate-limit": "3", "vss-rate-window": "10m"} {
		if err := set.Set(context.Background(), audit.CLI(), k, v); err != nil {
			t.Fatal(err)
		}
	}
	start := clk.Now()
	reset := strconv.FormatInt(start.Add(10*time.Minute).Unix(), 10)
	post := func(user string) reply {
		return do(t, srv, http.MethodPost, "/auth/request-token", "Authorization", testclient.Basic(user, testserver.Password))
	}
	for i, tc := range []struct {
		user       string
		advance    time.Duration
		status     int
		remaining  string
		reset      string
		retryAfter string
	}{
		{"alice@acme", 0, 200, "2", reset, ""},
		{"alice@acme", time.Minute, 200, "1", reset, ""},
		{"alice@acme", time.Minute, 200, "0", reset, ""},
		{"alice@acme", time.Minute, 429, "0", reset, "420"},
		{"ALICE@ACME", 0, 429, "0", reset, "420"}, // the same user, however spelled
		{"bob@acme", 0, 200, "2", strconv.FormatInt(start.Add(13*time.Minute).Unix(), 10), ""},
		{"alice@acme", 7 * time.Minute, 200, "2", strconv.FormatInt(start.Add(20*time.Minute).Unix(), 10), ""},
	} {
		clk.Advance(tc.advance)
		r := post(tc.user)
		if r.StatusCode != tc.status || r.Header.Get("X-Ratelimit-Limit") != "3" ||
			r.Header.Get("X-Ratelimit-Remaining") != tc.remaining || r.Header.Get("X-Ratelimit-Reset") != tc.reset ||
			r.Header.Get("Retry-After") != tc.retryAfter {
			t.Fatalf("request %d (%s): %d limit %q remaining %q reset %q (want %s) retry %q: %s", i, tc.user, r.StatusCode,
				r.Header.Get("X-Ratelimit-Limit"), r.Header.Get("X-Ratelimit-Remaining"), r.Header.Get("X-Ratelimit-Reset"),
				tc.reset, r.Header.Get("Retry-After"), r.body)
		}
		if tc.status == http.StatusTooManyRequests {
			if e := wantError(t, r, http.StatusTooManyRequests); e.Error != "Too Many Requests" {
				t.Fatalf("429 body %s", r.body)
			}
		}
	}
	// Only the allowed requests made sessions: alice has 4 (3 + 1 after
	// the reset).
	rows, _, err := srv.Server.Sessions().List(context.Background(), sessionsOf(t, srv, "acme", "alice"))
	if err != nil || len(rows) != 4 {
		t.Fatalf("alice has %d sessions (%v), want 4", len(rows), err)
	}
}

func TestList(t *testing.T) {
	srv := testserver.Start(t)
	var tok string
	for range 3 {
		tok = requestToken(t, srv, "alice@acme").Token
	}
	requestToken(t, srv, "bob@acme")
	requestToken(t, srv, "dave@globex")
	l := list(t, srv, tok, "")
	base := srv.URL
	if l.Links.API != base+"/v2/" || l.Links.Self != base+"/v2/session" || l.Meta.User != "alice" || l.Meta.Count != 3 ||
		!regexp.MustCompile(`^\d+\.\d{5}s$`).MatchString(l.Meta.Time) {
		t.Fatalf("envelope %+v", l)
	}
	p := l.Meta.Pages
	if p.Total != 3 || p.Pages != 1 || p.Page != 1 || p.PerPage != 10 || p.NextURL != nil || p.PrevURL != nil ||
		p.FirstURL != base+"/v2/session?page=1&per_page=10" || p.LastURL != base+"/v2/session?page=1&per_page=10" {
		t.Fatalf("pages %+v", p)
	}
	seen := map[string]bool{}
	for _, it := range l.Data {
		if _, err := urn.Parse(it.Key); err != nil || it.Username != `acme\alice` || it.Links.Self != base+"/v2/session/"+it.Key || seen[it.Key] {
			t.Fatalf("item %+v", it)
		}
		seen[it.Key] = true
	}

	// Paging.
	l = list(t, srv, tok, "?per_page=2")
	if l.Meta.Count != 2 || len(l.Data) != 2 || l.Meta.Pages.Pages != 2 || l.Meta.Pages.NextURL == nil ||
		*l.Meta.Pages.NextURL != base+"/v2/session?page=2&per_page=2" || l.Meta.Pages.PrevURL != nil {
		t.Fatalf("page 1 of 2: %+v", l.Meta)
	}
	l2 := list(t, srv, tok, "?per_page=2&page=2")
	if l2.Meta.Count != 1 || l2.Meta.Pages.NextURL != nil || l2.Meta.Pages.PrevURL == nil || l2.Data[0].Key == l.Data[0].Key || l2.Data[0].Key == l.Data[1].Key {
		t.Fatalf("page 2 of 2: %+v", l2)
	}
	l = list(t, srv, tok, "?page=50")
	if l.Meta.Count != 0 || l.Data == nil || l.Meta.Pages.Total != 3 || *l.Meta.Pages.PrevURL != base+"/v2/session?page=1&per_page=10" {
		t.Fatalf("past the end: %+v", l)
	}
	// HEAD is GET without a body.
	if r := do(t, srv, http.MethodHead, "/v2/session", "Authorization", bearer(tok)); r.StatusCode != 200 || len(r.body) != 0 {
		t.Fatalf("HEAD: %d %q", r.StatusCode, r.body)
	}
	// The root lists the resources.
	r := do(t, srv, http.MethodGet, "/v2/", "Authorization", bearer(tok))
	if r.StatusCode != 200 || !strings.Contains(string(r.body), `"`+base+`/v2/session"`) {
		t.Fatalf("GET /v2/: %d %s", r.StatusCode, r.body)
	}
}

// sessionsOf is a store query for one user's sessions.
func sessionsOf(t *testing.T, srv *testserver.Server, org, user string) store.SessionQuery {
	t.Helper()
	u, _, err := srv.Server.Directory().User(context.Background(), org, user)
	if err != nil {
		t.Fatal(err)
	}
	return store.SessionQuery{UserID: u.ID}
}
