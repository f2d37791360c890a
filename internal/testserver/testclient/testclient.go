// Package testclient is the one HTTP helper of this repository's tests:
// the public cloudgatetest.Client, with failures reported on the test
// instead of returned. Test packages keep only what their dialect adds
// (its reply types, its error format).
package testclient

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/cloudgatetest"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// Client is a cloudgatetest.Client bound to a test.
type Client struct {
	*cloudgatetest.Client
	tb testing.TB
}

// New returns a Client of srv with no session.
func New(tb testing.TB, srv *testserver.Server) *Client {
	return &Client{Client: cloudgatetest.NewClient(srv.URL, srv.Client()), tb: tb}
}

// WithHTTP returns a Client of the server at baseURL that sends with hc
// (a transport of the test's own: a larger pool, no redirects).
func WithHTTP(tb testing.TB, baseURL string, hc *http.Client) *Client {
	return &Client{Client: cloudgatetest.NewClient(baseURL, hc), tb: tb}
}

// Do sends a request (see cloudgatetest.Client.Do); body "" sends none. A
// transport failure fails the test without stopping it (goroutines call
// Do) and returns a Response with status 0.
func (c *Client) Do(method, path, body string, header ...string) *cloudgatetest.Response {
	c.tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := c.Client.Do(method, path, rd, header...)
	if err != nil {
		c.tb.Errorf("%s %s: %v", method, path, err)
		return &cloudgatetest.Response{}
	}
	return r
}

// Login makes a password session of user@org (cloudgatetest.Client.Login)
// and returns its bearer token; it stops the test if the login fails.
func (c *Client) Login(user, password, org string) string {
	c.tb.Helper()
	if err := c.Client.Login(user, password, org); err != nil {
		c.tb.Fatal(err)
	}
	return c.Token()
}

// Basic returns an Authorization header of HTTP basic authentication
// with userAtOrg sent as given, so tests can send malformed credentials
// ("bob", "alice@", "_"); cloudgatetest.Basic builds well-formed ones.
func Basic(userAtOrg, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userAtOrg+":"+password))
}
