package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionOfACheckoutBuild builds the real binary from this git checkout
// with VCS stamping on (this machine's GOFLAGS turns it off by default, so
// the other version tests only see synthetic build information) and checks
// that `version` names the checkout's commit.
func TestVersionOfACheckoutBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	git, err := exec.LookPath("git")
	var head []byte
	if err == nil {
		head, err = exec.Command(git, "rev-parse", "HEAD").Output()
	}
	if err != nil {
		// A copy of the sources outside git (a module download) has no
		// commit to report. CI always runs in a clone, so there it fails.
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run in a git checkout with git installed: %v", err)
		}
		t.Skipf("SKIPPED LOUDLY: not a git checkout or no git (%v); the commit in `version` is untested here", err)
	}
	rev := strings.TrimSpace(string(head))
	bin := filepath.Join(t.TempDir(), "cloudgate")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("cloudgate version: %v", err)
	}
	line := strings.TrimSpace(string(out))
	if !strings.HasPrefix(line, "cloudgate ") || !strings.Contains(line, "(commit "+rev) || !strings.Contains(line, " go1.") {
		t.Fatalf("version of a build of commit %s: %q", rev, line)
	}
	// go build in a checkout records a pseudo-version or (devel); either
	// way the line must not claim a release it is not.
	if strings.Contains(line, "cloudgate v") && !strings.Contains(line, rev[:12]) {
		t.Fatalf("a checkout build reports a release version: %q", line)
	}
}
