package main

import (
	"flag"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden help files under testdata/help")

// paths lists the path of every command of the table (root first).
func paths(c *command, path []string) [][]string {
	out := [][]string{append([]string(nil), path...)}
	for _, s := range c.sub {
		out = append(out, paths(s, append(append([]string(nil), path...), s.name))...)
	}
	return out
}

// TestHelpOfEveryCommand: "CMD -h", "CMD --help" and "help CMD" print the
// same text on stdout and exit 0, for every command of the table, groups
// and nested ones included; the text is the golden file's.
func TestHelpOfEveryCommand(t *testing.T) {
	all := paths(commands(), nil)
	if len(all) < 30 {
		t.Fatalf("only %d commands in the table", len(all))
	}
	for _, p := range all {
		name := strings.Join(p, " ")
		if name == "" {
			name = "cloudgate"
		}
		t.Run(name, func(t *testing.T) {
			var texts []string
			for _, args := range [][]string{append(append([]string(nil), p...), "-h"), append(append([]string(nil), p...), "--help"),
				append([]string{"help"}, p...)} {
				r := run(t, nil, "", args...)
				if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, "usage: cloudgate") {
					t.Fatalf("%q: exit %d, stdout %q, stderr %q; want exit 0 and the help on stdout", args, r.code, r.stdout, r.stderr)
				}
				texts = append(texts, r.stdout)
			}
			if texts[0] != texts[1] || texts[0] != texts[2] {
				t.Fatalf("-h, --help and help differ:\n%s\n---\n%s\n---\n%s", texts[0], texts[1], texts[2])
			}
			golden := filepath.Join("testdata", "help", strings.ReplaceAll(name, " ", "_")+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(texts[0]), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/cloudgate -run TestHelpOfEveryCommand -update)", err)
			}
			if texts[0] != string(want) {
				t.Fatalf("help differs from %s (go test -update rewrites it):\n%s", golden, texts[0])
			}
		})
	}
	// The top level with no command: the same help, on stderr, exit 2.
	r := run(t, nil, "")
	top := run(t, nil, "", "help")
	if r.code != 2 || !strings.Contains(r.stderr, strings.TrimRight(top.stdout, "\n")) {
		t.Fatalf("no command: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestExitCodes: 0 success, 1 failure, 2 misuse, for every family of
// commands.
func TestExitCodes(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"CLOUDGATE_DATA": data}
	if r := run(t, env, "", "org", "create", "acme"); r.code != 0 {
		t.Fatalf("org create: %+v", r)
	}
	const missing = "urn:vcloud:serviceAccount:00000000-0000-0000-0000-000000000001"
	for _, tc := range []struct {
		args []string
		code int
		want string // in stdout (0) or stderr
	}{
		{[]string{"org", "list"}, 0, "acme"},
		{[]string{"org", "enable", "--org", "nowhere"}, 1, "does not exist"},
		{[]string{"org", "enable"}, 2, "--org is required"},
		{[]string{"org", "service", "list", "--org", "acme"}, 0, "acme"},
		{[]string{"org", "service", "remove", "--org", "acme", "nosuch"}, 1, "has no service nosuch"},
		{[]string{"org", "service", "add", "--org", "acme"}, 2, "wrong number of arguments"},
		{[]string{"user", "list", "--org", "acme"}, 0, "ORG"},
		{[]string{"user", "unlock", "--org", "acme", "zed"}, 1, "does not exist"},
		{[]string{"user", "unlock", "--org", "acme", "zed", "extra"}, 2, "wrong number of arguments"},
		{[]string{"token", "list"}, 0, "OWNER"},
		{[]string{"token", "revoke", "urn:vcloud:token:00000000-0000-0000-0000-000000000001"}, 1, "does not exist"},
		{[]string{"token", "revoke", "not-an-id"}, 2, "is not a token id"},
		{[]string{"serviceaccount", "list"}, 0, "STATUS"},
		{[]string{"serviceaccount", "revoke", missing}, 1, "does not exist"},
		{[]string{"serviceaccount", "show"}, 2, "wrong number of arguments"},
		{[]string{"session", "list", "--org", "acme"}, 0, "DIALECT"},
		{[]string{"session", "end", "00000000-0000-0000-0000-000000000001"}, 1, "could not be ended"},
		{[]string{"session", "list", "--user", "bob"}, 2, "--user needs --org"},
		{[]string{"settings", "list"}, 0, "session-idle-timeout"},
		{[]string{"settings", "set", "session-idle-timeout", "1s"}, 1, "must be between"},
		{[]string{"settings", "set", "colour", "blue"}, 2, "unknown setting"},
		{[]string{"version"}, 0, "cloudgate "},
		{[]string{"version", "extra"}, 2, "wrong number of arguments"},
		{[]string{"serve", "--data", filepath.Join(data, "other"), "--listen", "256.0.0.1:99999"}, 1, "listen"},
		{[]string{"serve", "--max-stale", "-1s"}, 2, "--max-stale must not be negative"},
		{[]string{"help", "nosuch"}, 2, "unknown command"},
		{[]string{"nosuch"}, 2, `unknown command "nosuch"`},
		{[]string{"org", "list", "--frob"}, 2, "flag provided but not defined"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := run(t, env, "", tc.args...)
			got := r.stderr
			if tc.code == 0 {
				got = r.stdout
			}
			if r.code != tc.code || !strings.Contains(got, tc.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d with %q", r.code, r.stdout, r.stderr, tc.code, tc.want)
			}
		})
	}
}

