package web_test

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/vmware/go-vcloud-director/v3/govcd"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// deviceCodes reads what the device shows its person after the SDK's
// Authorize: the user code and the verification URI. govcd keeps them in
// an unexported field (it grants with them itself); a test stands in for
// the screen the device would print them on.
func deviceCodes(sa *govcd.ServiceAccount) (userCode, uri string) {
	p := reflect.ValueOf(sa).Elem().FieldByName("authParams").Elem()
	return p.FieldByName("UserCode").String(), p.FieldByName("VerificationURI").String()
}

// submitStatus clicks and returns the HTTP status of the page it loads.
func (tb *tab) submitStatus(button chromedp.CSS) int64 {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(button))
	if err != nil {
		tb.t.Fatalf("clicking %s: %v", button, err)
	}
	return resp.Status
}

// The SDK starts a service-account device authorization; an organization
// administrator opens the verification URI it was given, enters the code,
// sees the account and grants it; the SDK's next poll gets its tokens.
// Then wrong codes: the page refuses them as the API does, and after the
// limit the API refuses the same approver too (one guess budget).
func TestDeviceApprovalJourney(t *testing.T) {
	srv := testserver.Start(t)
	admin := sdk(srv)
	if err := admin.Authenticate("alice", testserver.Password, "acme"); err != nil {
		t.Fatal(err)
	}
	sa, err := admin.CreateServiceAccount("acme", "ci-runner", "urn:vcloud:role:"+url.PathEscape("vApp Author"),
		"12345678-1234-1234-1234-1234567890ab", "2.1", "https://ci.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := sa.Authorize(); err != nil {
		t.Fatal(err)
	}
	code, uri := deviceCodes(sa)
	if want := srv.URL + "/tenant/acme/administration/settings/service-accounts"; uri != want {
		t.Fatalf("verification URI %q, want %q", uri, want)
	}
	if _, err := sa.GetInitialApiToken(); err == nil || !strings.Contains(err.Error(), "authorization_pending") {
		t.Fatalf("polling before approval: %v; want authorization_pending", err)
	}

	tb := newTab(t)
	tb.signIn(srv.URL, "/tenant/acme", "alice", testserver.Password)
	tb.open(uri)
	if h := tb.heading(); h != "Service accounts" {
		t.Fatalf("the verification URI shows %q", h)
	}
	tb.shot("service-accounts")
	tb.fill("user_code", strings.ToLower(code))
	tb.clickAndWait(chromedp.CSS(`form[action$="/lookup"] button`), "Service accounts")
	if name := get(tb, "pending account", chromedp.Text(chromedp.ID("pending-name"))); name != "ci-runner" {
		t.Fatalf("the page shows account %q for the code", name)
	}
	if role := get(tb, "pending role", chromedp.Text(chromedp.ID("pending-role"))); role != "vApp Author" {
		t.Fatalf("the page shows role %q", role)
	}
	if page := tb.text(); !strings.Contains(page, "12345678-1234-1234-1234-1234567890ab 2.1") {
		t.Fatalf("the page does not name the requesting client: %s", page)
	}
	tb.shot("service-account-approve")
	tb.clickAndWait(chromedp.CSS(`button[value="grant"]`), "Service accounts")
	if page := tb.text(); !strings.Contains(page, "Granted") {
		t.Fatalf("after granting: %s", page)
	}
	tok, err := sa.GetInitialApiToken()
	if err != nil || !strings.HasPrefix(tok.RefreshToken, "cgr_") || tok.AccessToken == "" {
		t.Fatalf("polling after approval: %+v, %v", tok, err)
	}
	if err := sa.Refresh(); err != nil || sa.ServiceAccount.Status != "ACTIVE" {
		t.Fatalf("account after the device got its tokens: %+v, %v", sa.ServiceAccount, err)
	}

	// Wrong codes: each refused next to the field with the API's message,
	// until the guess limit answers 429 with Retry-After.
	for i := range 10 {
		tb.fill("user_code", "BBBB-BBB"+string("BCDFGHJKLM"[i]))
		if st := tb.submitStatus(chromedp.CSS(`form[action$="/lookup"] button`)); st != http.StatusBadRequest {
			t.Fatalf("wrong code %d: status %d", i, st)
		}
		if msg := get(tb, "field error", chromedp.Text(chromedp.CSS(".field-error"))); !strings.Contains(msg, "unknown, expired or already used") {
			t.Fatalf("wrong code %d: %q", i, msg)
		}
	}
	tb.shot("service-account-wrong-code")
	tb.fill("user_code", "BBBB-BBBN")
	if st := tb.submitStatus(chromedp.CSS(`form[action$="/lookup"] button`)); st != http.StatusTooManyRequests {
		t.Fatalf("after 10 wrong codes: status %d, want 429", st)
	}
	// The API refuses the same approver now: the page spent its budget.
	body := strings.NewReader(`{"userCode":"BBBB-BBBP"}`)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/cloudapi/1.0.0/deviceLookup", body)
	req.Header.Set("Accept", "application/json;version=37.0")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+admin.Client.VCDToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("API deviceLookup after the page's misses: %d %v", resp.StatusCode, resp.Header)
	}
	tb.noViolations()
}

