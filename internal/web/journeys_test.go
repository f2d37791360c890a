package web_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/vmware/go-vcloud-director/v3/govcd"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/web"
)

func sdk(srv *testserver.Server) *govcd.VCDClient {
	u := *srv.URLParsed()
	u.Path = "/api"
	return govcd.NewVCDClient(u, true)
}

// liveSessions returns the user's live sessions by the store, every
// dialect's.
func liveSessions(t *testing.T, srv *testserver.Server, org, user string) []store.SessionRow {
	t.Helper()
	u, _, err := srv.Server.Directory().User(context.Background(), org, user)
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := srv.Server.Sessions().List(context.Background(), store.SessionQuery{UserID: u.ID, Page: store.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Sign in → create a token → read its secret from the page → the real Go
// SDK logs in with it → the page lists the SDK's session and names it in
// the revocation → revoke in the page → the SDK's session is refused.
func TestTokenJourney(t *testing.T) {
	srv := testserver.Start(t)
	tb := newTab(t)
	tb.signIn(srv.URL, "/tenant/acme", "bob", testserver.Password)
	tb.shot("tokens-empty")

	web := liveSessions(t, srv, "acme", "bob")
	if len(web) != 1 || web[0].Dialect != "web" || web[0].Origin != store.OriginPassword {
		t.Fatalf("after sign-in the store holds %+v; want one web password session", web)
	}

	tb.fill("name", "deploy script")
	tb.clickAndWait(chromedp.CSS(`form[action$="/tokens"] button`), "Token created")
	secret := get(tb, "reading the secret", chromedp.Value(chromedp.ID("secret")))
	if !strings.HasPrefix(secret, "cga_") {
		t.Fatalf("secret on the page = %q", secret)
	}
	for _, id := range []string{"curl", "terraform", "gosdk"} {
		if snippet := get(tb, "reading "+id, chromedp.Text(chromedp.ID(id))); !strings.Contains(snippet, secret) || !strings.Contains(snippet, srv.URL) {
			t.Errorf("usage %s does not name the secret and this server: %q", id, snippet)
		}
	}
	tb.do("copying", chromedp.Click(chromedp.CSS("button[data-copy]")))
	// The clipboard answers asynchronously; the label changes when it did.
	if err := chromedp.Do(tb.ctx, chromedp.Poll[chromedp.Void](`document.querySelector("button[data-copy]").textContent === "Copied"`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("the copy button never reads Copied after a click: %v", err)
	}
	tb.shot("token-created")
	tb.noViolations()

	script := sdk(srv)
	if _, err := script.SetApiToken("acme", secret); err != nil {
		t.Fatalf("SDK SetApiToken with the secret from the page: %v", err)
	}
	info, err := script.Client.GetSessionInfo()
	if err != nil || info.User.Name != "bob" {
		t.Fatalf("SDK session info = %+v, %v", info, err)
	}

	tb.open(srv.URL + "/tenant/acme/tokens")
	if page := tb.text(); !strings.Contains(page, "deploy script") {
		t.Fatalf("tokens page does not list the token: %s", page)
	}
	tb.shot("tokens")
	tb.shotViewport("readme-tokens", 880, 560)
	tb.open(srv.URL + "/tenant/acme/sessions")
	if kinds := tb.kinds(); !slices.Equal(kinds, []string{"API token", "Web browser this browser"}) {
		t.Fatalf("sessions page lists %q; want the SDK's token session and this browser", kinds)
	}
	tb.shot("sessions")

	tb.open(srv.URL + "/tenant/acme/tokens")
	tb.clickAndWait(chromedp.CSS("a.danger"), "Revoke deploy script")
	if page := tb.text(); !strings.Contains(page, "These sessions made from it end now") {
		t.Fatalf("the confirmation does not name the SDK's session: %s", page)
	}
	tb.shot("token-revoke")
	tb.clickAndWait(chromedp.CSS("form.actions button.danger"), "API tokens")
	if page := tb.text(); !strings.Contains(page, "revoked") || strings.Contains(page, "deploy script") {
		t.Fatalf("after revoking, the page reads: %s", page)
	}
	if _, err := script.Client.GetSessionInfo(); err == nil {
		t.Fatal("the SDK's session made from the revoked token still works")
	}
	rows, _, err := srv.Server.Tokens().AdminList(context.Background(), store.TokenQuery{})
	if err != nil || len(rows) != 0 {
		t.Fatalf("live tokens after revocation: %+v, %v", rows, err)
	}
	tb.noViolations()
}

// The sessions page lists a session the SDK made with a password; ending
// it there makes the SDK fail. Every dialect lists the web session.
func TestSessionsJourney(t *testing.T) {
	srv := testserver.Start(t)
	cli := sdk(srv)
	if err := cli.Authenticate("bob", testserver.Password, "acme"); err != nil {
		t.Fatal(err)
	}
	tb := newTab(t)
	tb.signIn(srv.URL, "/tenant/acme", "bob", testserver.Password)

	// The SDK sees the web session in Cloud Director's session list.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/cloudapi/1.0.0/sessions", nil)
	req.Header.Set("Accept", "application/json;version=37.0")
	req.Header.Set("Authorization", "Bearer "+cli.Client.VCDToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Count(string(body), `"id":"urn:vcloud:session:`) != 2 {
		t.Fatalf("/cloudapi sessions: %d %s; want the SDK's and the browser's", resp.StatusCode, body)
	}

	// ... and can pick it out by its kind.
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/cloudapi/1.0.0/sessions?filter=dialect==web", nil)
	req.Header.Set("Accept", "application/json;version=37.0")
	req.Header.Set("Authorization", "Bearer "+cli.Client.VCDToken)
	if resp, err = srv.Client().Do(req); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	webID := liveSessions(t, srv, "acme", "bob")
	if resp.StatusCode != http.StatusOK || strings.Count(string(body), `"id":"urn:vcloud:session:`) != 1 {
		t.Fatalf("/cloudapi sessions of dialect web: %d %s (sessions %+v)", resp.StatusCode, body, webID)
	}

	tb.open(srv.URL + "/tenant/acme/sessions")
	if page := tb.text(); !strings.Contains(page, "Cloud Director API (/cloudapi)") {
		t.Fatalf("sessions page: %s", page)
	}
	tb.clickAndWait(chromedp.CSS("tr:not(.this) button.danger"), "Sessions")
	if page := tb.text(); !strings.Contains(page, "The session ended.") || strings.Contains(page, "Cloud Director API (/cloudapi)") {
		t.Fatalf("after ending the SDK's session: %s", page)
	}
	if _, err := cli.Client.GetSessionInfo(); err == nil {
		t.Fatal("the SDK's session still works after it was ended in the page")
	}
	if rows := liveSessions(t, srv, "acme", "bob"); len(rows) != 1 || rows[0].Dialect != web.Dialect {
		t.Fatalf("live sessions: %+v", rows)
	}

	// Sign out everywhere else keeps only this browser.
	for range 2 {
		if err := sdk(srv).Authenticate("bob", testserver.Password, "acme"); err != nil {
			t.Fatal(err)
		}
	}
	tb.open(srv.URL + "/tenant/acme/sessions")
	tb.clickAndWait(chromedp.CSS(`form[action$="/end-others"] button`), "Sessions")
	if rows := liveSessions(t, srv, "acme", "bob"); len(rows) != 1 || rows[0].Dialect != web.Dialect {
		t.Fatalf("after signing out everywhere else: %+v", rows)
	}
	// Signing out ends the web session.
	tb.clickAndWait(chromedp.CSS("header form button"), "Sign in to acme")
	if rows := liveSessions(t, srv, "acme", "bob"); len(rows) != 0 {
		t.Fatalf("after signing out: %+v", rows)
	}
	tb.noViolations()
}

// kinds lists the Kind column of the session table on the page, in order.
func (tb *tab) kinds() []string {
	return get(tb, "session kinds", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('td[data-label="Kind"]')].map(e => e.textContent.trim().replace(/\s+/g, " "))`))
}
