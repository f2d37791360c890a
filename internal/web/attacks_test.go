package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

const cookieName = "__Host-cloudgate-session"

// browserClient signs in with plain HTTP, as a browser would, and keeps
// the session cookie and form token.
type browserClient struct {
	t      *testing.T
	srv    *testserver.Server
	cookie string
	form   string
}

func (b *browserClient) do(method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.cookie != "" {
		req.Header.Set("Cookie", cookieName+"="+b.cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := *b.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

var formTokenRE = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

func httpSignIn(t *testing.T, srv *testserver.Server, prefix, user, password string) *browserClient {
	t.Helper()
	b := &browserClient{t: t, srv: srv}
	resp, body := b.do(http.MethodPost, prefix+"/signin", url.Values{"username": {user}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
				t.Fatalf("session cookie attributes: %+v", c)
			}
			b.cookie = c.Value
		}
	}
	if b.cookie == "" {
		t.Fatalf("sign-in set no %s cookie: %v", cookieName, resp.Header)
	}
	_, page := b.do(http.MethodGet, prefix+"/tokens", nil)
	m := formTokenRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form token on the tokens page: %s", page)
	}
	b.form = m[1]
	return b
}

func liveTokens(t *testing.T, srv *testserver.Server) []string {
	t.Helper()
	rows, _, err := srv.Server.Tokens().AdminList(context.Background(), store.TokenQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	return names
}

// otherFirst returns tok with its first character changed (always to
// another one: "x" + tok[1:] was tok itself whenever tok began with x).
func otherFirst(tok string) string {
	if strings.HasPrefix(tok, "x") {
		return "y" + tok[1:]
	}
	return "x" + tok[1:]
}

// A form posted to a page from another origin is refused with 403 before
// anything changes: by the origin check (Sec-Fetch-Site / Origin) and by
// the per-session form token, each on its own.
func TestForgedPostsHTTP(t *testing.T) {
	srv := testserver.Start(t)
	bob := httpSignIn(t, srv, "/tenant/acme", "bob", testserver.Password)
	alice := httpSignIn(t, srv, "/tenant/acme", "alice", testserver.Password)
	for _, tc := range []struct {
		name string
		form string
		hdr  []string
	}{
		{"cross-site fetch", bob.form, []string{"Sec-Fetch-Site", "cross-site"}},
		{"same-site other origin", bob.form, []string{"Sec-Fetch-Site", "same-site"}},
		{"foreign Origin", bob.form, []string{"Origin", "https://evil.example"}},
		{"no form token", "", []string{"Sec-Fetch-Site", "same-origin"}},
		{"wrong form token", otherFirst(bob.form), []string{"Sec-Fetch-Site", "same-origin"}},
		{"another session's form token", alice.form, []string{"Sec-Fetch-Site", "same-origin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := bob.do(http.MethodPost, "/tenant/acme/tokens", url.Values{"form_token": {tc.form}, "name": {"forged"}}, tc.hdr...)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "did not come from this site") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
	}
	if names := liveTokens(t, srv); len(names) != 0 {
		t.Fatalf("forged posts created tokens %v", names)
	}
	// The same post from the page itself works.
	resp, body := bob.do(http.MethodPost, "/tenant/acme/tokens", url.Values{"form_token": {bob.form}, "name": {"real"}},
		"Sec-Fetch-Site", "same-origin", "Origin", srv.URL)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, "cga_") {
		t.Fatalf("the page's own post: %d %s", resp.StatusCode, body)
	}
	// A sign-out is a state change too.
	if resp, _ := bob.do(http.MethodPost, "/tenant/acme/signout", url.Values{}, "Sec-Fetch-Site", "same-origin"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-out without the form token: %d", resp.StatusCode)
	}
}

// The same attack in a real browser: a page on another port of the same
// host (same site, so the Lax cookie goes along) auto-submits a form to
// create a token. The browser shows the 403 page; nothing was created.
func TestForgedPostBrowser(t *testing.T) {
	srv := testserver.Start(t)
	tb := newTab(t)
	tb.signIn(srv.URL, "/tenant/acme", "bob", testserver.Password)
	evil := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><title>prize</title><body>
<form id="f" method="post" action="%s/tenant/acme/tokens"><input name="name" value="stolen"><input name="form_token" value="guess"></form>
<h2>You won</h2><button id="go" form="f">Claim</button></body>`, srv.URL)
	}))
	defer evil.Close()
	tb.open2(evil.URL)
	if st := tb.submitStatus(chromedp.CSS("#go")); st != http.StatusForbidden {
		t.Fatalf("the forged post answered %d", st)
	}
	if page := tb.text(); !strings.Contains(page, "did not come from this site") {
		t.Fatalf("the forged post shows: %s", page)
	}
	tb.shot("error-forbidden")
	if names := liveTokens(t, srv); len(names) != 0 {
		t.Fatalf("the forged post created tokens %v", names)
	}
}

// open2 navigates without waiting for an h1 (a page not ours).
func (tb *tab) open2(u string) {
	tb.t.Helper()
	tb.do("opening "+u, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body")))
}

// The session cookie authenticates nothing outside the pages: the APIs
// read only their headers, so they stay free of cross-site forgery.
func TestCookieIgnoredByAPIs(t *testing.T) {
	srv := testserver.Start(t)
	b := httpSignIn(t, srv, "/tenant/acme", "alice", testserver.Password)
	for _, tc := range []struct{ method, path, accept string }{
		{http.MethodGet, "/cloudapi/1.0.0/sessions/current", "application/json;version=37.0"},
		{http.MethodGet, "/cloudapi/1.0.0/tokens", "application/json;version=37.0"},
		{http.MethodGet, "/api/session", "application/*+xml;version=37.0"},
		{http.MethodGet, "/v2/session", "application/json"},
		{http.MethodPost, "/oauth/tenant/acme/register", "application/json"},
		{http.MethodPost, "/auth/request-token", "application/json"},
		{http.MethodDelete, "/cloudapi/1.0.0/sessions/current", "application/json;version=37.0"},
	} {
		resp, body := b.do(tc.method, tc.path, nil, "Accept", tc.accept, "Content-Type", "application/json")
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s with only the cookie: %d %s", tc.method, tc.path, resp.StatusCode, body)
		}
		if strings.Contains(body, "alice") {
			t.Errorf("%s %s with only the cookie names the user: %s", tc.method, tc.path, body)
		}
	}
	// The DELETE above ended nothing: the page still knows alice.
	if resp, body := b.do(http.MethodGet, "/tenant/acme/tokens", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "alice@acme") {
		t.Fatalf("tokens page: %d", resp.StatusCode)
	}
}

// The one-time secret is in the POST's answer only, which no cache may
// keep; the token list never shows it, and reloading does not show it.
func TestSecretShownOnce(t *testing.T) {
	srv := testserver.Start(t)
	b := httpSignIn(t, srv, "/tenant/acme", "bob", testserver.Password)
	resp, body := b.do(http.MethodPost, "/tenant/acme/tokens", url.Values{"form_token": {b.form}, "name": {"once"}})
	secret := regexp.MustCompile(`cga_[A-Za-z0-9_-]+`).FindString(body)
	if resp.StatusCode != http.StatusCreated || secret == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control of the secret page: %q", cc)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		t.Fatalf("the secret's answer redirects to %q", loc)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) || strings.Contains(csp, "unsafe-inline") {
			t.Fatalf("CSP %q", csp)
		}
	}
	if rp := resp.Header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Fatalf("Referrer-Policy %q", rp)
	}
	if _, page := b.do(http.MethodGet, "/tenant/acme/tokens", nil); strings.Contains(page, secret) || !strings.Contains(page, "once") {
		t.Fatal("the token list shows the secret, or not the token")
	}

	tb := newTab(t)
	tb.signIn(srv.URL, "/tenant/acme", "bob", testserver.Password)
	tb.fill("name", "reload me")
	tb.clickAndWait(chromedp.CSS(`form[action$="/tokens"] button`), "Token created")
	shown := get(tb, "secret", chromedp.Value(chromedp.ID("secret")))
	// Reloading a POST's answer posts again (the browser asks first; the
	// protocol answers yes): the name is taken now, so no secret.
	tb.do("reloading", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("h1")))
	if page := get(tb, "page", chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(page, shown) {
		t.Fatal("reloading the page shows the secret again")
	}
	// Going back to the answer: it was not stored, so it is not shown.
	tb.open(srv.URL + "/tenant/acme/tokens")
	tb.do("going back", chromedp.NavigateBack(), chromedp.WaitReady(chromedp.CSS("body")))
	if page := get(tb, "page", chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(page, shown) {
		t.Fatal("going back shows the secret again")
	}
}

// Session fixation: a cookie planted before sign-in (a made-up value, or
// an attacker's own valid session) is never kept; signing in gives a new
// value and ends the planted session.
func TestSessionFixation(t *testing.T) {
	srv := testserver.Start(t)
	attacker := httpSignIn(t, srv, "/tenant/acme", "carol", testserver.Password)
	for _, tc := range []struct {
		name, planted, prefix, user string
	}{
		{"made-up value", "cgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/tenant/acme", "bob"},
		{"attacker's session", attacker.cookie, "/tenant/globex", "dave"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTab(t)
			if _, err := chromedp.Call(tb.ctx, network.SetCookie, network.SetCookieParams{Name: cookieName, Value: tc.planted,
				URL: srv.URL + "/", Path: "/", Secure: ptr(true), HTTPOnly: ptr(true), SameSite: network.CookieSameSiteLax}); err != nil {
				t.Fatalf("planting the cookie: %v", err)
			}
			tb.signIn(srv.URL, tc.prefix, tc.user, testserver.Password)
			cookies, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL + "/"}})
			if err != nil {
				t.Fatal(err)
			}
			var now []string
			for _, c := range cookies.Cookies {
				if c.Name == cookieName {
					now = append(now, c.Value)
				}
			}
			if len(now) != 1 || now[0] == tc.planted {
				t.Fatalf("after sign-in the cookies are %q (planted %q)", now, tc.planted)
			}
			if page := tb.text(); !strings.Contains(page, tc.user+"@") {
				t.Fatalf("after sign-in: %s", page)
			}
		})
	}
	if resp, _ := attacker.do(http.MethodGet, "/tenant/acme/tokens", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the planted session still works after the victim signed in: %d", resp.StatusCode)
	}
}
func ptr[T any](v T) *T { return &v }
