package server_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// --audit-log: events written after the start stream out as JSON lines,
// one complete object per line, without secrets.
func TestAuditLogStream(t *testing.T) {
	var out syncWriter
	srv := testserver.Start(t, testserver.WithOptions(func(o *server.Options) { o.AuditLog = &out }))
	const wrong = "Streamed-Wrong-Pass-1"
	call(t, srv, "POST", "/cloudapi/1.0.0/sessions", map[string]string{"Accept": jsonV, "Authorization": testclient.Basic("carol@acme", wrong)})
	tok, _ := login(t, srv, "carol@acme", testserver.Password)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), `"eventType":"login","serviceNamespace":"cloudgate","eventStatus":"SUCCESS"`) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("streamed %q", out.String())
	}
	var statuses []string
	for _, l := range lines {
		var e struct{ EventType, EventStatus string }
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if e.EventType == "login" {
			statuses = append(statuses, e.EventType+"/"+e.EventStatus)
		}
	}
	if len(statuses) != 2 || statuses[0] != "login/FAILURE" || statuses[1] != "login/SUCCESS" {
		t.Fatalf("streamed %v", statuses)
	}
	if s := out.String(); strings.Contains(s, wrong) || strings.Contains(s, testserver.Password) || strings.Contains(s, tok) {
		t.Fatal("a secret in the stream")
	}
}
