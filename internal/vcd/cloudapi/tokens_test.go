package cloudapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
	"github.com/cloudgate/cloudgate/internal/urn"
)

type page struct {
	ResultTotal int `json:"resultTotal"`
	PageCount   int `json:"pageCount"`
	Page        int `json:"page"`
	PageSize    int `json:"pageSize"`
	Values      []struct {
		ID         string            `json:"id"`
		Name       string            `json:"name"`
		Type       string            `json:"type"`
		Owner      map[string]string `json:"owner"`
		Org        map[string]string `json:"org"`
		CreatedAt  string            `json:"createdAt"`
		LastUsedAt *string           `json:"lastUsedAt"`
	} `json:"values"`
}

type tester struct {
	t       *testing.T
	srv     *testserver.Server
	session string
}

func (x tester) call(method, path string, body io.Reader, headers ...string) (*http.Response, []byte) {
	x.t.Helper()
	c := testclient.New(x.t, x.srv).WithToken(x.session, "")
	r, err := c.Do(method, path, body, append([]string{"Accept", "application/json;version=37.0"}, headers...)...)
	if err != nil {
		x.t.Fatal(err)
	}
	return &http.Response{StatusCode: r.Status, Header: r.Header, Request: r.Request}, r.Body
}

func (x tester) list(query string) (page, *http.Response) {
	x.t.Helper()
	resp, b := x.call(http.MethodGet, "/cloudapi/1.0.0/tokens"+query, nil)
	if resp.StatusCode != http.StatusOK {
		x.t.Fatalf("GET tokens%s: %d %s", query, resp.StatusCode, b)
	}
	var p page
	if err := json.Unmarshal(b, &p); err != nil {
		x.t.Fatal(err)
	}
	return p, resp
}

func names(p page) string {
	var n []string
	for _, v := range p.Values {
		n = append(n, v.Name)
	}
	return strings.Join(n, ",")
}

var linkRE = regexp.MustCompile(`^<(https://[^>]+)>;rel="(\w+)";type="application/json";model="TokenList"$`)

func links(t *testing.T, resp *http.Response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range resp.Header.Values("Link") {
		m := linkRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("Link header %q is not an absolute typed link", l)
		}
		out[m[2]] = m[1]
	}
	return out
}

