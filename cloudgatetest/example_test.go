package cloudgatetest_test

import (
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vmware/go-vcloud-director/v3/govcd"

	"github.com/cloudgate/cloudgate/cloudgatetest"
)

// A server outside a test function (in a test, Start(t) does the same and
// stops it when the test ends). The Client logs in as the Go SDK does and
// sends requests with the session's bearer token.
func Example() {
	srv, err := cloudgatetest.New(cloudgatetest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c := srv.Client()
	if err := c.Login("alice", cloudgatetest.Password, "acme"); err != nil {
		log.Fatal(err)
	}
	r, err := c.Do(http.MethodGet, "/cloudapi/1.0.0/sessions/current", nil, "Accept", cloudgatetest.CloudAPIAccept)
	if err != nil {
		log.Fatal(err)
	}
	var s struct {
		User  struct{ Name string }
		Org   struct{ Name string }
		Roles []string
	}
	if err := r.JSON(&s); err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Status, s.User.Name, s.Org.Name, s.Roles)
	// Output: 200 alice acme [Organization Administrator]
}

// The Cloud Director Go SDK logs in unchanged: the server's certificate is
// self-signed, hence insecure = true.
func Example_goSDK() {
	srv, err := cloudgatetest.New(cloudgatetest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client := govcd.NewVCDClient(*srv.APIURL(), true)
	if err := client.Authenticate("bob", cloudgatetest.Password, "acme"); err != nil {
		log.Fatal(err)
	}
	info, err := client.Client.GetSessionInfo()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.User.Name, info.Org.Name, info.Roles)
	if err := client.Disconnect(); err != nil {
		log.Fatal(err)
	}
	// Output: bob acme [vApp Author]
}

// Tenants(n) seeds n orgs with one user per predefined role, in the spirit
// of a simulator's inventory model.
func ExampleTenants() {
	srv, err := cloudgatetest.New(cloudgatetest.Options{Seed: cloudgatetest.Tenants(2)})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	for _, o := range srv.Seed().Orgs {
		for _, u := range o.Users {
			err := srv.Client().Login(u.Name, u.Password, o.Name)
			fmt.Printf("%s@%s (%s): %v\n", u.Name, o.Name, u.Role, err)
		}
	}
	// Output:
	// orgadmin@org1 (Organization Administrator): <nil>
	// catalogauthor@org1 (Catalog Author): <nil>
	// vappauthor@org1 (vApp Author): <nil>
	// vappuser@org1 (vApp User): <nil>
	// console@org1 (Console Access Only): <nil>
	// orgadmin@org2 (Organization Administrator): <nil>
	// catalogauthor@org2 (Catalog Author): <nil>
	// vappauthor@org2 (vApp Author): <nil>
	// vappuser@org2 (vApp User): <nil>
	// console@org2 (Console Access Only): <nil>
}

// ProviderOnly has no tenant: only the provider's administrator.
func ExampleProviderOnly() {
	srv, err := cloudgatetest.New(cloudgatetest.Options{Seed: cloudgatetest.ProviderOnly()})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c := srv.Client()
	fmt.Println(c.Login("administrator", cloudgatetest.AdminPassword, cloudgatetest.SystemOrg))
	err = srv.Client().Login("alice", cloudgatetest.Password, "acme")
	fmt.Println(err.(*cloudgatetest.StatusError).Response.Status)
	// Output:
	// <nil>
	// 401
}

// An API token, issued once, is traded for sessions as scripts (and
// govcd's SetApiToken) do.
func ExampleClient_APIToken() {
	srv, err := cloudgatetest.New(cloudgatetest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c := srv.Client()
	if err := c.Login("alice", cloudgatetest.Password, "acme"); err != nil {
		log.Fatal(err)
	}
	tok, err := c.APIToken("ci")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(tok.ID, "urn:vcloud:token:"))

	script := srv.Client()
	if err := script.LoginAPIToken(tok.Secret, "acme"); err != nil {
		log.Fatal(err)
	}
	r, err := script.Do(http.MethodGet, "/cloudapi/1.0.0/sessions/current", nil, "Accept", cloudgatetest.CloudAPIAccept)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Status)
	// A session made from a token may not make tokens.
	_, err = script.APIToken("another")
	fmt.Println(err.(*cloudgatetest.StatusError).Response.Status)
	// Output:
	// true
	// 200
	// 403
}

// clock is a clock a test moves forward.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// With a clock and a short idle timeout, an idle session ends without
// waiting.
func ExampleOptions_idleTimeout() {
	clk := &clock{t: time.Now()}
	srv, err := cloudgatetest.New(cloudgatetest.Options{Now: clk.Now, IdleTimeout: 5 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c := srv.Client()
	if err := c.Login("bob", cloudgatetest.Password, "acme"); err != nil {
		log.Fatal(err)
	}
	current := func() int {
		r, err := c.Do(http.MethodGet, "/cloudapi/1.0.0/sessions/current", nil, "Accept", cloudgatetest.CloudAPIAccept)
		if err != nil {
			log.Fatal(err)
		}
		return r.Status
	}
	fmt.Println(current())
	clk.Add(4 * time.Minute)
	fmt.Println(current())
	clk.Add(6 * time.Minute)
	fmt.Println(current())
	// Output:
	// 200
	// 200
	// 401
}

// Env is what the Terraform provider and SDK-based tools read.
func ExampleServer_Env() {
	srv, err := cloudgatetest.New(cloudgatetest.Options{Dialects: []string{"vcd"}})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	for _, kv := range srv.Env("alice", cloudgatetest.Password, "acme") {
		fmt.Println(strings.Replace(kv, srv.URL, "https://127.0.0.1:PORT", 1))
	}
	// Output:
	// VCD_URL=https://127.0.0.1:PORT/api
	// VCD_ORG=acme
	// VCD_USER=alice
	// VCD_PASSWORD=Test-password-1
	// VCD_ALLOW_UNVERIFIED_SSL=true
}
