package cloudapi

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// sessionJSON is the Session object as encoding/json would render it; the
// hand-written renderer must decode to exactly this.
type sessionJSON struct {
	ID                        string   `json:"id"`
	Site                      *Ref     `json:"site,omitempty"`
	User                      Ref      `json:"user"`
	Org                       Ref      `json:"org"`
	OperatingOrg              *Ref     `json:"operatingOrg,omitempty"`
	Location                  string   `json:"location"`
	Roles                     []string `json:"roles"`
	RoleRefs                  []Ref    `json:"roleRefs"`
	SessionIdleTimeoutMinutes int      `json:"sessionIdleTimeoutMinutes"`
}

func TestAppendSessionMatchesTheSchema(t *testing.T) {
	site := vcd.Site{Name: "cloudgate", ID: urn.New()}
	a := &API{env: &vcd.Env{Site: site}}
	f := sessionFields{id: urn.New(), userName: `bob "the" <builder>`, userKind: urn.ServiceAccount, userID: urn.New(),
		orgName: "acme", orgID: urn.New(), roleName: "vApp Author", roleID: urn.New(), idle: 30}
	for _, tc := range []struct {
		version            string
		site, operatingOrg bool
	}{{"36.2", false, false}, {"37.0", true, false}, {"38.0", true, false}, {"38.1", true, true}, {"39.0", true, true}} {
		v, _ := vcd.Lookup(tc.version)
		want := sessionJSON{ID: f.id.URN(urn.Session), User: Ref{f.userName, f.userID.URN(urn.ServiceAccount)},
			Org: Ref{"acme", f.orgID.URN(urn.Org)}, Location: f.orgID.String() + "@" + site.ID.String(),
			Roles: []string{"vApp Author"}, RoleRefs: []Ref{{"vApp Author", f.roleID.URN(urn.Role)}}, SessionIdleTimeoutMinutes: 30}
		if tc.site {
			want.Site = &Ref{"cloudgate", site.ID.URN(urn.Site)}
		}
		if tc.operatingOrg {
			want.OperatingOrg = &Ref{"acme", f.orgID.URN(urn.Org)}
		}
		var got sessionJSON
		raw := a.appendSession(nil, v, f)
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%s: invalid JSON %s: %v", tc.version, raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", tc.version, got, want)
		}
	}
	// No role: empty arrays, never null.
	v, _ := vcd.Lookup("37.0")
	f.roleName = ""
	var got sessionJSON
	json.Unmarshal(a.appendSession(nil, v, f), &got)
	if got.Roles == nil || got.RoleRefs == nil || len(got.Roles) != 0 {
		t.Fatalf("roles without a role: %+v", got)
	}
}
