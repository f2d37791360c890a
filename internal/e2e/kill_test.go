package e2e

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// process is a `cloudgate serve` subprocess.
type process struct {
	cmd *exec.Cmd
	url string
}

var listening = regexp.MustCompile(`listening on (https://\S+)`)

// serve starts the binary on data and waits until it listens.
func serve(t *testing.T, bin, data, seedFile string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data", data, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--seed", seedFile, "--log-level", "error")
	cmd.Env = append(os.Environ(), "CLOUDGATE_ADMIN_PASSWORD="+testserver.AdminPassword)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case u := <-found:
		return &process{cmd: cmd, url: u}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("cloudgate serve did not start listening")
	}
	return nil
}

// kill9 ends the process with SIGKILL: nothing is flushed or closed.
func (p *process) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

// Nothing acknowledged is lost across kill -9: a registered and issued
// token, and its sessions, work after a restart; a revocation answered
// 204 is still in force after another kill -9 and restart.
func TestKillNineKeepsTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "cloudgate")
	build := exec.Command("go", "build", "-o", bin, "github.com/cloudgate/cloudgate/cmd/cloudgate")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	seedFile := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(seedFile, []byte("orgs:\n  - name: acme\n    users:\n      - {name: bob, password: "+testserver.Password+", role: vApp Author}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	call := func(p *process, method, path, session, contentType, body string) (int, map[string]any, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
		req.Header.Set("Accept", "application/json;version=37.0")
		if session != "" {
			req.Header.Set("Authorization", "Bearer "+session)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		var m map[string]any
		b, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m, resp.Header
	}
	login := func(p *process) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, p.url+"/cloudapi/1.0.0/sessions", nil)
		req.SetBasicAuth("bob@acme", testserver.Password)
		req.Header.Set("Accept", "application/json;version=37.0")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		return resp.Header.Get("X-Vmware-Vcloud-Access-Token")
	}
	form := "application/x-www-form-urlencoded"
	exchange := func(p *process, secret string) (int, string) {
		st, m, _ := call(p, http.MethodPost, "/oauth/tenant/acme/token", "", form, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {secret}}.Encode())
		s, _ := m["access_token"].(string)
		return st, s
	}

	p := serve(t, bin, data, seedFile)
	defer func() { p.cmd.Process.Kill(); p.cmd.Wait() }()
	sess := login(p)
	st, reg, _ := call(p, http.MethodPost, "/oauth/tenant/acme/register", sess, "application/json", `{"client_name":"durable"}`)
	if st != http.StatusOK {
		t.Fatalf("register: %d %v", st, reg)
	}
	id := reg["client_id"].(string)
	st, minted, _ := call(p, http.MethodPost, "/oauth/tenant/acme/token", "", form,
		url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {sess}, "client_id": {id}}.Encode())
	if st != http.StatusOK {
		t.Fatalf("mint: %d %v", st, minted)
	}
	secret := minted["refresh_token"].(string)
	st, access := exchange(p, secret)
	if st != http.StatusOK {
		t.Fatalf("exchange: %d", st)
	}
	p.kill9(t)

	p = serve(t, bin, data, seedFile)
	if st, _, _ := call(p, http.MethodGet, "/cloudapi/1.0.0/sessions/current", access, "", ""); st != http.StatusOK {
		t.Fatalf("the token's session after kill -9: %d", st)
	}
	if st, _ := exchange(p, secret); st != http.StatusOK {
		t.Fatalf("exchange after kill -9: %d", st)
	}
	sess = login(p)
	if st, m, _ := call(p, http.MethodGet, "/cloudapi/1.0.0/tokens/urn:vcloud:token:"+id, sess, "", ""); st != http.StatusOK || m["name"] != "durable" {
		t.Fatalf("GET token after kill -9: %d %v", st, m)
	}
	if st, _, _ := call(p, http.MethodDelete, "/cloudapi/1.0.0/tokens/urn:vcloud:token:"+id, sess, "", ""); st != http.StatusNoContent {
		t.Fatalf("DELETE: %d", st)
	}
	p.kill9(t) // at once: the 204 must already be durable

	p = serve(t, bin, data, seedFile)
	if st, _, _ := call(p, http.MethodGet, "/cloudapi/1.0.0/tokens/urn:vcloud:token:"+id, login(p), "", ""); st != http.StatusForbidden {
		t.Fatalf("GET of the revoked token after kill -9: %d", st)
	}
	if st, _ := exchange(p, secret); st != http.StatusBadRequest {
		t.Fatalf("exchange of the revoked token after kill -9: %d", st)
	}
	if st, _, _ := call(p, http.MethodGet, "/cloudapi/1.0.0/sessions/current", access, "", ""); st != http.StatusUnauthorized {
		t.Fatalf("the revoked token's session after kill -9: %d", st)
	}
}
