package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The binary is built once per test run, on first use.
var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary returns the path of a freshly built cloudgate.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "cloudgate-bin-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "cloudgate")
		// go test puts its own GOROOT/bin first in PATH, so "go" is
		// the toolchain running this test.
		cmd := exec.Command("go", "build", "-o", buildBin, "github.com/cloudgate/cloudgate/cmd/cloudgate")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// Passwords of the seeded accounts.
const (
	adminPassword = "Admin-password-1"
	userPassword  = "User-password-1"
)

const seedYAML = `orgs:
  - name: acme
    fullName: Acme Corporation
    users:
      - name: alice
        password: User-password-1
        role: Organization Administrator
      - name: bob
        password: User-password-1
        role: vApp Author
      - name: carol
        password: User-password-1
        role: vApp Author
      - name: erin
        password: User-password-1
        role: vApp Author
  - name: globex
    fullName: Globex
    users:
      - name: dave
        password: User-password-1
        role: Organization Administrator
`

// instance is one `cloudgate serve` process.
type instance struct {
	name string
	url  string
	dsn  string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startInstances starts n instances at once on dsn (the first start of a
// fresh database is a race between them: migrations, bootstrap and seed
// must all cope) and waits until each is healthy.
func startInstances(t testing.TB, dsn string, n int) []*instance {
	t.Helper()
	bin := binary(t)
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(seed, []byte(seedYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	out := make([]*instance, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = start(t, bin, dsn, string(rune('A'+i)), seed, filepath.Join(dir, string(rune('a'+i))))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// startOne starts one instance named name with extra serve flags.
func startOne(t testing.TB, dsn, name string, flags ...string) *instance {
	t.Helper()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(seed, []byte(seedYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := start(t, binary(t), dsn, name, seed, filepath.Join(dir, "data"), flags...)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func start(t testing.TB, bin, dsn, name, seed, data string, flags ...string) (*instance, error) {
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	in := &instance{name: name, dsn: dsn, log: filepath.Join(data, "server.log"), done: make(chan struct{})}
	logf, err := os.Create(in.log)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--http", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data", data, "--db", dsn, "--seed", seed}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cleanEnv(), "CLOUDGATE_ADMIN_PASSWORD="+adminPassword)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	in.cmd = cmd
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
			fmt.Fprintln(logf, sc.Text())
		}
	}()
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(in.done)
	}()
	t.Cleanup(func() {
		in.stop()
		if t.Failed() {
			b, _ := os.ReadFile(in.log)
			t.Logf("--- log of instance %s ---\n%s", in.name, tail(string(b), 4000))
		}
	})
	select {
	case in.url = <-urlc:
	case <-in.done:
		b, _ := os.ReadFile(in.log)
		return nil, fmt.Errorf("instance %s exited at start:\n%s", name, b)
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("instance %s did not start in time", name)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := get(in, "/healthz", ""); code == 200 {
			return in, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("instance %s never became healthy", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cleanEnv is the test's environment without CLOUDGATE_ variables, which
// would act as flags of the child.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CLOUDGATE_") {
			env = append(env, kv)
		}
	}
	return env
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// stop ends the instance with SIGTERM (a clean shutdown).
func (in *instance) stop() {
	select {
	case <-in.done:
		return
	default:
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(30 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
	}
}

// kill9 ends the instance at once, without any cleanup.
func (in *instance) kill9() {
	_ = in.cmd.Process.Kill()
	<-in.done
}

// cli runs an admin command against the instance's database.
func cli(t testing.TB, dsn, stdin string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), append(args, "--db", dsn)...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cloudgate %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// client is shared by every test: keep-alive connections to each instance.
var client = &http.Client{
	Timeout:   15 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
}

const accept = "application/json;version=39.0"

func do(in *instance, method, path, token string, hdr map[string]string) (*http.Response, []byte, error) {
	req, err := http.NewRequest(method, in.url+path, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", accept)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// get returns the status of GET path (0 when the request failed).
func get(in *instance, path, token string) (int, []byte) {
	resp, body, err := do(in, http.MethodGet, path, token, nil)
	if err != nil {
		return 0, nil
	}
	return resp.StatusCode, body
}

// current is GET /cloudapi/1.0.0/sessions/current: token validation.
func current(in *instance, token string) int {
	code, _ := get(in, "/cloudapi/1.0.0/sessions/current", token)
	return code
}

// session is a login's outcome.
type session struct {
	token string
	id    string // urn:vcloud:session:...
}

// login logs user@org in on in; code is the HTTP status (0: no answer).
func login(in *instance, user, org, password string) (session, int, error) {
	s, code, _, err := loginHeader(in, user, org, password)
	return s, code, err
}

// loginHeader is login that also returns the response's header.
func loginHeader(in *instance, user, org, password string) (session, int, http.Header, error) {
	path := "/cloudapi/1.0.0/sessions"
	if org == "System" {
		path += "/provider"
	}
	req, err := http.NewRequest(http.MethodPost, in.url+path, nil)
	if err != nil {
		return session{}, 0, nil, err
	}
	req.Header.Set("Accept", accept)
	req.SetBasicAuth(user+"@"+org, password)
	resp, err := client.Do(req)
	if err != nil {
		return session{}, 0, nil, err
	}
	defer resp.Body.Close()
	var body struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return session{}, resp.StatusCode, resp.Header, fmt.Errorf("login %s@%s on %s: %s", user, org, in.name, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return session{}, resp.StatusCode, resp.Header, err
	}
	return session{token: resp.Header.Get("X-VMWARE-VCLOUD-ACCESS-TOKEN"), id: body.ID}, resp.StatusCode, resp.Header, nil
}

func mustLogin(t testing.TB, in *instance, user, org string) session {
	t.Helper()
	pw := userPassword
	if org == "System" {
		pw = adminPassword
	}
	s, _, err := login(in, user, org, pw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// del sends DELETE path and returns the status (0: no answer).
func del(in *instance, path, token string) int {
	resp, _, err := do(in, http.MethodDelete, path, token, nil)
	if err != nil {
		return 0
	}
	return resp.StatusCode
}

// wantStatus asserts the validation status of token on each instance.
func wantStatus(t testing.TB, token string, want int, ins ...*instance) {
	t.Helper()
	for _, in := range ins {
		if got := current(in, token); got != want {
			t.Fatalf("GET sessions/current on %s = %d, want %d", in.name, got, want)
		}
	}
}

// refusedWithin waits until every instance refuses token (401) and returns
// how long the slowest took; it fails the test after limit.
func refusedWithin(t testing.TB, token string, limit time.Duration, ins ...*instance) time.Duration {
	t.Helper()
	start := time.Now()
	var slowest time.Duration
	for _, in := range ins {
		for {
			code := current(in, token)
			if code == http.StatusUnauthorized {
				break
			}
			if code != http.StatusOK {
				t.Fatalf("GET sessions/current on %s = %d while waiting for refusal", in.name, code)
			}
			if time.Since(start) > limit {
				t.Fatalf("instance %s still accepts the revoked session after %v", in.name, limit)
			}
			time.Sleep(time.Millisecond)
		}
		slowest = max(slowest, time.Since(start))
	}
	return slowest
}

// execSQL runs one statement on the test's own database.
func execSQL(t testing.TB, dsn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
