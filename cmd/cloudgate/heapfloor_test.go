package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
)

func TestHeapBallastStandsAsideForTheOperator(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"nothing set", nil, true},
		{"GOGC set", map[string]string{"GOGC": "200"}, false},
		{"GOGC off", map[string]string{"GOGC": "off"}, false},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := heapBallast(func(k string) string { return tc.env[k] })
			if got := b != nil; got != tc.want {
				t.Fatalf("ballast made: %v, want %v", got, tc.want)
			}
			if b != nil && len(b) != ballastBytes {
				t.Fatalf("ballast of %d bytes, want %d", len(b), ballastBytes)
			}
		})
	}
}

// The ballast lifts the collector's goal by twice its size.
func TestBallastLiftsTheHeapGoal(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set in this environment: the goal follows it")
	}
	b := heapBallast(func(string) string { return "" })
	runtime.GC()
	goal := heapGoal()
	runtime.KeepAlive(b)
	if goal < 2*ballastBytes {
		t.Errorf("heap goal %d MiB with the ballast, want at least %d MiB", goal>>20, 2*ballastBytes>>20)
	}
}

// serve's ballast adds no resident memory: its pages are never touched,
// and it is made before startup frees anything it could be laid over. The
// same server with GOGC set (no ballast) is the reference.
func TestServeBallastCostsNoMemory(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT is set in this environment: serve makes no ballast")
	}
	bin := buildBinary(t)
	with := startServe(t, bin, t.TempDir())
	without := startServeEnv(t, bin, t.TempDir(), []string{"GOGC=100"})
	for _, p := range []*proc{with, without} {
		if code, _ := p.do(t, "GET", "/healthz", nil); code != 200 {
			t.Fatalf("/healthz: %d", code)
		}
	}
	a, b := residentOf(t, with.cmd.Process.Pid), residentOf(t, without.cmd.Process.Pid)
	t.Logf("resident: %d KiB with the ballast, %d KiB without", a>>10, b>>10)
	if a > b+ballastBytes/4 {
		t.Errorf("serve with its %d MiB ballast is %d KiB more resident than without", ballastBytes>>20, (a-b)>>10)
	}
}

func heapGoal() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func residentOf(t *testing.T, pid int) uint64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading the server's resident memory: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS: %q", v)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}
