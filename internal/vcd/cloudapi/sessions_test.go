package cloudapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

type reply struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, srv *testserver.Server, method, path string, header ...string) reply {
	t.Helper()
	r := testclient.New(t, srv).Do(method, path, "", header...)
	if r.Request == nil {
		t.FailNow() // the transport failure is reported
	}
	return reply{r.Status, r.Header, r.Body}
}

// loginCloudAPI returns the bearer token of a CloudAPI login.
func loginCloudAPI(t *testing.T, srv *testserver.Server, user, org, password string) string {
	t.Helper()
	return testclient.New(t, srv).Login(user, password, org)
}

// vssToken returns a session-listing dialect token.
func vssToken(t *testing.T, srv *testserver.Server, user, org string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/auth/request-token", nil)
	req.SetBasicAuth(user+"@"+org, testserver.Password)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Token == "" {
		t.Fatalf("request-token: %d %v", resp.StatusCode, err)
	}
	return body.Token
}

type sessionPage struct {
	ResultTotal int `json:"resultTotal"`
	PageCount   int `json:"pageCount"`
	Page        int `json:"page"`
	PageSize    int `json:"pageSize"`
	Values      []struct {
		ID   string `json:"id"`
		User struct {
			Name string `json:"name"`
		} `json:"user"`
		Org struct {
			Name string `json:"name"`
		} `json:"org"`
		SessionIdleTimeoutMinutes int `json:"sessionIdleTimeoutMinutes"`
	} `json:"values"`
}

func list(t *testing.T, srv *testserver.Server, tok, query string) (sessionPage, reply) {
	t.Helper()
	r := do(t, srv, http.MethodGet, "/cloudapi/1.0.0/sessions"+query, "Authorization", "Bearer "+tok, "Accept", "application/json;version=36.2")
	if r.status != http.StatusOK {
		t.Fatalf("GET sessions%s: %d %s", query, r.status, r.body)
	}
	var p sessionPage
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	return p, r
}

func owners(p sessionPage) string {
	var out []string
	for _, v := range p.Values {
		out = append(out, v.User.Name+"@"+v.Org.Name)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// GET /cloudapi/1.0.0/sessions: own sessions for a user, the org's for an
// Organization Administrator, every one for the System administrator;
// sessions of every dialect; FIQL filters and sorting; paging with Link
// headers; 400 for bad parameters.
func TestListSessions(t *testing.T) {
	srv := testserver.Start(t)
	alice := loginCloudAPI(t, srv, "alice", "acme", testserver.Password)
	loginCloudAPI(t, srv, "alice", "acme", testserver.Password)
	bob := loginCloudAPI(t, srv, "bob", "acme", testserver.Password)
	vssToken(t, srv, "bob", "acme")
	dave := loginCloudAPI(t, srv, "dave", "globex", testserver.Password)
	admin := loginCloudAPI(t, srv, "administrator", "System", testserver.AdminPassword)

	for _, tc := range []struct {
		who, tok, query, want string
	}{
		{"bob: own", bob, "", "bob@acme bob@acme"},
		{"alice: the org's", alice, "", "alice@acme alice@acme bob@acme bob@acme"},
		{"dave: the org's", dave, "", "dave@globex"},
		{"administrator: all", admin, "", "administrator@System alice@acme alice@acme bob@acme bob@acme dave@globex"},
		{"filter by dialect", alice, "?filter=" + url.QueryEscape("dialect==vss"), "bob@acme"},
		{"filter by user", admin, "?filter=" + url.QueryEscape("user.name==bob"), "bob@acme bob@acme"},
		{"a filter never widens", alice, "?filter=" + url.QueryEscape("org.name==globex"), ""},
		{"filter with OR", admin, "?filter=" + url.QueryEscape("(org.name==globex,user.name==administrator)"), "administrator@System dave@globex"},
		{"wildcard", admin, "?filter=" + url.QueryEscape("user.name==*ali*"), "alice@acme alice@acme"},
	} {
		t.Run(tc.who, func(t *testing.T) {
			p, _ := list(t, srv, tc.tok, tc.query)
			if got := owners(p); got != tc.want || p.ResultTotal != len(p.Values) {
				t.Fatalf("got %q (total %d), want %q", got, p.ResultTotal, tc.want)
			}
		})
	}

	// A VSS token session has no idle timeout.
	p, _ := list(t, srv, bob, "?filter="+url.QueryEscape("dialect==vss"))
	if len(p.Values) != 1 || p.Values[0].SessionIdleTimeoutMinutes != 0 || !strings.HasPrefix(p.Values[0].ID, "urn:vcloud:session:") {
		t.Fatalf("vss session %+v", p.Values)
	}

	// Paging and Link headers.
	p, r := list(t, srv, admin, "?pageSize=2&page=2&sortAsc=createdAt")
	if p.ResultTotal != 6 || p.PageCount != 3 || p.Page != 2 || p.PageSize != 2 || len(p.Values) != 2 {
		t.Fatalf("page 2: %+v", p)
	}
	links := strings.Join(r.header.Values("Link"), " ")
	for _, rel := range []string{`rel="firstPage"`, `rel="previousPage"`, `rel="nextPage"`, `rel="lastPage"`} {
		if !strings.Contains(links, rel) {
			t.Fatalf("Link headers %q lack %s", links, rel)
		}
	}
	first, _ := list(t, srv, admin, "?pageSize=2&page=1&sortAsc=createdAt")
	if first.Values[0].User.Name != "alice" {
		t.Fatalf("oldest first: %+v", first.Values)
	}
	last, r := list(t, srv, admin, "?pageSize=2&page=3")
	if len(last.Values) != 2 || strings.Contains(strings.Join(r.header.Values("Link"), " "), `rel="nextPage"`) {
		t.Fatalf("last page: %+v %v", last, r.header.Values("Link"))
	}
	if p, _ := list(t, srv, admin, "?page=50"); len(p.Values) != 0 || p.ResultTotal != 6 {
		t.Fatalf("past the end: %+v", p)
	}

	for _, q := range []string{
		"?filter=" + url.QueryEscape("nosuchfield==x"),
		"?filter=" + url.QueryEscape("user.name=="),
		"?filter=" + url.QueryEscape("(user.name==bob"),
		"?pageSize=129",
		"?pageSize=-1",
		"?page=0",
		"?page=x",
		"?page=1&page=2",
		"?sortAsc=bogus",
		"?sortAsc=createdAt&sortDesc=createdAt",
	} {
		r := do(t, srv, http.MethodGet, "/cloudapi/1.0.0/sessions"+q, "Authorization", "Bearer "+alice, "Accept", "application/json;version=36.2")
		var e struct {
			MinorErrorCode string `json:"minorErrorCode"`
		}
		if r.status != http.StatusBadRequest || json.Unmarshal(r.body, &e) != nil || e.MinorErrorCode != "BAD_REQUEST" {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	if r := do(t, srv, http.MethodGet, "/cloudapi/1.0.0/sessions", "Accept", "application/json;version=36.2"); r.status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.status)
	}
}
