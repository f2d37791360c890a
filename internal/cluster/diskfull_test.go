package cluster

import (
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// fullMessage is what every dialect says when the database cannot write
// for lack of space (store.FullError).
const fullMessage = "storage is full"

// A real full disk under the embedded SQLite database: a 16 MiB tmpfs
// filled to the last byte by another file. Every dialect answers a write
// (a login, a token registration) with 503, Retry-After and a message that
// says storage is full, never a 500 and never "unavailable"; sessions that
// exist keep working; once space is freed, writes succeed again without a
// restart.
func TestSQLiteDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("long: -short")
	}
	dir := mountTmpfs(t, "16m")
	srv := testserver.Start(t, testserver.WithDSN("sqlite://"+filepath.Join(dir, "cloudgate.db")))
	alice := loginCloudAPI(t, srv, "alice")
	bob := loginCloudAPI(t, srv, "bob")

	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)

	// Writes fill the free pages SQLite still has (the WAL may be reused)
	// before one needs a new block: keep writing until the first refusal.
	writes := 0
	for ; writes < 2000; writes++ {
		st, _, body := send(t, srv, http.MethodPost, "/cloudapi/1.0.0/sessions", "Authorization", basic("carol"), "Accept", accept)
		if st == http.StatusOK {
			continue
		}
		wantFull(t, "cloudapi login", st, body)
		t.Logf("answer on a full disk: %d %s", st, body)
		break
	}
	if writes == 2000 {
		t.Fatal("2000 logins succeeded on a full disk")
	}
	t.Logf("the disk filled after %d more logins", writes)

	// Every dialect answers a write the same way while the disk is full.
	for _, w := range []struct {
		name   string
		method string
		path   string
		header []string
		body   string
	}{
		{"cloudapi login", http.MethodPost, "/cloudapi/1.0.0/sessions", []string{"Authorization", basic("carol"), "Accept", accept}, ""},
		{"api (XML) login", http.MethodPost, "/api/sessions", []string{"Authorization", basic("carol"), "Accept", "application/*+xml;version=37.0"}, ""},
		{"vss request-token", http.MethodPost, "/auth/request-token", []string{"Authorization", basic("bob")}, ""},
		{"vchs login", http.MethodPost, "/api/vchs/sessions", []string{"Authorization", basic("carol"), "Accept", "application/xml;version=5.6"}, ""},
		{"oauth register", http.MethodPost, "/oauth/tenant/acme/register", []string{"Authorization", "Bearer " + alice, "Content-Type", "application/json"}, `{"client_name":"while-full"}`},
	} {
		st, hdr, body := sendBody(t, srv, w.method, w.path, w.body, w.header...)
		wantFull(t, w.name, st, body)
		if hdr.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", w.name)
		}
	}
	// What exists keeps working: sessions are read, not written.
	for _, tok := range []string{alice, bob} {
		if st, _, body := send(t, srv, http.MethodGet, "/cloudapi/1.0.0/sessions/current", "Authorization", "Bearer "+tok, "Accept", accept); st != http.StatusOK {
			t.Errorf("an existing session answers %d on a full disk: %s", st, body)
		}
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _, body := send(t, srv, http.MethodPost, "/cloudapi/1.0.0/sessions", "Authorization", basic("carol"), "Accept", accept)
		if st == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after space was freed, a login still answers %d: %s", st, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	st, _, body := sendBody(t, srv, http.MethodPost, "/oauth/tenant/acme/register", `{"client_name":"after-full"}`,
		"Authorization", "Bearer "+alice, "Content-Type", "application/json")
	if st != http.StatusOK {
		t.Fatalf("after space was freed, register answers %d: %s", st, body)
	}
}

// mountTmpfs mounts a tmpfs of the given size on a new temporary directory
// and unmounts it when the test ends (after the servers it holds stop:
// cleanups run last-registered first). Without the privilege to mount it
// skips, except in CI, where it fails.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		msg := "cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): " + err.Error() + ": " + strings.TrimSpace(string(out))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPED (fails in CI): " + msg)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes path until the file system has no space left.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for size := len(chunk); size > 0; {
		if _, err := f.Write(chunk[:size]); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			size /= 2 // the last blocks: fill them too
		}
	}
}

func wantFull(t *testing.T, what string, status int, body []byte) {
	t.Helper()
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), fullMessage) {
		t.Errorf("%s on a full disk: %d %s; want 503 saying %q", what, status, body, fullMessage)
	}
	if strings.Contains(string(body), "database is unavailable") {
		t.Errorf("%s on a full disk says the database is unavailable: %s", what, body)
	}
}

func basic(user string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user+"@acme", testserver.Password)
	return r.Header.Get("Authorization")
}

func loginCloudAPI(t *testing.T, srv *testserver.Server, user string) string {
	t.Helper()
	st, hdr, body := send(t, srv, http.MethodPost, "/cloudapi/1.0.0/sessions", "Authorization", basic(user), "Accept", accept)
	if st != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, st, body)
	}
	return hdr.Get("X-Vmware-Vcloud-Access-Token")
}

func send(t *testing.T, srv *testserver.Server, method, path string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	return sendBody(t, srv, method, path, "", header...)
}

func sendBody(t *testing.T, srv *testserver.Server, method, path, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}
