package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestExchangeThroughput measures refresh_token exchanges per second with
// wrk (2 threads, 64 connections), which leaves more of the two cores to
// the server than BenchmarkExchange's Go clients, against one `cloudgate
// serve` process on SQLite and on PostgreSQL, with one token and with 16.
// On PostgreSQL it checks that the database holds a session for every
// exchange answered 2xx. It needs wrk and runs only when asked:
//
//	CLOUDGATE_EXCHANGE_SECONDS=10 go test -count=1 -run TestExchangeThroughput -v ./internal/cluster
func TestExchangeThroughput(t *testing.T) {
	secs := os.Getenv("CLOUDGATE_EXCHANGE_SECONDS")
	if secs == "" {
		t.Skip("set CLOUDGATE_EXCHANGE_SECONDS to measure (needs wrk)")
	}
	if n, err := strconv.Atoi(secs); err != nil || n < 1 {
		t.Fatalf("CLOUDGATE_EXCHANGE_SECONDS=%q", secs)
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed")
	}
	owners := []string{"alice", "bob", "carol", "erin"}
	for _, be := range backends {
		for _, ntok := range []int{1, 16} {
			t.Run(fmt.Sprintf("%s/tokens=%d", be.name, ntok), func(t *testing.T) {
				dsn := be.dsn(t)
				pg := dsn != ""
				if !pg {
					dsn = "sqlite://" + t.TempDir() + "/cloudgate.db"
				}
				in := startOne(t, dsn, "A", "--log-level", "warn")
				var secrets []string
				for i := range ntok {
					owner := mustLogin(t, in, owners[i%len(owners)], "acme")
					secrets = append(secrets, newAPIToken(t, in, "acme", owner, fmt.Sprintf("wrk-%d", i)).secret)
				}
				script := filepath.Join(t.TempDir(), "exchange.lua")
				if err := os.WriteFile(script, []byte(wrkExchangeScript(secrets)), 0o600); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				out, err := exec.Command("wrk", "-t2", "-c64", "-d"+secs+"s", "-s", script, in.url+"/oauth/tenant/acme/token").CombinedOutput()
				if err != nil {
					t.Fatalf("wrk: %v\n%s", err, out)
				}
				total, non2xx, rate := wrkFigures(t, out)
				t.Logf("%.0f exchanges/s (%d requests in %v, %d not 2xx)", rate, total, time.Since(start).Round(time.Second), non2xx)
				if non2xx > 0 {
					t.Errorf("%d exchanges failed", non2xx)
				}
				if pg {
					if n := countRows(t, driverDSN(dsn), `SELECT count(*) FROM sessions WHERE origin = 'apiToken'`); n < total-non2xx {
						t.Fatalf("%d exchanges acknowledged, %d sessions in the database", total-non2xx, n)
					}
				}
			})
		}
	}
}

// wrkExchangeScript is a wrk Lua script that posts refresh_token grants,
// each thread cycling through secrets.
func wrkExchangeScript(secrets []string) string {
	s := "local bodies = {\n"
	for _, sec := range secrets {
		s += fmt.Sprintf("  %q,\n", refreshBody(sec))
	}
	return s + `}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
`
}

var (
	wrkTotal  = regexp.MustCompile(`(\d+) requests in`)
	wrkNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	wrkRate   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
)

// wrkFigures reads wrk's summary.
func wrkFigures(t *testing.T, out []byte) (total, non2xx int64, rate float64) {
	t.Helper()
	m, r := wrkTotal.FindSubmatch(out), wrkRate.FindSubmatch(out)
	if m == nil || r == nil {
		t.Fatalf("wrk output:\n%s", out)
	}
	total, _ = strconv.ParseInt(string(m[1]), 10, 64)
	rate, _ = strconv.ParseFloat(string(r[1]), 64)
	if e := wrkNon2xx.FindSubmatch(out); e != nil {
		non2xx, _ = strconv.ParseInt(string(e[1]), 10, 64)
	}
	return total, non2xx, rate
}
