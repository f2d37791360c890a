package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/web"
)

// An organization administrator sees a user's tokens and sessions and
// revokes and ends them; the users' clients are refused at once.
func TestOrgAdminJourney(t *testing.T) {
	srv := testserver.Start(t)
	bob := httpSignIn(t, srv, "/tenant/acme", "bob", testserver.Password)
	resp, _ := bob.do(http.MethodPost, "/tenant/acme/tokens", url.Values{"form_token": {bob.form}, "name": {"nightly"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("bob's token: %d", resp.StatusCode)
	}
	cli := sdk(srv)
	if err := cli.Authenticate("bob", testserver.Password, "acme"); err != nil {
		t.Fatal(err)
	}

	tb := newTab(t)
	tb.signIn(srv.URL, "/tenant/acme", "alice", testserver.Password)
	tb.open(srv.URL + "/tenant/acme/administration/users")
	if page := tb.text(); !strings.Contains(page, "bob") || !strings.Contains(page, "vApp Author") {
		t.Fatalf("users page: %s", page)
	}
	tb.shot("users")
	tb.open(srv.URL + "/tenant/acme/administration/users/bob")
	if page := tb.text(); !strings.Contains(page, "nightly") || !strings.Contains(page, "Cloud Director API (/cloudapi)") || !strings.Contains(page, "Web browser") {
		t.Fatalf("bob's page: %s", page)
	}
	tb.shot("user")
	// End bob's SDK session.
	tb.clickAndWait(chromedp.CSS(`tr:has(td[data-label="Kind"]:first-child) button.danger`), "bob@acme")
	if page := tb.text(); !strings.Contains(page, "The session ended.") {
		t.Fatalf("after ending a session: %s", page)
	}
	if _, err := cli.Client.GetSessionInfo(); err == nil {
		t.Fatal("bob's SDK session survived being ended by his administrator")
	}
	// Revoke bob's token, confirming on the page that names it.
	tb.clickAndWait(chromedp.CSS("a.danger"), "Revoke nightly")
	tb.clickAndWait(chromedp.CSS("form.actions button.danger"), "bob@acme")
	if names := liveTokens(t, srv); len(names) != 0 {
		t.Fatalf("tokens left: %v", names)
	}
	// bob (vApp Author) may not open the administration pages.
	if resp, _ := bob.do(http.MethodGet, "/tenant/acme/administration/users", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bob opening the users page: %d", resp.StatusCode)
	}
	// alice may not administer another org.
	if resp, _ := bob.do(http.MethodGet, "/tenant/globex/administration/users", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob opening globex's users page: %d", resp.StatusCode)
	}
	tb.noViolations()
}

// The System administrator disables and enables an org and a user from
// the provider pages; disabling ends their sessions.
func TestProviderJourney(t *testing.T) {
	srv := testserver.Start(t)
	dave := sdk(srv)
	if err := dave.Authenticate("dave", testserver.Password, "globex"); err != nil {
		t.Fatal(err)
	}
	carol := sdk(srv)
	if err := carol.Authenticate("carol", testserver.Password, "acme"); err != nil {
		t.Fatal(err)
	}
	tb := newTab(t)
	tb.signIn(srv.URL, "/provider", "administrator", testserver.AdminPassword)
	tb.open(srv.URL + "/provider/administration/organizations")
	tb.shot("organizations")
	tb.clickAndWait(chromedp.CSS(`form[action$="/globex/state"] button`), "Organizations")
	if page := tb.text(); !strings.Contains(page, "globex disabled") {
		t.Fatalf("after disabling globex: %s", page)
	}
	if _, err := dave.Client.GetSessionInfo(); err == nil {
		t.Fatal("dave's session survived disabling globex")
	}
	if err := sdk(srv).Authenticate("dave", testserver.Password, "globex"); err == nil {
		t.Fatal("dave logs in to a disabled org")
	}
	tb.clickAndWait(chromedp.CSS(`form[action$="/globex/state"] button`), "Organizations")
	if err := sdk(srv).Authenticate("dave", testserver.Password, "globex"); err != nil {
		t.Fatalf("dave after enabling globex: %v", err)
	}

	// A tenant's users, from the provider.
	tb.open(srv.URL + "/tenant/acme/administration/users")
	tb.clickAndWait(chromedp.CSS(`form[action$="/carol/state"] button[value="disable"]`), "Users of acme")
	if _, err := carol.Client.GetSessionInfo(); err == nil {
		t.Fatal("carol's session survived being disabled")
	}
	tb.clickAndWait(chromedp.CSS(`form[action$="/carol/state"] button[value="enable"]`), "Users of acme")
	// Lock carol out with wrong passwords, then unlock her from the page.
	for range 10 {
		_ = sdk(srv).Authenticate("carol", "wrong-password-1", "acme")
	}
	if err := sdk(srv).Authenticate("carol", testserver.Password, "acme"); err == nil {
		t.Fatal("carol is not locked out after 10 wrong passwords")
	}
	tb.open(srv.URL + "/tenant/acme/administration/users")
	if page := tb.text(); !strings.Contains(page, "locked") {
		t.Fatalf("users page does not show carol locked: %s", page)
	}
	tb.clickAndWait(chromedp.CSS(`form[action$="/carol/state"] button[value="unlock"]`), "Users of acme")
	if err := sdk(srv).Authenticate("carol", testserver.Password, "acme"); err != nil {
		t.Fatalf("carol after unlocking: %v", err)
	}
	tb.open(srv.URL + "/tenant/acme/administration/settings/service-accounts")
	tb.shot("provider-tenant-service-accounts")
	// Signing out from a tenant's page ends the administrator's session.
	tb.clickAndWait(chromedp.CSS("header form button"), "Sign in to System")
	if rows := liveSessions(t, srv, "System", "administrator"); len(rows) != 0 {
		t.Fatalf("the administrator's sessions after signing out: %+v", rows)
	}
	tb.noViolations()
}

// Changing my password needs the current one, ends my other sessions in
// every dialect and keeps this browser signed in.
func TestPasswordJourney(t *testing.T) {
	srv := testserver.Start(t)
	cli := sdk(srv)
	if err := cli.Authenticate("bob", testserver.Password, "acme"); err != nil {
		t.Fatal(err)
	}
	tb := newTab(t)
	tb.signIn(srv.URL, "/tenant/acme", "bob", testserver.Password)
	tb.open(srv.URL + "/tenant/acme/password")
	tb.shot("password")
	tb.fill("current", "not-my-password")
	tb.fill("new", "Brand-new-pass-2")
	tb.fill("confirm", "Brand-new-pass-2")
	if st := tb.submitStatus(chromedp.CSS("main form button")); st != http.StatusBadRequest {
		t.Fatalf("wrong current password: %d", st)
	}
	if msg := get(tb, "field error", chromedp.Text(chromedp.CSS(".field-error"))); msg != "The current password is wrong." {
		t.Fatalf("wrong current password: %q", msg)
	}
	tb.fill("current", testserver.Password)
	tb.fill("new", "short")
	tb.fill("confirm", "short")
	tb.do("dropping minlength", chromedp.SetAttributeValue(chromedp.ID("new"), "minlength", "1"))
	if st := tb.submitStatus(chromedp.CSS("main form button")); st != http.StatusBadRequest {
		t.Fatalf("short new password: %d", st)
	}
	tb.shot("password-invalid")
	tb.fill("current", testserver.Password)
	tb.fill("new", "Brand-new-pass-2")
	tb.fill("confirm", "Brand-new-pass-2")
	tb.clickAndWait(chromedp.CSS("main form button"), "Change password")
	if page := tb.text(); !strings.Contains(page, "Your password was changed") {
		t.Fatalf("after the change: %s", page)
	}
	if _, err := cli.Client.GetSessionInfo(); err == nil {
		t.Fatal("the SDK session made with the old password survived the change")
	}
	rows := liveSessions(t, srv, "acme", "bob")
	if len(rows) != 1 || rows[0].Dialect != web.Dialect {
		t.Fatalf("sessions after the change: %+v", rows)
	}
	tb.open(srv.URL + "/tenant/acme/sessions")
	if page := tb.text(); !strings.Contains(page, "this browser") {
		t.Fatalf("this browser is signed out after changing the password: %s", page)
	}
	if err := sdk(srv).Authenticate("bob", "Brand-new-pass-2", "acme"); err != nil {
		t.Fatalf("SDK with the new password: %v", err)
	}
	tb.noViolations()
}

// Sign-in refuses every wrong-credential case with the same answer, as the
// APIs do; the organization picker leads to the org's sign-in page.
func TestSignInRefusals(t *testing.T) {
	srv := testserver.Start(t)
	b := &browserClient{t: t, srv: srv}
	var first string
	for _, tc := range []struct{ prefix, user, pass string }{
		{"/tenant/acme", "bob", "wrong-password"},
		{"/tenant/acme", "nobody", "wrong-password"},
		{"/tenant/nosuchorg", "bob", testserver.Password},
		{"/tenant/acme", "administrator", testserver.AdminPassword},
		{"/provider", "bob", testserver.Password},
	} {
		resp, body := b.do(http.MethodPost, tc.prefix+"/signin", url.Values{"username": {tc.user}, "password": {tc.pass}})
		msg := body[strings.Index(body, `<p class="error"`):]
		msg = msg[:strings.Index(msg, "</p>")]
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Set-Cookie") != "" {
			t.Fatalf("%+v: %d %v", tc, resp.StatusCode, resp.Header)
		}
		if first == "" {
			first = msg
		} else if msg != first {
			t.Fatalf("%+v answers %q, the first case %q", tc, msg, first)
		}
	}
	if resp, _ := b.do(http.MethodGet, "/?org=acme", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tenant/acme/" {
		t.Fatalf("picker: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := b.do(http.MethodGet, "/?org=system", nil); resp.Header.Get("Location") != "/provider/" {
		t.Fatalf("picker for System: %v", resp.Header)
	}
	if resp, _ := b.do(http.MethodGet, "/tenant/System/", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/tenant/System/: %d", resp.StatusCode)
	}
	if resp, _ := b.do(http.MethodGet, "/tenant/acme/tokens", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tenant/acme/" {
		t.Fatalf("tokens page signed out: %d %v", resp.StatusCode, resp.Header)
	}

	tb := newTab(t)
	tb.open(srv.URL + "/")
	tb.shot("picker")
	tb.fill("org", "acme")
	tb.clickAndWait(chromedp.CSS("main form button"), "Sign in to acme")
	tb.fill("username", "bob")
	tb.fill("password", "wrong-password")
	tb.clickAndWait(chromedp.CSS("main form button"), "Sign in to acme")
	tb.shot("signin-refused")
	// Keyboard only: type and press Enter.
	tb.fill("password", testserver.Password+"\r")
	tb.waitHeading("API tokens")
	tb.noViolations()
	_ = context.Background()
}