// clock is a settable clock for timeout journeys.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Timeouts changed on the provider page apply to a live session: an SDK
// session idle for two minutes lives under the default idle timeout and
// dies once the page has set it to one minute.
func TestTimeoutsJourney(t *testing.T) {
	clk := &clock{t: time.Now()}
	srv := testserver.Start(t, testserver.WithClock(clk.now))
	cli := sdk(srv)
	if err := cli.Authenticate("bob", testserver.Password, "acme"); err != nil {
		t.Fatal(err)
	}
	tb := newTab(t)
	tb.signIn(srv.URL, "/provider", "administrator", testserver.AdminPassword)
	clk.add(2 * time.Minute)
	if _, err := cli.Client.GetSessionInfo(); err != nil {
		t.Fatalf("SDK session after 2 idle minutes under the default timeout: %v", err)
	}

	tb.open(srv.URL + "/provider/administration/general/timeouts")
	if v := get(tb, "idle", chromedp.Value(chromedp.ID("idle"))); v != "30m" {
		t.Fatalf("idle timeout shown as %q", v)
	}
	tb.shot("timeouts")
	tb.fill("idle", "5s")
	if st := tb.submitStatus(chromedp.CSS("main form button")); st != http.StatusBadRequest {
		t.Fatalf("an idle timeout of 5s: status %d", st)
	}
	if msg := get(tb, "field error", chromedp.Text(chromedp.CSS(".field-error"))); !strings.Contains(msg, "session-idle-timeout must be between") {
		t.Fatalf("an idle timeout of 5s: %q", msg)
	}
	tb.shot("timeouts-invalid")
	tb.fill("idle", "1m")
	tb.clickAndWait(chromedp.CSS("main form button"), "Timeouts")
	if page := tb.text(); !strings.Contains(page, "Saved") {
		t.Fatalf("after saving: %s", page)
	}
	if got := srv.Server.Settings().Get().IdleTimeout; got != time.Minute {
		t.Fatalf("idle timeout in effect: %v", got)
	}
	clk.add(2 * time.Minute)
	if _, err := cli.Client.GetSessionInfo(); err == nil {
		t.Fatal("the SDK session idle for 2 minutes lives on after the idle timeout became 1 minute")
	}
	rows, _, err := srv.Server.Sessions().List(context.Background(), store.SessionQuery{Page: store.Page{Limit: 10}})
	if err != nil || len(rows) != 0 {
		t.Fatalf("live sessions after the idle timeout: %+v, %v", rows, err)
	}
	tb.noViolations()
}
