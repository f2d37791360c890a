package apitoken

import (
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"ci", true}, {"nightly build (prod)", true}, {"ünïcode ✓", true}, {strings.Repeat("x", 128), true},
		{"", false}, {strings.Repeat("x", 129), false}, {" lead", false}, {"trail ", false},
		{"tab\there", false}, {"nl\n", false}, {"\xff", false},
	} {
		if err := CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// The reach table: which principal sees which token.
func TestReach(t *testing.T) {
	acme, globex, system := urn.New(), urn.New(), urn.New()
	bob, alice, dave, admin := urn.New(), urn.New(), urn.New(), urn.New()
	rights := func(names ...string) authz.Set {
		s := authz.Set{}
		for _, n := range names {
			s[n] = struct{}{}
		}
		return s
	}
	own := rights(identity.RightTokenManage)
	all := rights(identity.RightTokenManage, identity.RightTokenManageAll)
	sysAll := rights(identity.RightTokenManage, identity.RightTokenManageAll, identity.RightAdminControl)
	tokens := map[string]store.APIToken{
		"bob's":   {OwnerID: bob, OrgID: acme},
		"alice's": {OwnerID: alice, OrgID: acme},
		"dave's":  {OwnerID: dave, OrgID: globex},
	}
	for _, tc := range []struct {
		name string
		p    authz.Principal
		sees string // names of the tokens in reach, sorted; "-" for a refusal
	}{
		{"tenant user", authz.Principal{UserID: bob, OrgID: acme, Rights: own}, "bob's"},
		{"org admin", authz.Principal{UserID: alice, OrgID: acme, Rights: all}, "alice's,bob's"},
		{"other org's admin", authz.Principal{UserID: dave, OrgID: globex, Rights: all}, "dave's"},
		{"system admin", authz.Principal{UserID: admin, OrgID: system, Provider: true, Rights: sysAll}, "alice's,bob's,dave's"},
		// Administrator Control in a tenant org is not the provider's.
		{"tenant with admin control", authz.Principal{UserID: alice, OrgID: acme, Rights: sysAll}, "alice's,bob's"},
		{"no token right", authz.Principal{UserID: bob, OrgID: acme, Rights: rights(identity.RightVAppUse)}, "-"},
		{"token session", authz.Principal{UserID: alice, OrgID: acme, Restricted: true, Withheld: all}, "-"},
	} {
		r, err := reachOf(&tc.p)
		var got []string
		if err != nil {
			got = []string{"-"}
			if tc.p.Restricted && !strings.Contains(err.Error(), "API token") {
				t.Errorf("%s: refusal %q does not name the API-token origin", tc.name, err)
			}
		} else {
			for _, n := range []string{"alice's", "bob's", "dave's"} {
				if r.covers(tokens[n]) {
					got = append(got, n)
				}
			}
		}
		if strings.Join(got, ",") != tc.sees {
			t.Errorf("%s reaches %v, want %s", tc.name, got, tc.sees)
		}
	}
}
