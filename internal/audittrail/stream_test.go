package audittrail_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/audittrail"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
)

type lines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lines) seqs(t *testing.T) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var e audittrail.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, e.AdditionalProperties["sequence"])
	}
	return out
}

// The stream writes each event once, oldest first, and also an event whose
// sequence number becomes visible after a later one (PostgreSQL commits
// out of order; simulated here by inserting a lower number later).
func TestStreamWritesLateEventsOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	insert := func(typ string) {
		t.Helper()
		if err := st.Update(ctx, func(tx store.Tx) error {
			return tx.InsertAudit(ctx, audit.Event(audit.CLI(), time.Now(), typ, audit.Success, "", ""))
		}); err != nil {
			t.Fatal(err)
		}
	}
	insert("before") // seq 1: before the stream starts, not written
	last, err := st.LastAuditSeq(ctx)
	if err != nil || last != 1 {
		t.Fatalf("LastAuditSeq = %d, %v", last, err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// seq 3 appears before seq 2.
	if _, err := raw.Exec(`INSERT INTO audit (seq, at, type, outcome) VALUES (3, 1, 'third', 'success')`); err != nil {
		t.Fatal(err)
	}
	var out lines
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := audittrail.Stream(sctx, audittrail.StreamConfig{Store: st, Out: &out, After: last, Interval: 20 * time.Millisecond, Batch: 2})
		done <- err
	}()
	waitFor := func(n int) {
		deadline := time.Now().Add(10 * time.Second)
		for len(out.seqs(t)) < n && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(1)
	if _, err := raw.Exec(`INSERT INTO audit (seq, at, type, outcome) VALUES (2, 1, 'second', 'success')`); err != nil {
		t.Fatal(err)
	}
	waitFor(2)
	insert("fourth")
	insert("fifth")
	insert("sixth")
	waitFor(5)
	time.Sleep(100 * time.Millisecond) // a few more polls: nothing is written twice
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out.seqs(t), ","); got != "3,2,4,5,6" {
		t.Fatalf("streamed sequence numbers %s, want 3,2,4,5,6", got)
	}
}
