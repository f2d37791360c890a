package cloudgatetest

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// CloudAPIAccept is the Accept header /cloudapi expects (JSON, API 37.0),
// and APIAccept the one of /api (XML, API 37.0).
const (
	CloudAPIAccept = "application/json;version=37.0"
	APIAccept      = "application/*+xml;version=37.0"
)

// Client sends requests to a server as one session: after Login (or
// LoginAPIToken) every request carries the session's bearer token. A
// Client is safe for concurrent use once logged in.
type Client struct {
	base  string
	hc    *http.Client
	token string
	org   string
}

// NewClient returns a Client for the server at baseURL (scheme://host:port)
// that sends requests with hc.
func NewClient(baseURL string, hc *http.Client) *Client {
	return &Client{base: strings.TrimSuffix(baseURL, "/"), hc: hc}
}

// HTTPClient returns the HTTP client c sends with.
func (c *Client) HTTPClient() *http.Client { return c.hc }

// Token returns the bearer token of c's session ("" before Login).
func (c *Client) Token() string { return c.token }

// Org returns the org of c's session ("" before Login).
func (c *Client) Org() string { return c.org }

// WithToken returns a copy of c that sends token as its bearer token, in
// org's name (for example an access token from another grant).
func (c *Client) WithToken(token, org string) *Client {
	d := *c
	d.token, d.org = token, org
	return &d
}

// Response is a finished response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Request is the request that was sent (for failure messages).
	Request *http.Request
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) error { return json.Unmarshal(r.Body, v) }

// XML decodes the body into v.
func (r *Response) XML(v any) error { return xml.Unmarshal(r.Body, v) }

// String returns the status line and the body, for failure messages.
func (r *Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// StatusError is the error of a helper (Login, APIToken, ...) whose
// request got an unexpected status.
type StatusError struct {
	Op       string
	Response *Response
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("cloudgatetest: %s: status %d: %s", e.Op, e.Response.Status, strings.TrimSpace(string(e.Response.Body)))
}

// Do sends a request to path (with its query) on the server, or to an
// absolute http(s) URL such as an href from a response, and reads the
// whole response. header holds name, value pairs; a header named with an
// empty value is left out. After Login, "Authorization: Bearer TOKEN" is
// sent unless header sets Authorization. The error is a transport error
// only: any status, 500 included, is a Response.
func (c *Client) Do(method, path string, body io.Reader, header ...string) (*Response, error) {
	target := path
	if !strings.HasPrefix(path, "https://") && !strings.HasPrefix(path, "http://") {
		target = c.base + path
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		k := http.CanonicalHeaderKey(header[i])
		if header[i+1] == "" {
			req.Header[k] = nil // present but empty: net/http sends nothing, not even its default
			continue
		}
		req.Header.Add(k, header[i+1])
	}
	if _, set := req.Header["Authorization"]; !set && c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %w", method, path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b, Request: req}, nil
}

// Basic returns the value of an Authorization header for user@org's
// password (Cloud Director's form of HTTP basic authentication).
func Basic(user, password, org string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+"@"+org+":"+password))
}

// Login makes a password session for user@org as the Go SDK does
// (POST /cloudapi/1.0.0/sessions, or /sessions/provider for the System
// org) and makes it c's session. It returns a *StatusError when the
// server refuses (401 for a wrong password).
func (c *Client) Login(user, password, org string) error {
	path := "/cloudapi/1.0.0/sessions"
	if strings.EqualFold(org, SystemOrg) {
		path += "/provider"
	}
	r, err := c.Do(http.MethodPost, path, nil, "Authorization", Basic(user, password, org), "Accept", CloudAPIAccept)
	if err != nil {
		return err
	}
	tok := r.Header.Get("X-Vmware-Vcloud-Access-Token")
	if r.Status != http.StatusOK || tok == "" {
		return &StatusError{"login " + user + "@" + org, r}
	}
	c.token, c.org = tok, org
	return nil
}

// APIToken is a named, long-lived API token: its id and its secret (the
// OAuth refresh token), shown only once.
type APIToken struct {
	// ID is urn:vcloud:token:UUID.
	ID     string
	Secret string
}

// APIToken registers and issues an API token named name for the session's
// user, as govcd's CreateToken does (register at /oauth/.../register,
// then the jwt-bearer grant with the session's token). Sessions made from
// a token may not do this: the server answers 403.
func (c *Client) APIToken(name string) (APIToken, error) {
	if c.token == "" {
		return APIToken{}, fmt.Errorf("cloudgatetest: APIToken %q: not logged in", name)
	}
	body, _ := json.Marshal(map[string]string{"client_name": name})
	r, err := c.Do(http.MethodPost, "/oauth/"+realm(c.org)+"/register", strings.NewReader(string(body)),
		"Content-Type", "application/json", "Accept", "application/json")
	if err != nil {
		return APIToken{}, err
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	if r.Status != http.StatusOK || r.JSON(&reg) != nil || reg.ClientID == "" {
		return APIToken{}, &StatusError{"registering API token " + name, r}
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {c.token}, "client_id": {reg.ClientID}}
	tok, err := c.grant(form, "issuing API token "+name)
	if err != nil {
		return APIToken{}, err
	}
	return APIToken{ID: "urn:vcloud:token:" + reg.ClientID, Secret: tok.RefreshToken}, nil
}

// LoginAPIToken trades an API token of org for a session, as govcd's
// SetApiToken does (the refresh_token grant), and makes it c's session.
func (c *Client) LoginAPIToken(secret, org string) error {
	d := *c
	d.token = "" // the grant takes no bearer token
	tok, err := d.grantIn(org, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {secret}}, "exchanging an API token")
	if err != nil {
		return err
	}
	c.token, c.org = tok.AccessToken, org
	return nil
}

type tokenReply struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func (c *Client) grant(form url.Values, op string) (tokenReply, error) {
	return c.grantIn(c.org, form, op)
}

func (c *Client) grantIn(org string, form url.Values, op string) (tokenReply, error) {
	r, err := c.Do(http.MethodPost, "/oauth/"+realm(org)+"/token", strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json", "Authorization", "")
	if err != nil {
		return tokenReply{}, err
	}
	var t tokenReply
	if r.Status != http.StatusOK || r.JSON(&t) != nil || t.AccessToken == "" {
		return tokenReply{}, &StatusError{op, r}
	}
	return t, nil
}
