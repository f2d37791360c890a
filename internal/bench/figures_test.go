package bench

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/cloudgate/cloudgate/internal/secret"
)

// TestFigures measures the project's headline figures side by side, with
// wrk driving real `cloudgate serve` processes and the bare references (each
// in a process of its own):
//
//	CLOUDGATE_FIGURES=1 go test -run=TestFigures -v -timeout=30m ./internal/bench
//
// CLOUDGATE_FIGURES_SECONDS sets each wrk run's length (default 10),
// CLOUDGATE_FIGURES_BIN a prebuilt cloudgate to measure instead of this
// tree's, and
// CLOUDGATE_FIGURES_ONLY a comma-separated subset (validation, logins,
// flood, exchange), CLOUDGATE_FIGURES_DEBUG a loopback address for the
// server's --debug-listen (fetch /debug/pprof/profile during a run).
// Minor page faults per request are reported beside the CPU: on a VM a
// fault costs microseconds of system time, and a heap that gives pages
// back to the kernel and takes them again shows there first. The main figure is the server's CPU time per request
// (user+system time of the process from /proc/PID/stat over the run,
// divided by the requests wrk counted): it barely moves when other work
// shares the machine, unlike requests per second. Each figure is taken in
// both load shapes (wrk -t1 -c32 and -t2 -c64), alternating cloudgate with
// its reference, and the ratio is reference CPU / cloudgate CPU (1.0 =
// as cheap as the reference). It needs wrk (Debian package "wrk").
func TestFigures(t *testing.T) {
	if os.Getenv("CLOUDGATE_FIGURES") == "" {
		t.Skip("set CLOUDGATE_FIGURES=1 to measure (needs wrk)")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed")
	}
	dur := 10 * time.Second
	if s := os.Getenv("CLOUDGATE_FIGURES_SECONDS"); s != "" {
		n, _ := strconv.Atoi(s)
		dur = time.Duration(n) * time.Second
	}
	want := func(part string) bool {
		only := os.Getenv("CLOUDGATE_FIGURES_ONLY")
		return only == "" || slices.Contains(strings.Split(only, ","), part)
	}
	f := startFigureServer(t)
	tok, body := login(t, client(), f.base)

	var rows [][4]string
	report := func(name, ours, ref, ratio string) {
		rows = append(rows, [4]string{name, ours, ref, ratio})
		t.Logf("%-52s %14s %14s %8s", name, ours, ref, ratio)
	}
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		t.Logf("load average before: %s", strings.TrimSpace(string(load)))
	}
	auth := []string{"-H", "Authorization: Bearer " + tok, "-H", "Accept: application/json;version=37.0"}

	// Bearer validation against the bare handler, alternating to spread drift.
	var ourRate float64
	if want("validation") {
		bareURL, barePID := referenceProcess(t, "validation", tok, body)
		for _, sh := range shapes {
			ours, ref := compare(t, dur, sh,
				target{f.base + "/cloudapi/1.0.0/sessions/current", f.pid, auth, ""},
				target{bareURL + "/cloudapi/1.0.0/sessions/current", barePID, auth, ""})
			reportPair(report, "validation "+sh.name, ours, ref)
			if sh.conns == 64 {
				ourRate = ours.rate
			}
		}
	}

	// Password logins against the machine's argon2id ceiling.
	script := loginScript(t)
	var logins wrkResult
	if want("logins") || want("flood") {
		// By CPU per login against a bare server that verifies the same
		// argon2id hash (the ceiling plus the least HTTP a login costs),
		// and by rate against the hashes/s this machine manages alone.
		bareURL, barePID := referenceProcess(t, "login", "bob@acme", body)
		ours, ref := compare(t, dur, loginShape,
			target{f.base + "/cloudapi/1.0.0/sessions", f.pid, nil, script},
			target{bareURL + "/cloudapi/1.0.0/sessions", barePID, nil, script})
		reportPair(report, "password logins "+loginShape.name, ours, ref)
		if ours.errors > 0 || ref.errors > 0 {
			t.Errorf("login responses not 2xx: %d of cloudgate's, %d of the reference's", ours.errors, ref.errors)
		}
		ceiling := argon2Ceiling(dur)
		logins = wrkResult{rate: ours.rate, requests: ours.requests, seconds: ours.seconds}
		report("password logins/s vs argon2id hashes/s alone", fmt.Sprintf("%.1f", logins.rate), fmt.Sprintf("%.1f", ceiling), fmt.Sprintf("%.2f", logins.rate/ceiling))
	}

	// Validation during a login flood.
	if want("flood") && ourRate > 0 {
		var wg sync.WaitGroup
		wg.Add(1)
		var flood wrkResult
		go func() {
			defer wg.Done()
			flood = wrk(t, dur+3*time.Second, shape{threads: 2, conns: 32}, f.base+"/cloudapi/1.0.0/sessions", nil, script)
		}()
		time.Sleep(1500 * time.Millisecond)
		during := wrk(t, dur, shapes[1], f.base+"/cloudapi/1.0.0/sessions/current", auth, "")
		wg.Wait()
		report("validation req/s during a login flood", fmt.Sprintf("%.0f", during.rate), fmt.Sprintf("%.0f", ourRate), fmt.Sprintf("%.2f", during.rate/ourRate))
		report("  (logins/s during that flood)", fmt.Sprintf("%.1f", flood.rate), "", "")
	}

	// API-token exchange (refresh_token grant) against the bare in-memory
	// exchange; every session cloudgate acknowledges is durable.
	if want("exchange") {
		apiToken := issueAPIToken(t, f.base, tok)
		bareURL, barePID := referenceProcess(t, "exchange", apiToken, nil)
		exScript := exchangeScript(t, apiToken)
		for _, sh := range shapes {
			ours, ref := compare(t, dur, sh,
				target{f.base + "/oauth/tenant/acme/token", f.pid, nil, exScript},
				target{bareURL + "/oauth/tenant/acme/token", barePID, nil, exScript})
			reportPair(report, "exchange "+sh.name, ours, ref)
			if ours.errors > 0 {
				t.Errorf("%d exchange responses were not 2xx", ours.errors)
			}
			if logins.rate > 0 && sh.conns == 64 {
				report("API-token exchanges/s vs password logins/s", fmt.Sprintf("%.0f", ours.rate), fmt.Sprintf("%.1f", logins.rate), fmt.Sprintf("%.0f", ours.rate/logins.rate))
			}
		}
		// The same exchange beside the least durable one: the bare
		// exchange plus a group-committed, fsync'd append of each
		// session's record. What separates the two is what a session
		// row, its indexes and cloudgate's checks cost.
		durURL, durPID := referenceProcess(t, "durable-exchange", apiToken, nil)
		for _, sh := range shapes {
			ours, ref := compare(t, dur, sh,
				target{f.base + "/oauth/tenant/acme/token", f.pid, nil, exScript},
				target{durURL + "/oauth/tenant/acme/token", durPID, nil, exScript})
			reportPair(report, "exchange vs a bare durable exchange "+sh.name, ours, ref)
			if ours.errors > 0 || ref.errors > 0 {
				t.Errorf("exchange responses not 2xx: %d of cloudgate's, %d of the durable reference's", ours.errors, ref.errors)
			}
		}
	}
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		t.Logf("load average after: %s", strings.TrimSpace(string(load)))
	}

	t.Log("figures (ratio: reference CPU per request / cloudgate's, or rate / rate):")
	for _, r := range rows {
		t.Logf("| %s | %s | %s | %s |", r[0], r[1], r[2], r[3])
	}
}

