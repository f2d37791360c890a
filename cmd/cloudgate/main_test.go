package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

type result struct {
	code           int
	stdout, stderr string
}

// run runs the program in-process with args, stdin and an environment.
func run(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }}
	code := a.run(context.Background(), args)
	return result{code, out.String(), errb.String()}
}

func TestAdminCommands(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"CLOUDGATE_DATA": data} // flags fall back to the environment
	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		code   int
		output string // substring of stdout (code 0) or stderr
	}{
		{"no command", "", nil, 2, "usage: cloudgate"},
		{"unknown command", "", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"org without subcommand", "", []string{"org"}, 2, "usage: cloudgate org"},
		{"unknown org subcommand", "", []string{"org", "explode"}, 2, `unknown command "explode" for "cloudgate org"`},
		{"create org", "", []string{"org", "create", "acme", "--full-name", "Acme Corporation"}, 0, "created org acme"},
		{"duplicate org (any case)", "", []string{"org", "create", "ACME"}, 1, "already exists"},
		{"bad org name", "", []string{"org", "create", "a b"}, 1, "may contain only"},
		{"too many arguments", "", []string{"org", "create", "x", "y"}, 2, "wrong number of arguments"},
		{"unknown flag", "", []string{"org", "list", "--frob"}, 2, "flag provided but not defined"},
		{"list orgs", "", []string{"org", "list"}, 0, "Acme Corporation"},
		{"user create needs a role", "", []string{"user", "create", "acme", "carol"}, 2, "--role is required"},
		{"user create needs a password on stdin", "", []string{"user", "create", "acme", "carol", "--role", "vApp Author"}, 2, "no password on standard input"},
		{"password too short", "short\n", []string{"user", "create", "acme", "carol", "--role", "vApp Author"}, 1, "at least 12"},
		{"unknown role", "Carol-pass-123\n", []string{"user", "create", "acme", "carol", "--role", "Wizard"}, 1, "role Wizard does not exist"},
		{"unknown org", "Carol-pass-123\n", []string{"user", "create", "nowhere", "carol", "--role", "vApp Author"}, 1, "organization nowhere does not exist"},
		{"create user", "Carol-pass-123\n", []string{"user", "create", "acme", "carol", "--role", "vApp Author"}, 0, "created user carol@acme"},
		{"list users", "", []string{"user", "list", "acme"}, 0, "carol"},
		{"disable user", "", []string{"user", "disable", "acme", "carol"}, 0, "user carol@acme disabled"},
		{"unknown user", "", []string{"user", "disable", "acme", "zed"}, 1, "user zed in acme does not exist"},
		{"set password", "Carol-pass-456\n", []string{"user", "set-password", "acme", "carol"}, 0, "password of carol@acme changed"},
		{"unlock", "", []string{"user", "unlock", "acme", "carol"}, 0, "unlocked"},
		{"set lockout", "", []string{"org", "set-lockout", "acme", "--attempts", "5", "--interval", "30m"}, 0, "after 5 failures for 30 minutes"},
		{"bad lockout", "", []string{"org", "set-lockout", "acme", "--attempts", "0"}, 1, "must be 1-100"},
		{"set a setting", "", []string{"settings", "set", "session-idle-timeout", "45m"}, 0, "session-idle-timeout = 45m"},
		{"bad setting value", "", []string{"settings", "set", "session-idle-timeout", "forever"}, 1, "not a duration"},
		{"setting out of range", "", []string{"settings", "set", "session-idle-timeout", "1s"}, 1, "must be between"},
		{"unknown setting", "", []string{"settings", "set", "colour", "blue"}, 2, `unknown setting "colour"`},
		{"list settings", "", []string{"settings", "list"}, 0, "session-idle-timeout  45m"},
		{"disable System", "", []string{"org", "disable", "System"}, 1, "cannot be disabled"},
		{"bad db scheme", "", []string{"org", "list", "--db", "mysql://x"}, 1, "unknown scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, env, tc.stdin, tc.args...)
			got := r.stderr
			if tc.code == 0 {
				got = r.stdout
			}
			if r.code != tc.code || !strings.Contains(got, tc.output) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d with %q", r.code, r.stdout, r.stderr, tc.code, tc.output)
			}
			if strings.Contains(r.stdout+r.stderr, "Carol-pass") {
				t.Fatal("a password was echoed")
			}
		})
	}
}

// Admin commands change the store a running server uses; the server applies
// the changes from the change feed within seconds.
func TestCommandsReachRunningServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	srv := testserver.Start(t, testserver.WithDSN("sqlite://"+path))
	bob := testclient.New(t, srv)
	bob.Login("bob", testserver.Password, "acme")
	status := func() int {
		return bob.Do("GET", "/cloudapi/1.0.0/sessions/current", "", "Accept", "application/json;version=37.0").Status
	}
	if got := status(); got != 200 {
		t.Fatalf("before: %d", got)
	}
	if r := run(t, nil, "", "user", "disable", "acme", "bob", "--db", "sqlite://"+path); r.code != 0 {
		t.Fatalf("disable: %+v", r)
	}
	deadline := time.Now().Add(5 * time.Second)
	for status() != 401 {
		if time.Now().After(deadline) {
			t.Fatal("the running server still accepts a session of a user disabled from the command line")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A setting changed from the command line applies too.
	if r := run(t, nil, "", "settings", "set", "session-idle-timeout", "7m", "--db", "sqlite://"+path); r.code != 0 {
		t.Fatalf("settings: %+v", r)
	}
	for srv.Server.Settings().Get().IdleTimeout != 7*time.Minute {
		if time.Now().After(deadline.Add(5 * time.Second)) {
			t.Fatal("the running server did not pick up the new idle timeout")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
