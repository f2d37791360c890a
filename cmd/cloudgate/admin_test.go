package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

// runArgs runs a command in-process and returns its exit status and output.
func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	code := a.run(context.Background(), args)
	return code, out.String(), errOut.String()
}

// shared starts a server on a database file the commands open too, as an
// operator's commands open a running server's store.
func shared(t *testing.T) (*testserver.Server, string) {
	t.Helper()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "cloudgate.db")
	return testserver.Start(t, testserver.WithDSN(dsn)), dsn
}

func status(t *testing.T, srv *testserver.Server, method, path string, header ...string) (int, []byte) {
	t.Helper()
	r := testclient.New(t, srv).Do(method, path, "", header...)
	return r.Status, r.Body
}

func vssToken(t *testing.T, srv *testserver.Server, userAtOrg string) string {
	t.Helper()
	r := testclient.New(t, srv).Do(http.MethodPost, "/auth/request-token", "", "Authorization", testclient.Basic(userAtOrg, testserver.Password))
	var body struct{ Token string }
	if err := r.JSON(&body); err != nil || body.Token == "" {
		t.Fatalf("request-token %s: %d", userAtOrg, r.Status)
	}
	return body.Token
}

var uuidRE = regexp.MustCompile(`(?m)^([0-9a-f-]{36})\s`)

func TestSessionCommands(t *testing.T) {
	srv, dsn := shared(t)
	bob := vssToken(t, srv, "bob@acme")
	vssToken(t, srv, "alice@acme")
	vssToken(t, srv, "dave@globex")

	code, out, errOut := runArgs(t, "session", "list", "--db", dsn)
	if code != 0 || strings.Count(out, "\n") != 4 || !regexp.MustCompile(`acme\s+bob\s+vss`).MatchString(out) || !regexp.MustCompile(`globex\s+dave`).MatchString(out) {
		t.Fatalf("list: %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runArgs(t, "session", "list", "--org", "acme", "--user", "bob", "--db", dsn)
	ids := uuidRE.FindAllStringSubmatch(out, -1)
	if code != 0 || len(ids) != 1 || !strings.Contains(out, " vss ") {
		t.Fatalf("list bob: %d\n%s", code, out)
	}
	bobID := ids[0][1]
	code, out, _ = runArgs(t, "session", "list", "--filter", "org.name==globex", "--db", dsn)
	if code != 0 || len(uuidRE.FindAllString(out, -1)) != 1 || !strings.Contains(out, "dave") {
		t.Fatalf("list --filter: %d\n%s", code, out)
	}
	code, out, _ = runArgs(t, "session", "list", "--limit", "1", "--db", dsn)
	if code != 0 || len(uuidRE.FindAllString(out, -1)) != 1 || !strings.Contains(out, "(1 of 3 shown") {
		t.Fatalf("list --limit: %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"session", "list", "--user", "bob"},
		{"session", "list", "--filter", "nosuch==1"},
		{"session", "list", "--limit", "-1"},
		{"session", "end"},
		{"session", "end", "not-an-id"},
		{"session", "bogus"},
		{"session"},
	} {
		if code, _, _ := runArgs(t, append(args, "--db", dsn)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errOut := runArgs(t, "session", "list", "--org", "nosuch", "--db", dsn); code != 1 || !strings.Contains(errOut, "nosuch") {
		t.Errorf("unknown org: %d %s", code, errOut)
	}

	// Ending bob's session: the running server refuses its token once it
	// has read the change feed (it polls the store; poll until it has).
	code, out, _ = runArgs(t, "session", "end", "urn:vcloud:session:"+bobID, "--db", dsn)
	if code != 0 || !strings.Contains(out, bobID+" ended") {
		t.Fatalf("end: %d %s", code, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := status(t, srv, "GET", "/v2/session", "Authorization", "Bearer "+bob)
		if st == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server still accepts the ended session: %d", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, _, errOut = runArgs(t, "session", "end", bobID, "--db", dsn)
	if code != 1 || !strings.Contains(errOut, "does not exist or has already ended") {
		t.Fatalf("end again: %d %s", code, errOut)
	}
}

func TestOrgServiceCommands(t *testing.T) {
	srv, dsn := shared(t)
	code, out, errOut := runArgs(t, "org", "service", "list", "--db", dsn)
	if code != 0 || !regexp.MustCompile(`(?m)^acme\s+acme\s+compute:vpc\s+default\s+acme\s`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^globex\s+globex\s`).MatchString(out) || strings.Contains(out, "System") {
		t.Fatalf("list: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runArgs(t, "org", "service", "add", "acme", "example-1101-130711-1", "--region", "US - Las Vegas",
		"--type", "compute:dedicatedcloud", "--vdc", "VDC12345-6789", "--vdc", "spare", "--db", dsn)
	if code != 0 || !strings.Contains(out, "VDC12345-6789,spare") {
		t.Fatalf("add: %d %s %s", code, out, errOut)
	}
	// A running server lists it at once (services are read per request).
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/vchs/sessions", nil)
	req.SetBasicAuth("bob@acme", testserver.Password)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, body := status(t, srv, "GET", "/api/vchs/services", "x-vchs-authorization", resp.Header.Get("x-vchs-authorization"))
	if !strings.Contains(string(body), `region="US - Las Vegas" serviceId="example-1101-130711-1" serviceType="compute:dedicatedcloud"`) {
		t.Fatalf("services after add: %s", body)
	}
	code, out, _ = runArgs(t, "org", "service", "list", "acme", "--db", dsn)
	if code != 0 || strings.Count(out, "\n") != 3 || strings.Contains(out, "globex") {
		t.Fatalf("list acme: %d\n%s", code, out)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"org", "service", "add", "acme", "EXAMPLE-1101-130711-1"}, 1}, // taken, in any case
		{[]string{"org", "service", "add", "acme", "bad name"}, 1},
		{[]string{"org", "service", "add", "acme", "x", "--type", "storage"}, 1},
		{[]string{"org", "service", "add", "nosuch", "x"}, 1},
		{[]string{"org", "service", "add", "acme"}, 2},
		{[]string{"org", "service", "remove", "acme", "nosuch"}, 1},
		{[]string{"org", "service", "frobnicate"}, 2},
		{[]string{"org", "service"}, 2},
	} {
		if code, _, errOut := runArgs(t, append(tc.args, "--db", dsn)...); code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errOut)
		}
	}
	code, out, _ = runArgs(t, "org", "service", "remove", "acme", "Example-1101-130711-1", "--db", dsn)
	if code != 0 || !strings.Contains(out, "removed service example-1101-130711-1") {
		t.Fatalf("remove: %d %s", code, out)
	}
	code, out, _ = runArgs(t, "org", "service", "list", "acme", "--db", dsn)
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Fatalf("after remove: %s", out)
	}
	// A new org comes with its default service.
	if code, _, errOut := runArgs(t, "org", "create", "initech", "--db", dsn); code != 0 {
		t.Fatalf("org create: %s", errOut)
	}
	code, out, _ = runArgs(t, "org", "service", "list", "initech", "--db", dsn)
	if code != 0 || !regexp.MustCompile(`(?m)^initech\s+initech\s+compute:vpc\s+default\s+initech\s`).MatchString(out) {
		t.Fatalf("initech: %s", out)
	}
}
