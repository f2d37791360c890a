package seed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "seed.yaml")
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	// The exact form the README documents.
	f, err := Load(write(`orgs:
  - name: acme
    fullName: Acme Corporation
    users:
      - name: alice
        password: Alice-pass-1
        role: Organization Administrator
      - name: bob
        password: Bob-pass-1
        role: vApp Author
`))
	if err != nil || len(f.Orgs) != 1 || len(f.Orgs[0].Users) != 2 || f.Orgs[0].FullName != "Acme Corporation" {
		t.Fatalf("Load = %+v, %v", f, err)
	}
	for _, tc := range []struct{ body, err string }{
		{"orgs:\n  - name: acme\n    fullname: typo\n", "field fullname not found"},
		{"orgs:\n  - fullName: nameless\n", "has no name"},
		{"orgs:\n  - name: a\n    users:\n      - name: u\n        role: r\n", "password and role are required"},
		{"orgs: [", "did not find expected"},
	} {
		if _, err := Load(write(tc.body)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: %v, want an error with %q", tc.body, err, tc.err)
		}
	}
	if f, err := Load(write("")); err != nil || len(f.Orgs) != 0 {
		t.Errorf("empty file: %+v %v", f, err)
	}
}
