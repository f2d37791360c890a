package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds cloudgate once per test into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cloudgate")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a running `cloudgate serve`.
type proc struct {
	cmd  *exec.Cmd
	base string
}

var listening = regexp.MustCompile(`listening on (https?://[0-9.:]+)`)

func startServe(t *testing.T, bin, data string, extra ...string) *proc {
	t.Helper()
	return startServeEnv(t, bin, data, nil, extra...)
}

// startServeEnv is startServe with more environment variables.
func startServeEnv(t *testing.T, bin, data string, env []string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--http", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "CLOUDGATE_ADMIN_PASSWORD=Admin-password-1"), env...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case base := <-found:
		return &proc{cmd: cmd, base: base}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	return nil
}

func (p *proc) do(t *testing.T, method, path string, header map[string]string) (int, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, p.base+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func (p *proc) login(t *testing.T, userOrg, pw string) string {
	t.Helper()
	code, h := p.do(t, "POST", "/cloudapi/1.0.0/sessions", map[string]string{
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(userOrg+":"+pw)), "Accept": "application/json;version=37.0"})
	if code != 200 {
		t.Fatalf("login %s: %d", userOrg, code)
	}
	return h.Get("X-Vmware-Vcloud-Access-Token")
}

func (p *proc) current(t *testing.T, tok string) int {
	code, _ := p.do(t, "GET", "/cloudapi/1.0.0/sessions/current", map[string]string{"Authorization": "Bearer " + tok, "Accept": "application/json;version=37.0"})
	return code
}

// Everything the server acknowledged survives kill -9: sessions created, a
// logout, a user made by an admin command while the server ran.
func TestKillAndRestartKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	seed := filepath.Join(data, "seed.yaml")
	os.WriteFile(seed, []byte("orgs:\n  - name: acme\n    users:\n      - name: bob\n        password: Bob-pass-1\n        role: vApp Author\n"), 0o600)
	p := startServe(t, bin, data, "--seed", seed)

	kept := p.login(t, "bob@acme", "Bob-pass-1")
	gone := p.login(t, "bob@acme", "Bob-pass-1")
	if code, _ := p.do(t, "DELETE", "/cloudapi/1.0.0/sessions/current", map[string]string{"Authorization": "Bearer " + gone, "Accept": "application/json;version=37.0"}); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	cmd := exec.Command(bin, "user", "create", "acme", "erin", "--role", "vApp Author", "--data", data)
	cmd.Stdin = strings.NewReader("Erin-password-1\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user create: %v %s", err, out)
	}
	// Many sessions at once: group commit acknowledges each only when durable.
	var many []string
	for i := 0; i < 20; i++ {
		many = append(many, p.login(t, "bob@acme", "Bob-pass-1"))
	}

	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()

	q := startServe(t, bin, data)
	if code := q.current(t, kept); code != 200 {
		t.Fatalf("session acknowledged before kill -9: %d after restart", code)
	}
	for _, tok := range many {
		if code := q.current(t, tok); code != 200 {
			t.Fatalf("a session of the burst: %d after restart", code)
		}
	}
	if code := q.current(t, gone); code != 401 {
		t.Fatalf("logged-out session: %d after restart", code)
	}
	q.login(t, "erin@acme", "Erin-password-1")
	// The seed is idempotent: applying it again changes nothing.
	q.cmd.Process.Signal(syscall.SIGTERM)
	if err := q.cmd.Wait(); err != nil {
		t.Fatalf("clean shutdown on SIGTERM: %v", err)
	}
	r := startServe(t, bin, data, "--seed", seed)
	r.login(t, "bob@acme", "Bob-pass-1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "user", "list", "acme", "--data", data).CombinedOutput()
	if err != nil || strings.Count(string(out), "\nacme ") != 2 {
		t.Fatalf("users after re-seeding: %v\n%s", err, out)
	}
}
