package identity_test

import (
	"context"
	"testing"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
)

// Names have one canonical form (PRECIS UsernameCaseMapped): a name whose
// canonical form exists is refused, and every spelling of an account's
// name reaches that account, for logins and for lockout alike.
func TestNamesHaveOneCanonicalForm(t *testing.T) {
	f := newFixture(t, light)
	ctx := context.Background()
	create := func(org, name string) error {
		_, err := f.dir.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: org, Name: name, Password: pw, Role: identity.RoleVAppAuthor})
		return err
	}
	for _, name := range []string{"ａｌｉｃｅ", "ALICE", "Ａｌｉｃｅ"} {
		if err := create("acme", name); !apierr.Is(err, apierr.Conflict) {
			t.Errorf("CreateUser(%q) beside alice: %v; want Conflict", name, err)
		}
	}
	if err := create("acme", "Älice"); err != nil {
		t.Fatal(err)
	}
	if err := create("acme", "a\u0308lice"); !apierr.Is(err, apierr.Conflict) { // NFD of älice
		t.Errorf("NFD älice beside Älice: %v; want Conflict", err)
	}
	if err := create("ａｃｍｅ", "zoe"); err != nil { // full-width org name finds acme
		t.Errorf("user in the full-width spelling of acme: %v", err)
	}
	for _, name := range []string{"bad\u200dname", "tab\tname", "x\xffy", "two  spaces"} {
		if err := create("acme", name); !apierr.Is(err, apierr.Invalid) {
			t.Errorf("CreateUser(%q): %v; want Invalid", name, err)
		}
	}
	if _, err := f.dir.CreateOrg(ctx, audit.CLI(), identity.OrgSpec{Name: "ＡＣＭＥ"}); !apierr.Is(err, apierr.Conflict) {
		t.Errorf("full-width ACME beside acme: %v; want Conflict", err)
	}
	// Logins in any spelling reach the account.
	for _, who := range [][2]string{{"ａｌｉｃｅ", "acme"}, {"ALICE", "ＡＣＭＥ"}, {"a\u0308lice", "acme"}} {
		if acct, _, err := f.login(who[0], who[1], pw, "192.0.2.1"); err != nil {
			t.Errorf("login %s@%s: %v", who[0], who[1], err)
		} else if acct.Org.Name != "acme" {
			t.Errorf("login %s@%s reached org %q", who[0], who[1], acct.Org.Name)
		}
	}
	// Lockout is kept by account: failures in different spellings add up.
	for i, name := range []string{"alice", "ALICE", "ａｌｉｃｅ", "Ａlice", "aLice", "alicE", "ALice", "ALIce", "ALICe", "ａlice"} {
		if _, _, err := f.login(name, "acme", "wrong", "192.0.2.1"); err == nil {
			t.Fatalf("failure %d succeeded", i)
		}
	}
	if _, outcome, _ := f.login("alice", "acme", pw, "192.0.2.1"); outcome != identity.OutcomeLocked {
		t.Fatalf("alice after 10 failures in 10 spellings: %s, want locked", outcome)
	}
}