// shape is one wrk load shape.
type shape struct {
	name           string
	threads, conns int
}

// shapes are the two load shapes every figure is taken in: the one a new
// user tries first, and twice the connections over two threads.
var shapes = []shape{{"wrk -t1 -c32", 1, 32}, {"wrk -t2 -c64", 2, 64}}

// loginShape keeps both cores busy with hashing without queueing many
// logins behind them.
var loginShape = shape{"wrk -t2 -c16", 2, 16}

// target is one server under load.
type target struct {
	url     string
	pid     int
	headers []string
	script  string
}

// measured sums runs against one target.
type measured struct {
	requests int64
	seconds  float64
	cpu      time.Duration
	faults   int64 // minor page faults
	rate     float64
	errors   int
	runs     int
}

func (m measured) cpuPerRequest() time.Duration {
	if m.requests == 0 {
		return 0
	}
	return m.cpu / time.Duration(m.requests)
}

// compare alternates runs against ours and ref (ref first, then ours, then
// ours, then ref: drift in the machine's load falls on both) and sums
// requests and server CPU.
func compare(t *testing.T, d time.Duration, sh shape, ours, ref target) (measured, measured) {
	t.Helper()
	var o, r measured
	run := func(tg target, m *measured) {
		before, faultsBefore := processCPU(t, tg.pid)
		res := wrk(t, d, sh, tg.url, tg.headers, tg.script)
		after, faultsAfter := processCPU(t, tg.pid)
		m.cpu += after - before
		m.faults += faultsAfter - faultsBefore
		m.requests += res.requests
		m.seconds += res.seconds
		m.errors += res.errors
		m.runs++
		m.rate = float64(m.requests) / m.seconds
	}
	for _, turn := range []bool{false, true, true, false} {
		if turn {
			run(ours, &o)
		} else {
			run(ref, &r)
		}
	}
	return o, r
}

