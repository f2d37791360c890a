package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

var metricsLine = regexp.MustCompile(`metrics on (http://[0-9.:]+)/metrics`)

// startServeLines runs `cloudgate serve` and returns its public base URL
// and the metrics base URL ("" when it printed none).
func startServeLines(t *testing.T, bin, data string, extra ...string) (string, string) {
	t.Helper()
	args := append([]string{"serve", "--http", "--listen", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CLOUDGATE_ADMIN_PASSWORD=Admin-password-1")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	type urls struct{ base, metrics string }
	found := make(chan urls, 1)
	go func() {
		var u urls
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := metricsLine.FindStringSubmatch(sc.Text()); m != nil {
				u.metrics = m[1]
			}
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				u.base = m[1]
				found <- u
			}
		}
	}()
	select {
	case u := <-found:
		return u.base, u.metrics
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	return "", ""
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// /metrics lives on its own listener (--metrics-listen), never on the
// public one, and the listener can be turned off.
func TestMetricsListener(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)

	t.Run("own listener", func(t *testing.T) {
		base, metrics := startServeLines(t, bin, t.TempDir(), "--metrics-listen", "127.0.0.1:0")
		if metrics == "" {
			t.Fatal("no metrics address printed")
		}
		if code, _ := get(t, base+"/healthz"); code != 200 {
			t.Fatalf("healthz: %d", code)
		}
		if code, body := get(t, base+"/metrics"); code != 404 || strings.Contains(body, "cloudgate_") {
			t.Fatalf("public /metrics: %d %.80q", code, body)
		}
		code, body := get(t, metrics+"/metrics")
		if code != 200 || !strings.Contains(body, `cloudgate_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`) {
			t.Fatalf("metrics listener: %d\n%s", code, body)
		}
		// It serves metrics and nothing else.
		if code, _ := get(t, metrics+"/healthz"); code != 404 {
			t.Fatalf("metrics listener /healthz: %d", code)
		}
	})

	t.Run("off", func(t *testing.T) {
		base, metrics := startServeLines(t, bin, t.TempDir(), "--metrics-listen", "off")
		if metrics != "" {
			t.Fatalf("metrics served at %s although off", metrics)
		}
		if code, _ := get(t, base+"/metrics"); code != 404 {
			t.Fatalf("public /metrics: %d", code)
		}
	})

	t.Run("bad address", func(t *testing.T) {
		out, err := exec.Command(bin, "serve", "--http", "--listen", "127.0.0.1:0", "--data", t.TempDir(),
			"--metrics-listen", "nonsense").CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 || !strings.Contains(string(out), "--metrics-listen") {
			t.Fatalf("want a usage error naming --metrics-listen, got %v\n%s", err, out)
		}
	})
}

// The default keeps metrics on loopback.
func TestMetricsListenDefaultIsLoopback(t *testing.T) {
	host, _, err := net.SplitHostPort(defaultMetricsListen)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("default %q is not a loopback address", defaultMetricsListen)
	}
	for _, off := range []string{"", "off", "OFF", " none "} {
		if !metricsOff(off) {
			t.Errorf("%q should turn metrics off", off)
		}
	}
	if metricsOff("127.0.0.1:9443") {
		t.Error("an address turned metrics off")
	}
}
