package main

import (
	"bytes"
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/go-vcloud-director/v3/govcd"
)

// syncBuffer is a bytes.Buffer safe to write from the serving goroutine
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveInProcess runs "cloudgate serve" until the returned stop is called,
// once stdout holds want; it returns stdout so far.
func serveInProcess(t *testing.T, env map[string]string, want string, args ...string) (string, func() int) {
	t.Helper()
	var out, errOut syncBuffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- a.run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)) }()
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
			return -1
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), want) {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d: %s %s", code, out.String(), errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no %q in the output: %s %s", want, out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return out.String(), stop
}

func envValue(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "export "+name+"="); ok {
			return strings.Fields(v)[0]
		}
	}
	return ""
}

// TestPrintEnv: what --print-env prints is enough for the Go SDK to log in;
// the password appears only on the start that generated it.
func TestPrintEnv(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, stop := serveInProcess(t, nil, "VCD_ALLOW_UNVERIFIED_SSL", "--data", data, "--print-env", "--hash-workers", "1")
	rawURL, org, user, password := envValue(out, "VCD_URL"), envValue(out, "VCD_ORG"), envValue(out, "VCD_USER"), envValue(out, "VCD_PASSWORD")
	if envValue(out, "VCD_ALLOW_UNVERIFIED_SSL") != "true" || password == "" || strings.Count(out, password) != 2 {
		t.Fatalf("output:\n%s", out)
	}
	u, err := url.Parse(rawURL)
	if err != nil || !strings.HasSuffix(u.Path, "/api") {
		t.Fatalf("VCD_URL %q", rawURL)
	}
	client := govcd.NewVCDClient(*u, true)
	if err := client.Authenticate(user, password, org); err != nil {
		t.Fatalf("govcd with the printed environment: %v", err)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	// Second start: the administrator exists; no password anywhere.
	out, stop = serveInProcess(t, nil, "VCD_ALLOW_UNVERIFIED_SSL", "--data", data, "--print-env", "--hash-workers", "1")
	if strings.Contains(out, password) || envValue(out, "VCD_PASSWORD") != "" || !strings.Contains(out, "# VCD_PASSWORD") {
		t.Fatalf("second start:\n%s", out)
	}
	stop()

	// A password from the environment is never echoed.
	const chosen = "Chosen-admin-pass-1"
	out, stop = serveInProcess(t, map[string]string{"CLOUDGATE_ADMIN_PASSWORD": chosen}, "VCD_USER",
		"--data", filepath.Join(t.TempDir(), "d2"), "--print-env", "--http", "--hash-workers", "1")
	if strings.Contains(out, chosen) || envValue(out, "VCD_ALLOW_UNVERIFIED_SSL") != "" || !strings.HasPrefix(envValue(out, "VCD_URL"), "http://") {
		t.Fatalf("with CLOUDGATE_ADMIN_PASSWORD and --http:\n%s", out)
	}
	stop()
}
