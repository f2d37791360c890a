package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Private is a PostgreSQL server of one test, in a temporary directory on a
// free loopback port, that the test may stop (even crash) and start again
// without disturbing anyone else.
type Private struct {
	tb      testing.TB
	bin     string
	dir     string // owned by the server's OS user
	data    string
	port    int
	asOther string // OS user to run the server as ("" = the current one)
}

// StartPrivate initialises and starts a private server; it is stopped and
// removed when the test ends. Running as root, the server runs as the
// "postgres" OS user (PostgreSQL refuses to run as root).
func StartPrivate(tb testing.TB) *Private {
	tb.Helper()
	bin := findBin()
	if bin == "" {
		Unavailable(tb, "no PostgreSQL server binaries (initdb, pg_ctl) found")
	}
	p := &Private{tb: tb, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			Unavailable(tb, "running as root and there is no postgres OS user to run a server as")
		}
		p.asOther = "postgres"
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		dir, err := os.MkdirTemp("", "cloudgate-pg-")
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			_ = os.RemoveAll(dir) // best effort before failing the test
			tb.Fatal(err)
		}
		p.dir = dir
	} else {
		dir, err := os.MkdirTemp("", "cloudgate-pg-")
		if err != nil {
			tb.Fatal(err)
		}
		p.dir = dir
	}
	p.data = filepath.Join(p.dir, "data")
	p.port = freePort(tb)
	tb.Cleanup(func() {
		_ = p.run("pg_ctl", "-D", p.data, "-m", "immediate", "-w", "stop")
		_ = os.RemoveAll(p.dir) // best effort: a temporary directory
	})
	if err := p.run("initdb", "-D", p.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"); err != nil {
		tb.Fatalf("pgtest: initdb: %v", err)
	}
	p.Start()
	return p
}

// DSN is the DSN of the server's "postgres" database.
func (p *Private) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// NewDatabase creates a fresh database on the private server.
func (p *Private) NewDatabase(tb testing.TB) string { return newDatabaseOn(tb, p.DSN()) }

// Start starts the server and waits until it accepts connections.
func (p *Private) Start() {
	p.tb.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=32MB -c fsync=on", p.port, p.dir)
	if err := p.run("pg_ctl", "-D", p.data, "-l", filepath.Join(p.dir, "server.log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "server.log"))
		p.tb.Fatalf("pgtest: starting the private server: %v\n%s", err, log)
	}
}

// Crash stops the server as a power cut would (no shutdown checkpoint):
// what it acknowledged must come back from the WAL.
func (p *Private) Crash() { p.stop("immediate") }

// Stop shuts the server down cleanly, ending every connection.
func (p *Private) Stop() { p.stop("fast") }

func (p *Private) stop(mode string) {
	p.tb.Helper()
	if err := p.run("pg_ctl", "-D", p.data, "-m", mode, "-w", "-t", "60", "stop"); err != nil {
		p.tb.Fatalf("pgtest: stopping the private server: %v", err)
	}
}

func (p *Private) run(name string, args ...string) error {
	path := filepath.Join(p.bin, name)
	var cmd *exec.Cmd
	if p.asOther != "" {
		cmd = exec.Command("runuser", append([]string{"-u", p.asOther, "--", path}, args...)...) // #nosec G204 -- test helper: PostgreSQL's own tools with the test's arguments
	} else {
		cmd = exec.Command(path, args...) // #nosec G204 -- test helper: PostgreSQL's own tools with the test's arguments
	}
	cmd.Dir = p.dir
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s timed out", name)
	}
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", name, err, out)
	}
	return nil
}

// findBin returns the directory of the newest installed server binaries.
func findBin() string {
	if v := os.Getenv("CLOUDGATE_TEST_PG_BIN"); v != "" {
		return v
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := string(out[:len(out)-1])
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[len(matches)-1])
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
