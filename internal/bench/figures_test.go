package bench

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
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
// wrk driving real `cloudgate serve` processes and the bare references:
//
//	CLOUDGATE_FIGURES=1 go test -run=TestFigures -v -timeout=20m ./internal/bench
//
// It needs wrk (Debian package "wrk") and is skipped otherwise. Run it on
// an otherwise idle machine: the figures are ratios within one run.
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
	f := startFigureServer(t)
	tok, body := login(t, client(), f.base)
	bare := httptest.NewServer(BareValidation(tok, body))
	defer bare.Close()

	var rows [][4]string
	report := func(name, ours, ref, ratio string) {
		rows = append(rows, [4]string{name, ours, ref, ratio})
		t.Logf("%-44s %14s %14s %8s", name, ours, ref, ratio)
	}
	auth := []string{"-H", "Authorization: Bearer " + tok, "-H", "Accept: application/json;version=37.0"}

	// Bearer validation against the bare handler, alternating to spread drift.
	var bareRate, ourRate float64
	for i := 0; i < 2; i++ {
		bareRate += wrk(t, dur, 64, bare.URL+"/cloudapi/1.0.0/sessions/current", auth, "").rate / 2
		ourRate += wrk(t, dur, 64, f.base+"/cloudapi/1.0.0/sessions/current", auth, "").rate / 2
	}
	report("validation req/s (cloudgate vs bare)", fmt.Sprintf("%.0f", ourRate), fmt.Sprintf("%.0f", bareRate), fmt.Sprintf("%.2f", ourRate/bareRate))

	// Password logins against the machine's argon2id ceiling.
	ceiling := argon2Ceiling(dur)
	script := loginScript(t)
	logins := wrk(t, dur, 16, f.base+"/cloudapi/1.0.0/sessions", nil, script)
	report("password logins/s vs argon2id ceiling", fmt.Sprintf("%.1f", logins.rate), fmt.Sprintf("%.1f", ceiling), fmt.Sprintf("%.2f", logins.rate/ceiling))
	if logins.errors > 0 {
		t.Logf("  (%d login responses were not 2xx)", logins.errors)
	}

	// Validation during a login flood.
	var wg sync.WaitGroup
	wg.Add(1)
	var flood wrkResult
	go func() {
		defer wg.Done()
		flood = wrk(t, dur+3*time.Second, 32, f.base+"/cloudapi/1.0.0/sessions", nil, script)
	}()
	time.Sleep(1500 * time.Millisecond)
	during := wrk(t, dur, 64, f.base+"/cloudapi/1.0.0/sessions/current", auth, "")
	wg.Wait()
	report("validation req/s during a login flood", fmt.Sprintf("%.0f", during.rate), fmt.Sprintf("%.0f", ourRate), fmt.Sprintf("%.2f", during.rate/ourRate))
	report("  (logins/s during that flood)", fmt.Sprintf("%.1f", flood.rate), "", "")

	// API-token exchange (refresh_token grant) against the bare in-memory
	// exchange; every session cloudgate acknowledges is durable.
	apiToken := issueAPIToken(t, f.base, tok)
	bareEx := httptest.NewServer(BareExchange(apiToken))
	defer bareEx.Close()
	exScript := exchangeScript(t, apiToken)
	var bareExRate, exRate float64
	var exErrors int
	for i := 0; i < 2; i++ {
		bareExRate += wrk(t, dur, 64, bareEx.URL+"/oauth/tenant/acme/token", nil, exScript).rate / 2
		r := wrk(t, dur, 64, f.base+"/oauth/tenant/acme/token", nil, exScript)
		exRate += r.rate / 2
		exErrors += r.errors
	}
	report("API-token exchanges/s (durable vs bare in-memory)", fmt.Sprintf("%.0f", exRate), fmt.Sprintf("%.0f", bareExRate), fmt.Sprintf("%.2f", exRate/bareExRate))
	report("API-token exchanges/s vs password logins/s", fmt.Sprintf("%.0f", exRate), fmt.Sprintf("%.1f", logins.rate), fmt.Sprintf("%.0f", exRate/logins.rate))
	if exErrors > 0 {
		t.Errorf("%d exchange responses were not 2xx", exErrors)
	}

	t.Log("figures:")
	for _, r := range rows {
		t.Logf("| %s | %s | %s | %s |", r[0], r[1], r[2], r[3])
	}
}

type figureServer struct {
	base string
	data string
	bin  string
}

// startFigureServer builds and starts `cloudgate serve --http` with a
// seeded user, in its own process as in production.
func startFigureServer(t *testing.T) *figureServer {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "cloudgate")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/cloudgate/cloudgate/cmd/cloudgate").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	seed := filepath.Join(dir, "seed.yaml")
	os.WriteFile(seed, []byte("orgs:\n  - name: acme\n    users:\n      - name: bob\n        password: "+password+"\n        role: vApp Author\n"), 0o600)
	cmd := exec.Command(bin, "serve", "--http", "--listen", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--seed", seed, "--log-level", "error")
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
			return &figureServer{base: m[1], data: filepath.Join(dir, "data"), bin: bin}
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
func issueAPIToken(t *testing.T, base, tok string) string {
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
	rate   float64
	errors int
}

var (
	wrkRate   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkErrors = regexp.MustCompile(`Non-2xx or 3xx responses:\s+([0-9]+)`)
)

// wrk runs wrk with 2 threads and conns connections for d.
func wrk(t *testing.T, d time.Duration, conns int, url string, headers []string, script string) wrkResult {
	t.Helper()
	args := []string{"-t2", "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s"}
	args = append(args, headers...)
	if script != "" {
		args = append(args, "-s", script)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		t.Fatalf("wrk output:\n%s", out)
	}
	r := wrkResult{}
	r.rate, _ = strconv.ParseFloat(string(m[1]), 64)
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
