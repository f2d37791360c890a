package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeysCommands(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"CLOUDGATE_DATA": data}
	if r := run(t, env, "", "keys"); r.code != 2 || !strings.Contains(r.stderr, "usage: cloudgate keys") {
		t.Fatalf("keys without subcommand: %+v", r)
	}
	r := run(t, env, "", "keys", "rotate")
	if r.code != 0 || !strings.Contains(r.stdout, "added signing key") || !strings.Contains(r.stdout, "signing") {
		t.Fatalf("first rotate: %+v", r)
	}
	// The secret was made on first use, readable by its owner only.
	if fi, err := os.Stat(filepath.Join(data, "signing-secret")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("signing-secret: %v %v", fi, err)
	}
	// A second key is published at once but signs only after the
	// activation delay; the first keeps signing.
	r = run(t, env, "", "keys", "rotate")
	if r.code != 0 {
		t.Fatalf("second rotate: %+v", r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.Contains(lines[2], "published") || !strings.Contains(lines[3], "signing") {
		t.Fatalf("after the second rotate:\n%s", r.stdout)
	}
	// Another secret opens neither key.
	other := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(other, []byte(strings.Repeat("z", 40)), 0o600)
	r = run(t, env, "", "keys", "list", "--signing-secret-file", other)
	if r.code != 0 || strings.Count(r.stdout, "sealed with another secret") != 2 {
		t.Fatalf("list with another secret: %+v", r)
	}
	os.WriteFile(other, []byte("short"), 0o600)
	if r := run(t, env, "", "keys", "list", "--signing-secret-file", other); r.code != 1 || !strings.Contains(r.stderr, "at least 32") {
		t.Fatalf("short secret: %+v", r)
	}
}
