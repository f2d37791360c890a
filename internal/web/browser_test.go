package web_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// One chromium process serves every browser test of the package; each test
// gets its own browser context (separate cookies, like a private window).
// TestMain owns it: started before the tests when chromium is found,
// stopped after them.
var chrome struct {
	path    string
	missing string // why there is no browser
	root    context.Context
}

// findChromium looks for Debian's chromium (or $CLOUDGATE_CHROMIUM).
func findChromium() (string, error) {
	if p := os.Getenv("CLOUDGATE_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH (install it: apt-get install -y chromium, or set CLOUDGATE_CHROMIUM)")
}

func TestMain(m *testing.M) {
	code := func() int {
		path, err := findChromium()
		if err != nil {
			chrome.missing = err.Error()
			return m.Run()
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox, // runs as root in CI containers
			chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			// The test servers' certificates are self-signed.
			chromedp.Flag("ignore-certificate-errors", true),
			chromedp.WindowSize(1280, 900),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		defer cancelAlloc()
		root, cancelRoot := chromedp.NewContext(alloc)
		defer cancelRoot()
		// The first Run starts the browser; its context must live as long
		// as the browser, so it has no timeout.
		if err := chromedp.Do(root); err != nil {
			chrome.missing = fmt.Sprintf("chromium at %s does not start: %v", path, err)
			return m.Run()
		}
		chrome.path, chrome.root = path, root
		return m.Run()
	}()
	os.Exit(code)
}

// tab is one browser window of a test, with what the page logged.
type tab struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	log []string
}

// newTab opens a window in a fresh browser context. Without a browser the
// test is skipped, loudly; in CI (CI=true) it fails instead.
func newTab(t *testing.T) *tab {
	t.Helper()
	if chrome.root == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser test cannot run in CI: %s (.ci/chromium.sh installs it)", chrome.missing)
		}
		t.Skipf("SKIPPING BROWSER TEST: %s", chrome.missing)
	}
	tb := &tab{t: t}
	ctx, cancel := chromedp.NewContext(chrome.root, chromedp.WithNewBrowserContext(), chromedp.WithListener(tb.listen))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	tb.ctx = ctx
	return tb
}

// listen keeps what the page logs: a CSP violation or a script error
// shows up here.
func (tb *tab) listen(ev any) {
	var line string
	switch e := ev.(type) {
	case *cdplog.EventEntryAdded:
		line = string(e.Entry.Level) + ": " + e.Entry.Text
	case *runtime.EventExceptionThrown:
		line = "exception: " + e.ExceptionDetails.Text
	default:
		return
	}
	tb.mu.Lock()
	tb.log = append(tb.log, line)
	tb.mu.Unlock()
}

// noViolations fails if the page logged a Content-Security-Policy refusal
// or a script error.
func (tb *tab) noViolations() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, l := range tb.log {
		if strings.Contains(l, "Content Security Policy") || strings.HasPrefix(l, "exception") || strings.Contains(l, "Refused to") {
			tb.t.Errorf("the page logged: %s", l)
		}
	}
}

// do runs steps with a deadline, failing the test on error.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that returns a value.
func get[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// open navigates to url and waits for the page's heading.
func (tb *tab) open(url string) {
	tb.t.Helper()
	tb.do("opening "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("h1")))
}

func (tb *tab) heading() string {
	return get(tb, "reading the heading", chromedp.Text(chromedp.CSS("h1")))
}

func (tb *tab) text() string {
	return get(tb, "reading the page", chromedp.Text(chromedp.CSS("body")))
}

// fill types v into the input with id.
func (tb *tab) fill(id, v string) {
	tb.t.Helper()
	tb.do("filling "+id, chromedp.Clear(chromedp.ID(id)), chromedp.SendKeys(chromedp.ID(id), v))
}

// signIn signs in at base+prefix and waits for the tokens page.
func (tb *tab) signIn(base, prefix, user, password string) {
	tb.t.Helper()
	tb.open(base + prefix + "/")
	tb.fill("username", user)
	tb.fill("password", password)
	tb.shot("signin")
	tb.clickAndWait(chromedp.CSS("main form button"), "API tokens")
}

// clickAndWait clicks and waits for the next page, until its heading
// reads want. The current document is marked first, so that a page with
// the same heading is not mistaken for the next one.
func (tb *tab) clickAndWait(button chromedp.CSS, want string) {
	tb.t.Helper()
	tb.do("marking the page", chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.stale = "1"`))
	tb.do("clicking "+string(button), chromedp.Click(button))
	tb.waitHeading(want)
}

// waitHeading waits for a new document whose heading reads want.
func (tb *tab) waitHeading(want string) {
	tb.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		h, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`document.documentElement.dataset.stale ? "" : (document.querySelector("h1") || {}).textContent || ""`))
		cancel()
		if err == nil && h == want {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("heading is %q (%v), want %q; page: %s", h, err, want, tb.text())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shot writes screenshots of the page at desktop and phone width into
// $CLOUDGATE_SCREENSHOTS, when it is set.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	dir := os.Getenv("CLOUDGATE_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatalf("screenshots: %v", err)
	}
	for _, size := range []struct {
		suffix string
		w, h   int64
		mobile bool
	}{{"desktop", 1280, 900, false}, {"phone", 360, 740, true}} {
		var opts []chromedp.EmulateViewportOption
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		tb.do("resizing", chromedp.EmulateViewport(size.w, size.h, opts...))
		png := get(tb, "screenshot", chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			tb.t.Fatalf("screenshots: %v", err)
		}
	}
	tb.do("resizing back", chromedp.EmulateViewport(1280, 900))
}

// shotViewport writes one screenshot of the visible part of the page at
// w×h into $CLOUDGATE_SCREENSHOTS, when it is set (the README's picture).
func (tb *tab) shotViewport(name string, w, h int64) {
	tb.t.Helper()
	dir := os.Getenv("CLOUDGATE_SCREENSHOTS")
	if dir == "" {
		return
	}
	tb.do("resizing", chromedp.EmulateViewport(w, h))
	png := get(tb, "screenshot", chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatalf("screenshots: %v", err)
	}
	tb.do("resizing back", chromedp.EmulateViewport(1280, 900))
}
