package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// lockedBuffer is an output safe to read while a command writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type auditLine struct {
	EventType, EventStatus, Description string
	User                                struct{ Name string }
	OperatingOrg                        struct{ Name string }
}

func auditLines(t *testing.T, out string) []auditLine {
	t.Helper()
	var lines []auditLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l auditLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not a JSON line: %q", sc.Text())
		}
		lines = append(lines, l)
	}
	return lines
}

func TestAuditCommand(t *testing.T) {
	srv, dsn := shared(t)
	// A failed and a good login through the server, then admin changes.
	status(t, srv, "POST", "/cloudapi/1.0.0/sessions", "Accept", "application/json;version=37.0", "Authorization", "Basic Ym9iQGFjbWU6d3Jvbmc=") // bob@acme:wrong
	if code, _, errOut := runArgs(t, "user", "unlock", "--db", dsn, "acme", "bob"); code != 0 {
		t.Fatalf("unlock: %s", errOut)
	}
	vssToken(t, srv, "bob@acme")

	code, out, errOut := runArgs(t, "audit", "--db", dsn, "--org", "acme", "--type", "login", "--outcome", "failure")
	if code != 0 {
		t.Fatalf("audit: %d %s", code, errOut)
	}
	lines := auditLines(t, out)
	if len(lines) != 1 || lines[0].User.Name != "bob" || lines[0].EventStatus != "FAILURE" || !strings.Contains(lines[0].Description, "wrong password") {
		t.Fatalf("failed logins: %q", out)
	}
	_, out, _ = runArgs(t, "audit", "--db", dsn, "--since", "1h", "--filter", "eventType==login,eventType==user.unlock")
	got := map[string]bool{}
	for _, l := range auditLines(t, out) {
		got[l.EventType+"/"+l.EventStatus] = true
	}
	for _, want := range []string{"login/FAILURE", "login/SUCCESS", "user.unlock/SUCCESS"} {
		if !got[want] {
			t.Errorf("missing %s in %q", want, out)
		}
	}
	if _, out, _ = runArgs(t, "audit", "--db", dsn, "--since", "2099-01-01T00:00:00Z"); out != "" {
		t.Errorf("events from the future: %q", out)
	}
	for _, bad := range [][]string{{"--outcome", "maybe"}, {"--since", "yesterday"}, {"--filter", "nope==1"}, {"--limit", "-1"}} {
		if code, _, _ := runArgs(t, append([]string{"audit", "--db", dsn}, bad...)...); code != 2 {
			t.Errorf("audit %v: exit %d, want 2", bad, code)
		}
	}

	// Retention is a setting, in days or any duration of at least an hour.
	if code, _, errOut := runArgs(t, "settings", "set", "--db", dsn, "audit-retention", "30d"); code != 0 {
		t.Fatalf("settings set audit-retention 30d: %s", errOut)
	}
	if code, _, _ := runArgs(t, "settings", "set", "--db", dsn, "audit-retention", "10m"); code == 0 {
		t.Fatal("a retention of 10 minutes was accepted")
	}

	// --follow prints what is written afterwards.
	var buf lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		a := &app{stdin: strings.NewReader(""), stdout: &buf, stderr: &buf, getenv: func(string) string { return "" }}
		done <- a.run(ctx, []string{"audit", "--db", dsn, "--limit", "1", "--type", "login", "--follow"})
	}()
	time.Sleep(300 * time.Millisecond)
	vssToken(t, srv, "alice@acme")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), `"name":"alice"`) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("audit --follow: exit %d: %s", code, buf.String())
	}
	if !strings.Contains(buf.String(), `"name":"alice"`) {
		t.Fatalf("--follow did not print alice's login: %s", buf.String())
	}
	_ = testserver.Password
}