func reportPair(report func(name, ours, ref, ratio string), name string, ours, ref measured) {
	us := func(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }
	report(name+", server CPU per request", us(ours.cpuPerRequest()), us(ref.cpuPerRequest()),
		fmt.Sprintf("%.2f", float64(ref.cpuPerRequest())/float64(ours.cpuPerRequest())))
	if ours.requests > 0 && ref.requests > 0 {
		report(name+", minor page faults per request", fmt.Sprintf("%.2f", float64(ours.faults)/float64(ours.requests)),
			fmt.Sprintf("%.2f", float64(ref.faults)/float64(ref.requests)), "")
	}
	report(name+", req/s", fmt.Sprintf("%.0f", ours.rate), fmt.Sprintf("%.0f", ref.rate), fmt.Sprintf("%.2f", ours.rate/ref.rate))
}

// processCPU is the user+system CPU time the process has used, from
// /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s: USER_HZ is
// 100 on every Linux architecture Go supports), and its minor page faults
// (field 10).
func processCPU(t *testing.T, pid int) (time.Duration, int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("reading the server's CPU time: %v", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
	fields := strings.Fields(rest) // fields[0] is field 3 (state)
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	minflt, err3 := strconv.ParseInt(fields[7], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatalf("unexpected /proc/%d/stat: %s", pid, b)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, minflt
}

type figureServer struct {
	base string
	pid  int
	data string
	bin  string
}

// startFigureServer builds and starts `cloudgate serve --http` with a
// seeded user, in its own process as in production.
func startFigureServer(t *testing.T) *figureServer {
	t.Helper()
	dir := t.TempDir()
	// CLOUDGATE_FIGURES_BIN measures a binary built elsewhere (an earlier
	// commit, for before/after figures with references from the same run).
	bin := os.Getenv("CLOUDGATE_FIGURES_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "cloudgate")
		if out, err := exec.Command("go", "build", "-o", bin, "github.com/cloudgate/cloudgate/cmd/cloudgate").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	seed := filepath.Join(dir, "seed.yaml")
	os.WriteFile(seed, []byte("orgs:\n  - name: acme\n    users:\n      - name: bob\n        password: "+password+"\n        role: vApp Author\n"), 0o600)
	args := []string{"serve", "--http", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--seed", seed, "--log-level", "error"}
	if help, _ := exec.Command(bin, "serve", "-h").CombinedOutput(); strings.Contains(string(help), "-metrics-listen") {
		args = append(args, "--metrics-listen", "127.0.0.1:0") // older binaries have no such flag
	}
	if addr := os.Getenv("CLOUDGATE_FIGURES_DEBUG"); addr != "" {
		args = append(args, "--debug-listen", addr)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CLOUDGATE_ADMIN_PASSWORD=Admin-password-1")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	re := regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return &figureServer{base: m[1], pid: cmd.Process.Pid, data: filepath.Join(dir, "data"), bin: bin}
		}
	}
	t.Fatal("server did not start")
	return nil
}

func loginScript(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "login.lua")
	basic := base64.StdEncoding.EncodeToString([]byte("bob@acme:" + password))
	os.WriteFile(p, []byte(fmt.Sprintf("wrk.method = \"POST\"\nwrk.headers[\"Authorization\"] = \"Basic %s\"\nwrk.headers[\"Accept\"] = \"application/*;version=37.0\"\n", basic)), 0o600)
	return p
}

// issueAPIToken registers an API token for the session tok and returns its
// secret (register, then the jwt-bearer grant).
func issueAPIToken(t testing.TB, base, tok string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/oauth/tenant/acme/register", strings.NewReader(`{"client_name":"bench"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {tok}, "client_id": {reg.ClientID}}
	resp, err = http.PostForm(base+"/oauth/tenant/acme/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var grant struct {
		RefreshToken string `json:"refresh_token"`
	}
	json.NewDecoder(resp.Body).Decode(&grant)
	resp.Body.Close()
	if grant.RefreshToken == "" {
		t.Fatalf("no API token issued (register %q, status %d)", reg.ClientID, resp.StatusCode)
	}
	return grant.RefreshToken
}

func exchangeScript(t *testing.T, apiToken string) string {
	p := filepath.Join(t.TempDir(), "exchange.lua")
	os.WriteFile(p, []byte(fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = \"grant_type=refresh_token&refresh_token=%s\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n", apiToken)), 0o600)
	return p
}

type wrkResult struct {
	rate     float64
	requests int64
	seconds  float64
	errors   int
}

var (
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkRequests = regexp.MustCompile(`([0-9]+) requests in ([0-9.]+)(m?s)`)
	wrkErrors   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+([0-9]+)`)
)

// wrk runs wrk in the given shape for d.
func wrk(t *testing.T, d time.Duration, sh shape, url string, headers []string, script string) wrkResult {
	t.Helper()
	args := []string{"-t" + strconv.Itoa(sh.threads), "-c" + strconv.Itoa(sh.conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s"}
	args = append(args, headers...)
	if script != "" {
		args = append(args, "-s", script)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	m := wrkRate.FindSubmatch(out)
	n := wrkRequests.FindSubmatch(out)
	if m == nil || n == nil {
		t.Fatalf("wrk output:\n%s", out)
	}
	r := wrkResult{}
	r.rate, _ = strconv.ParseFloat(string(m[1]), 64)
	r.requests, _ = strconv.ParseInt(string(n[1]), 10, 64)
	r.seconds, _ = strconv.ParseFloat(string(n[2]), 64)
	if string(n[3]) == "ms" {
		r.seconds /= 1000
	}
	if e := wrkErrors.FindSubmatch(out); e != nil {
		r.errors, _ = strconv.Atoi(string(e[1]))
	}
	return r
}

// argon2Ceiling is how many default argon2id hashes per second this
// machine computes with every core busy and nothing else running.
func argon2Ceiling(d time.Duration) float64 {
	p := secret.DefaultParams()
	salt := secret.RandomBytes(16)
	var n atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < runtime.NumCPU(); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				argon2.IDKey([]byte("password"), salt, p.Time, p.Memory, p.Threads, uint32(p.KeyLen))
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}
