package sessionapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/testserver/testclient"
)

// clock is a settable clock for testserver.WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// reply is a response with its body read.
type reply struct {
	*http.Response
	body []byte
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%s: body is not JSON: %v\n%s", r.Request.URL, err, r.body)
	}
}

// do sends a request; header entries are added (a value "" leaves the
// header out).
func do(t *testing.T, srv *testserver.Server, method, path string, header ...string) reply {
	t.Helper()
	r := testclient.New(t, srv).Do(method, path, "", header...)
	if r.Request == nil {
		t.FailNow() // the transport failure is reported
	}
	return reply{&http.Response{StatusCode: r.Status, Header: r.Header, Request: r.Request}, r.Body}
}

func bearer(tok string) string { return "Bearer " + tok }

// tokenReply is the body of POST /auth/request-token.
type tokenReply struct {
	Duration int64  `json:"duration"`
	Exp      int64  `json:"exp"`
	ExpDate  string `json:"exp_date"`
	Token    string `json:"token"`
	Type     string `json:"type"`
}

// requestToken gets a VSS token for user@org (header pairs are added).
func requestToken(t *testing.T, srv *testserver.Server, userAtOrg string, header ...string) tokenReply {
	t.Helper()
	r := do(t, srv, http.MethodPost, "/auth/request-token", append([]string{"Authorization", testclient.Basic(userAtOrg, testserver.Password)}, header...)...)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("request-token %s: %d %s", userAtOrg, r.StatusCode, r.body)
	}
	var tr tokenReply
	r.json(t, &tr)
	return tr
}

// errorReply is the dialect's error body.
type errorReply struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// wantError checks status and the {"error","message","status"} body.
func wantError(t *testing.T, r reply, status int) errorReply {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.body)
	}
	var e errorReply
	r.json(t, &e)
	if e.Status != status || e.Error != http.StatusText(status) || e.Message == "" {
		t.Fatalf("%s %s: error body %s", r.Request.Method, r.Request.URL.Path, r.body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type %q", ct)
	}
	return e
}

// listReply is GET /v2/session.
type listReply struct {
	Links struct {
		API  string `json:"api"`
		Self string `json:"self"`
	} `json:"_links"`
	Data []struct {
		Links struct {
			Self string `json:"self"`
		} `json:"_links"`
		Key      string `json:"key"`
		Username string `json:"username"`
	} `json:"data"`
	Meta struct {
		Count int `json:"count"`
		Pages struct {
			FirstURL string  `json:"first_url"`
			LastURL  string  `json:"last_url"`
			NextURL  *string `json:"next_url"`
			PrevURL  *string `json:"prev_url"`
			Page     int     `json:"page"`
			Pages    int     `json:"pages"`
			PerPage  int     `json:"per_page"`
			Total    int     `json:"total"`
		} `json:"pages"`
		Time string `json:"time"`
		User string `json:"user"`
	} `json:"meta"`
}

func list(t *testing.T, srv *testserver.Server, tok, query string) listReply {
	t.Helper()
	r := do(t, srv, http.MethodGet, "/v2/session"+query, "Authorization", bearer(tok))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /v2/session%s: %d %s", query, r.StatusCode, r.body)
	}
	var l listReply
	r.json(t, &l)
	return l
}

// detailReply is GET /v2/session/{key}.
type detailReply struct {
	Links struct {
		Self    string `json:"self"`
		Session string `json:"session"`
	} `json:"_links"`
	Data []map[string]string `json:"data"`
	Meta struct {
		Count int    `json:"count"`
		Time  string `json:"time"`
		User  string `json:"user"`
	} `json:"meta"`
}