// Listing tokens: pages with absolute Link headers, FIQL filters
// (including govcd's exact one), sorting, and 400s that say what is wrong.
func TestTokenList(t *testing.T) {
	srv := testserver.Start(t)
	x := tester{t: t, srv: srv}
	x.session = login(t, srv)
	var bobID string
	for _, name := range []string{"ci-3", "ci-1", "other", "ci-5", "ci-2", "ci-4"} {
		resp, b := x.call(http.MethodPost, "/oauth/tenant/acme/register", strings.NewReader(`{"client_name":"`+name+`"}`),
			"Content-Type", "application/json", "Accept", "application/json;version=")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("register: %d %s", resp.StatusCode, b)
		}
	}

	p, resp := x.list("?pageSize=2&sortAsc=name")
	if p.ResultTotal != 6 || p.PageCount != 3 || p.Page != 1 || p.PageSize != 2 || names(p) != "ci-1,ci-2" {
		t.Fatalf("page 1 = %+v", p)
	}
	l := links(t, resp)
	if l["nextPage"] == "" || l["firstPage"] == "" || l["lastPage"] == "" || l["previousPage"] != "" {
		t.Fatalf("page 1 links %v", l)
	}
	if !strings.HasPrefix(l["nextPage"], srv.URL+"/cloudapi/1.0.0/tokens?") {
		t.Fatalf("nextPage %q is not an absolute URL of this server", l["nextPage"])
	}
	p, resp = x.list(strings.TrimPrefix(l["nextPage"], srv.URL+"/cloudapi/1.0.0/tokens"))
	if p.Page != 2 || names(p) != "ci-3,ci-4" || links(t, resp)["previousPage"] == "" {
		t.Fatalf("page 2 = %+v", p)
	}
	p, resp = x.list("?pageSize=2&sortAsc=name&page=3")
	if names(p) != "ci-5,other" || links(t, resp)["nextPage"] != "" {
		t.Fatalf("page 3 = %+v, links %v", p, links(t, resp))
	}
	bobID = p.Values[0].Owner["id"]
	if p.Values[0].Org["name"] != "acme" || !strings.HasPrefix(p.Values[0].Org["id"], "urn:vcloud:org:") ||
		p.Values[0].Type != "REFRESH" || p.Values[0].CreatedAt == "" || p.Values[0].LastUsedAt != nil {
		t.Fatalf("token JSON %+v", p.Values[0])
	}
	// Default page size is Cloud Director's 25; both collection paths list.
	if p, _ := x.list("/"); p.PageSize != 25 || p.ResultTotal != 6 {
		t.Fatalf("GET tokens/ = %+v", p)
	}

	for _, tc := range []struct{ filter, want string }{
		{"(name==ci-3;owner.name==bob;(type==PROXY,type==REFRESH))", "ci-3"},
		{"name==CI-*", "ci-1,ci-2,ci-3,ci-4,ci-5"},
		{"name!=other;name!=ci-1", "ci-2,ci-3,ci-4,ci-5"},
		{"name==ci-1,name==other", "ci-1,other"},
		{"org.name==ACME;type==REFRESH", "ci-1,ci-2,ci-3,ci-4,ci-5,other"},
		{"owner.id==" + bobID + ";name==o*", "other"},
		{"owner.name==alice", ""},
		{"type==PROXY", ""},
	} {
		p, _ := x.list("/?sortAsc=name&pageSize=128&filter=" + url.QueryEscape(tc.filter))
		if names(p) != tc.want || p.ResultTotal != len(p.Values) {
			t.Errorf("filter %s = %s (total %d), want %s", tc.filter, names(p), p.ResultTotal, tc.want)
		}
	}
	if p, _ := x.list("?sortDesc=name&pageSize=1"); names(p) != "other" || p.PageCount != 6 {
		t.Fatalf("sortDesc = %+v", p)
	}

	for _, tc := range []struct {
		method, path string
		status       int
		message      string
	}{
		{"GET", "/tokens?filter=" + url.QueryEscape("name==(x"), 400, "position 7"},
		{"GET", "/tokens?filter=" + url.QueryEscape("secret==x"), 400, "secret"},
		{"GET", "/tokens?filter=" + url.QueryEscape("type==RE*"), 400, "wildcard"},
		{"GET", "/tokens?pageSize=129", 400, "pageSize"},
		{"GET", "/tokens?page=0", 400, "page"},
		{"GET", "/tokens?sortAsc=digest", 400, "sort"},
		{"GET", "/tokens?pageSize=1&pageSize=2", 400, "more than once"},
		{"GET", "/tokens/not-a-token", 403, "forbidden or it does not exist"},
		{"GET", "/tokens/urn:vcloud:token:" + urn.New().String(), 403, "forbidden or it does not exist"},
		{"GET", "/tokens/urn:vcloud:user:" + urn.New().String(), 403, "forbidden or it does not exist"},
		{"DELETE", "/tokens/urn:vcloud:token:" + urn.New().String(), 403, "forbidden or it does not exist"},
		{"POST", "/tokens", 405, "not allowed"},
		{"PUT", "/tokens/urn:vcloud:token:" + urn.New().String(), 405, "not allowed"},
	} {
		resp, b := x.call(tc.method, "/cloudapi/1.0.0"+tc.path, nil)
		var e struct{ MinorErrorCode, Message string }
		_ = json.Unmarshal(b, &e)
		if resp.StatusCode != tc.status || !strings.Contains(strings.ToLower(e.Message), strings.ToLower(tc.message)) {
			t.Errorf("%s %s = %d %s; want %d mentioning %q", tc.method, tc.path, resp.StatusCode, b, tc.status, tc.message)
		}
	}
	x.session = ""
	if resp, _ := x.call("GET", "/cloudapi/1.0.0/tokens", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("list without a session: %d", resp.StatusCode)
	}
}

func login(t *testing.T, srv *testserver.Server) string {
	t.Helper()
	return testclient.New(t, srv).Login("bob", testserver.Password, "acme")
}