// TestOrgConvention: --org names the org in every command; the older form
// with the org as first argument still works; giving it twice is misuse.
func TestOrgConvention(t *testing.T) {
	env := map[string]string{"CLOUDGATE_DATA": t.TempDir()}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"org", "create", "--org", "acme"}, 0, "created org acme"},
		{[]string{"org", "create", "globex"}, 0, "created org globex"},
		{[]string{"user", "create", "--org", "acme", "carol", "--role", "vApp Author"}, 0, "created user carol@acme"},
		{[]string{"user", "create", "globex", "dave", "--role", "vApp Author"}, 0, "created user dave@globex"},
		{[]string{"user", "create", "--org", "acme", "acme", "erin", "--role", "vApp Author"}, 2, "the org is given by --org"},
		{[]string{"user", "list", "--org", "acme"}, 0, "carol"},
		{[]string{"user", "list", "globex"}, 0, "dave"},
		{[]string{"user", "list", "--org", "acme", "globex"}, 2, "given twice"},
		{[]string{"user", "disable", "--org", "acme", "carol"}, 0, "user carol@acme disabled"},
		{[]string{"org", "disable", "--org", "globex"}, 0, "org globex disabled"},
		{[]string{"org", "enable", "globex"}, 0, "org globex enabled"},
		{[]string{"org", "service", "add", "--org", "acme", "svc-2"}, 0, "added service svc-2 to org acme"},
		{[]string{"org", "service", "list", "--org", "acme"}, 0, "svc-2"},
		{[]string{"token", "list", "--org", "acme"}, 0, "OWNER"},
		{[]string{"session", "list", "--org", "acme"}, 0, "DIALECT"},
		{[]string{"serviceaccount", "list", "--org", "acme"}, 0, "STATUS"},
	} {
		r := run(t, env, "Carol-pass-123\n", tc.args...)
		got := r.stderr
		if tc.code == 0 {
			got = r.stdout
		}
		if r.code != tc.code || !strings.Contains(got, tc.want) {
			t.Fatalf("%q: exit %d, stdout %q, stderr %q; want exit %d with %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.want)
		}
	}
	// CLOUDGATE_ORG stands in for --org, as for every flag.
	env["CLOUDGATE_ORG"] = "acme"
	if r := run(t, env, "", "user", "list"); r.code != 0 || !strings.Contains(r.stdout, "carol") || strings.Contains(r.stdout, "dave") {
		t.Fatalf("user list with CLOUDGATE_ORG: %+v", r)
	}
}

// TestServeValidatesBeforeOpening: a bad flag is reported (exit 2) before
// the database is opened or any file is written in the data directory.
func TestServeValidatesBeforeOpening(t *testing.T) {
	for _, args := range [][]string{
		{"--max-stale", "-1s"},
		{"--hash-workers", "65"},
		{"--dialects", "vcd,nosuch"},
		{"--trusted-proxies", "not-a-cidr"},
		{"--log-level", "loud"},
		{"--tls-cert", "x.pem"},
		{"--public-url", "ftp://x"},
		{"--listen", "no-port"},
		{"--debug-listen", "0.0.0.0:6060"},
		{"--metrics-listen", "no-port"},
	} {
		data := filepath.Join(t.TempDir(), "data")
		r := run(t, nil, "", append([]string{"serve", "--data", data}, args...)...)
		if r.code != 2 {
			t.Errorf("serve %q: exit %d, stderr %q; want 2", args, r.code, r.stderr)
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("serve %q wrote into the data directory before validating (%v)", args, err)
		}
	}
	// CLOUDGATE_ADMIN_PASSWORD is validated too.
	data := filepath.Join(t.TempDir(), "data")
	r := run(t, map[string]string{"CLOUDGATE_ADMIN_PASSWORD": "short"}, "", "serve", "--data", data)
	if r.code != 2 || !strings.Contains(r.stderr, "CLOUDGATE_ADMIN_PASSWORD") {
		t.Fatalf("short admin password: %+v", r)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("the data directory was written (%v)", err)
	}
}

func TestVersion(t *testing.T) {
	r := run(t, nil, "", "version")
	r2 := run(t, nil, "", "--version")
	if r.code != 0 || r.stdout != r2.stdout || !strings.HasPrefix(r.stdout, "cloudgate "+buildVersion()) || !strings.Contains(r.stdout, " go1.") {
		t.Fatalf("version: %+v / %+v", r, r2)
	}
}

func TestVersionFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.2", Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123abcd"},
		{Key: "vcs.time", Value: "2026-12-03T12:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := formatVersion("v1.2.3", bi), "cloudgate v1.2.3 (commit 0123abcd, modified, 2026-12-03T12:00:00Z) go1.26.2"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	bi.Settings = nil
	if got, want := formatVersion("v1.2.3", bi), "cloudgate v1.2.3 go1.26.2"; got != want {
		t.Fatalf("without VCS: got %q, want %q", got, want)
	}
}
