package gate_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/gate"
)

// need finds a program the test drives, skipping loudly when it is
// missing locally and failing in CI (CI=true), which installs it
// (.ci/proxies.sh).
func need(t *testing.T, prog string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		p = "/usr/sbin/" + prog
		if _, err2 := os.Stat(p); err2 != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required in CI (.ci/proxies.sh installs it): %v", prog, err)
			}
			t.Skipf("SKIPPED: %s is not installed (apt-get install -y %s); this test needs the real one", prog, prog)
		}
	}
	return p
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProc runs a proxy until the test ends and waits for addr to accept.
func startProc(t *testing.T, addr string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	logf, _ := os.Create(filepath.Join(t.TempDir(), "out.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s does not listen on %s: %s", name, addr, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// identityHeaders are the headers a proxy copies from forward-auth.
var identityHeaders = []string{gate.HeaderAssertion, gate.HeaderUser, gate.HeaderUserID, gate.HeaderOrg, gate.HeaderOrgID,
	gate.HeaderRoles, gate.HeaderSession, gate.HeaderRestricted}

// nginxConf is docs/gate.md's nginx configuration with test addresses.
func nginxConf(dir, listen, cloudgate, upstream string) string {
	var set, copyHdr strings.Builder
	for i, h := range identityHeaders {
		fmt.Fprintf(&set, "        auth_request_set $cg%d $upstream_http_%s;\n", i, strings.ReplaceAll(strings.ToLower(h), "-", "_"))
		fmt.Fprintf(&copyHdr, "        proxy_set_header %s $cg%d;\n", h, i)
	}
	return fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen %[2]s;
        location / {
            auth_request /_cloudgate_auth;
%[5]s%[6]s            proxy_set_header Authorization "";
            proxy_set_header X-Vmware-Vcloud-Access-Token "";
            proxy_set_header X-Vcloud-Authorization "";
            proxy_pass %[4]s;
        }
        location = /_cloudgate_auth {
            internal;
            proxy_pass %[3]s/cloudgate/forward-auth;
            proxy_ssl_verify off;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-Method $request_method;
            proxy_set_header X-Original-URI $request_uri;
        }
    }
}
`, dir, listen, cloudgate, upstream, set.String(), copyHdr.String())
}

// caddyfile is docs/gate.md's Caddy configuration with test addresses.
func caddyfile(dir, listen, cloudgate, upstream string) string {
	return fmt.Sprintf(`{
	admin off
	auto_https off
	storage file_system %[1]s
}
http://%[2]s {
	forward_auth %[3]s {
		uri /cloudgate/forward-auth
		copy_headers %[5]s
		transport http {
			tls_insecure_skip_verify
		}
	}
	reverse_proxy %[4]s {
		header_up -Authorization
		header_up -X-Vmware-Vcloud-Access-Token
		header_up -X-Vcloud-Authorization
	}
}
`, dir, listen, cloudgate, upstream, strings.Join(identityHeaders, " "))
}

// Debian's nginx (auth_request) and Caddy (forward_auth) in front of the
// upstream, asking cloudgate.
func TestExistingProxies(t *testing.T) {
	for _, proxy := range []string{"nginx", "caddy"} {
		t.Run(proxy, func(t *testing.T) {
			bin := need(t, proxy)
			up := newUpstream(t)
			g := startGated(t, up, nil)
			dir := t.TempDir()
			listen := freePort(t)
			if proxy == "nginx" {
				conf := filepath.Join(dir, "nginx.conf")
				os.WriteFile(conf, []byte(nginxConf(dir, listen, g.URL, up.srv.URL)), 0o644)
				startProc(t, listen, bin, "-p", dir, "-c", conf)
			} else {
				conf := filepath.Join(dir, "Caddyfile")
				os.WriteFile(conf, []byte(caddyfile(dir, listen, g.URL, up.srv.URL)), 0o644)
				startProc(t, listen, bin, "run", "--config", conf, "--adapter", "caddyfile")
			}
			base := "http://" + listen
			tok := login(t, g.Server, "bob", "acme")
			restrictedTok := restrictedToken(t, g.URL)
			c := &http.Client{Timeout: 10 * time.Second}
			for _, tc := range []struct {
				name, method, path, tok string
				hdr                     map[string]string
				status                  int
			}{
				{"session", "GET", "/echo/x?a=1", tok, nil, 200},
				{"forged identity", "GET", "/echo/x", tok, map[string]string{gate.HeaderUser: "administrator", gate.HeaderOrg: "System"}, 200},
				{"no session", "GET", "/echo/x", "", nil, 401},
				{"bad token", "GET", "/echo/x", "cgs_nothing", nil, 401},
				{"restricted read", "GET", "/cloudapi/1.0.0/groups", restrictedTok, nil, 200},
				{"restricted write", "POST", "/cloudapi/1.0.0/groups", restrictedTok, nil, 403},
			} {
				status, body, _ := call(t, c, tc.method, base+tc.path, tc.tok, tc.hdr)
				if status != tc.status {
					t.Errorf("%s: %s %s = %d %s; want %d", tc.name, tc.method, tc.path, status, body, tc.status)
					continue
				}
				if status == 200 && !strings.Contains(body, `"X-Cloudgate-User":["bob"]`) && !strings.Contains(body, `"X-Cloudgate-User":["alice"]`) {
					t.Errorf("%s: the upstream saw %s", tc.name, body)
				}
			}
		})
	}
}
