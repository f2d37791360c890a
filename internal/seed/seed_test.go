package seed

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
)

func newDirectory(t *testing.T) *identity.Directory {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seed.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := secret.NewHasher(secret.HasherConfig{Params: secret.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, Workers: 1})
	t.Cleanup(func() { h.Close(); st.Close() })
	dir := identity.New(identity.Config{Store: st, Hasher: h})
	if err := dir.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeSeed(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// services: absent gives the default service; a list gives exactly those;
// [] gives none. A second Apply adds only what is missing.
func TestServices(t *testing.T) {
	ctx := context.Background()
	f, err := Load(writeSeed(t, `
orgs:
  - name: plain
  - name: vegas
    services:
      - serviceId: example-1101-130711-1
        region: US - Las Vegas
        serviceType: compute:dedicatedcloud
        vdcs: [VDC12345-6789, spare]
      - serviceId: second
  - name: bare
    services: []
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := newDirectory(t)
	rep, err := Apply(ctx, dir, f)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OrgsCreated != 3 || rep.ServicesCreated != 3 {
		t.Fatalf("report: %s", rep)
	}
	services := func(org string) map[string][]string {
		t.Helper()
		o, err := dir.Org(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		svcs, err := dir.Services(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, s := range svcs {
			names := []string{s.Region, s.Type}
			for _, v := range s.VDCs {
				names = append(names, v.Name)
			}
			out[s.Name] = names
		}
		return out
	}
	if got := services("plain"); len(got) != 1 || len(got["plain"]) != 3 || got["plain"][0] != "default" ||
		got["plain"][1] != "compute:vpc" || got["plain"][2] != "plain" {
		t.Fatalf("plain: %v", got)
	}
	got := services("vegas")
	if v := got["example-1101-130711-1"]; len(got) != 2 || len(v) != 4 || v[0] != "US - Las Vegas" ||
		v[1] != "compute:dedicatedcloud" || v[2] != "spare" || v[3] != "VDC12345-6789" {
		t.Fatalf("vegas: %v", got)
	}
	if v := got["second"]; len(v) != 3 || v[2] != "second" {
		t.Fatalf("vegas second: %v", got)
	}
	if got := services("bare"); len(got) != 0 {
		t.Fatalf("bare: %v", got)
	}

	// Again, with one more service for an existing org: only it is added.
	f.Orgs[2].Services = []Service{{ServiceID: "late"}}
	rep, err = Apply(ctx, dir, f)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OrgsExisting != 3 || rep.ServicesCreated != 1 || rep.ServicesExisting != 2 {
		t.Fatalf("second report: %s", rep)
	}
	if got := services("bare"); len(got) != 1 || got["late"] == nil {
		t.Fatalf("bare after second apply: %v", got)
	}
}

func TestServicesInvalid(t *testing.T) {
	for name, text := range map[string]string{
		"no serviceId": "orgs:\n  - name: a\n    services:\n      - region: x\n",
		"unknown key":  "orgs:\n  - name: a\n    services:\n      - serviceId: s\n        vdc: x\n",
	} {
		if _, err := Load(writeSeed(t, text)); err == nil {
			t.Errorf("%s: Load accepted it", name)
		}
	}
	dir := newDirectory(t)
	for _, svc := range []Service{
		{ServiceID: "s", ServiceType: "storage"},
		{ServiceID: "has space"},
		{ServiceID: "s", VDCs: []string{"x", "X"}},
	} {
		f := File{Orgs: []Org{{Name: "org", Services: []Service{svc}}}}
		if _, err := Apply(context.Background(), dir, f); err == nil {
			t.Errorf("Apply accepted %+v", svc)
		}
		// Validation comes first: the org was not created either.
		if _, err := dir.Org(context.Background(), "org"); err == nil {
			t.Fatalf("the org was created although its service %+v is invalid", svc)
		}
	}
}

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
