package bench

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
)

// The bare references run in a process of their own (this test binary,
// started again with CLOUDGATE_BENCH_REFERENCE set), so that their CPU time
// per request is read from /proc exactly as cloudgate's is, and the test's
// own goroutines are not counted against either.
const (
	refEnv   = "CLOUDGATE_BENCH_REFERENCE" // "validation", "exchange", "durable-exchange" or "login"
	refToken = "CLOUDGATE_BENCH_REFERENCE_TOKEN"
	refBody  = "CLOUDGATE_BENCH_REFERENCE_BODY" // base64
	// refProfile names a file for the reference's CPU profile.
	refProfile = "CLOUDGATE_BENCH_REFERENCE_CPUPROFILE"
)

func TestMain(m *testing.M) {
	if kind := os.Getenv(refEnv); kind != "" {
		os.Exit(serveReference(kind))
	}
	os.Exit(m.Run())
}

// serveReference serves one bare reference on a loopback port until its
// standard input closes.
func serveReference(kind string) int {
	var h http.Handler
	switch kind {
	case "validation":
		body, err := base64.StdEncoding.DecodeString(os.Getenv(refBody))
		if err != nil {
			fmt.Fprintln(os.Stderr, "reference body:", err)
			return 2
		}
		h = BareValidation(os.Getenv(refToken), body)
	case "exchange":
		h = BareExchange(os.Getenv(refToken))
	case "durable-exchange":
		log, err := os.CreateTemp("", "cloudgate-bare-exchange-*.log")
		if err != nil {
			fmt.Fprintln(os.Stderr, "reference log:", err)
			return 1
		}
		defer os.Remove(log.Name())
		defer log.Close()
		h = BareDurableExchange(os.Getenv(refToken), log)
	case "login":
		body, err := base64.StdEncoding.DecodeString(os.Getenv(refBody))
		if err != nil {
			fmt.Fprintln(os.Stderr, "reference body:", err)
			return 2
		}
		h = BareLogin(os.Getenv(refToken), secret.HashPassword(password, secret.DefaultParams()), body)
	default:
		fmt.Fprintf(os.Stderr, "unknown reference %q\n", kind)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("reference listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	if p := os.Getenv(refProfile); p != "" {
		// For comparing profiles with cloudgate's (--debug-listen).
		f, err := os.Create(p)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	io.Copy(io.Discard, os.Stdin) // the parent closes it (or dies)
	return 0
}

// referenceProcess starts a bare reference as its own process and returns
// its base URL and process id.
func referenceProcess(t *testing.T, kind, token string, body []byte) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), refEnv+"="+kind, refToken+"="+token, refBody+"="+base64.StdEncoding.EncodeToString(body))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	re := regexp.MustCompile(`reference listening on (http://[0-9.:]+)`)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return m[1], cmd.Process.Pid
		}
	}
	t.Fatalf("reference %s did not start", kind)
	return "", 0
}
