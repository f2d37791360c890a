package identity

import (
	"log/slog"
	"strings"
	"sync"
	"time"
)

// failLog writes failed logins to the operator's log, so a brute-force run
// is visible to whoever tails it, not only in the audit table. It is
// rate-limited (a flood must not become a flood of log lines): at most
// burst lines per window, then one line saying how many were left out.
//
// A line has the reason code, the client address, the dialect and the
// request id, and names the account only when it exists: an unknown "user
// name" is often a password typed into the wrong field, so it is never
// logged (the audit table keeps it, bounded, for the administrators).
type failLog struct {
	log    *slog.Logger
	window time.Duration
	burst  int

	mu         sync.Mutex
	start      time.Time
	n          int
	suppressed int
}

const (
	failLogWindow = 10 * time.Second
	failLogBurst  = 20
)

func newFailLog(log *slog.Logger) *failLog {
	return &failLog{log: log, window: failLogWindow, burst: failLogBurst}
}

// record logs one failed login (reason is one of the Outcome codes).
// account is "user@org" of an existing account, or "" when the name
// matched none.
func (f *failLog) record(now time.Time, c Credentials, reason, account string) {
	f.mu.Lock()
	if now.Sub(f.start) >= f.window || now.Before(f.start) {
		if f.suppressed > 0 {
			f.log.Warn("failed logins not logged (rate limit)", "count", f.suppressed, "window", f.window.String())
		}
		f.start, f.n, f.suppressed = now, 0, 0
	}
	if f.n >= f.burst {
		f.suppressed++
		f.mu.Unlock()
		return
	}
	f.n++
	f.mu.Unlock()
	attrs := []any{"reason", reason, "ip", c.ClientIP, "dialect", c.Dialect, "request_id", c.RequestID}
	if account != "" {
		attrs = append(attrs, "account", strings.ToValidUTF8(account, "?"))
	} else {
		attrs = append(attrs, "account", "(unknown)")
	}
	f.log.Warn("login failed", attrs...)
}
