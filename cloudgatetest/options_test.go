package cloudgatetest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/cloudgatetest"
	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
)

// TestPostgresDSN: Options.DSN runs the server on PostgreSQL; two servers
// on one database share sessions (a login on one works on the other).
func TestPostgresDSN(t *testing.T) {
	dsn := pgtest.NewDatabase(t) // skips loudly, or fails with CLOUDGATE_REQUIRE_POSTGRES=1
	a := cloudgatetest.StartWith(t, cloudgatetest.Options{DSN: dsn})
	b := cloudgatetest.StartWith(t, cloudgatetest.Options{DSN: dsn})
	c := a.Client()
	if err := c.Login("alice", cloudgatetest.Password, "acme"); err != nil {
		t.Fatal(err)
	}
	other := b.Client().WithToken(c.Token(), "acme")
	r, err := other.Do(http.MethodGet, "/cloudapi/1.0.0/sessions/current", nil, "Accept", cloudgatetest.CloudAPIAccept)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("the session on the second server: %v %v", r, err)
	}
}

func TestInvalidOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    cloudgatetest.Options
		want string
	}{
		{"idle timeout under a minute", cloudgatetest.Options{IdleTimeout: time.Second}, "at least a minute"},
		{"lifetime not whole seconds", cloudgatetest.Options{MaxLifetime: time.Hour + time.Millisecond}, "whole seconds"},
		{"unknown dialect", cloudgatetest.Options{Dialects: []string{"nosuch"}}, "nosuch"},
		{"unknown role", cloudgatetest.Options{Seed: &cloudgatetest.Seed{Orgs: []cloudgatetest.Org{{Name: "x",
			Users: []cloudgatetest.User{{Name: "u", Password: cloudgatetest.Password, Role: "Wizard"}}}}}}, "Wizard"},
		{"bad DSN", cloudgatetest.Options{DSN: "mysql://x"}, "scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := cloudgatetest.New(tc.o)
			if err == nil {
				srv.Close()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestDialects: a server with only the Cloud Director dialect answers 404
// where the others would be.
func TestDialects(t *testing.T) {
	srv := cloudgatetest.StartWith(t, cloudgatetest.Options{Dialects: []string{"vcd"}})
	r, err := srv.Client().Do(http.MethodPost, "/auth/request-token", nil,
		"Authorization", cloudgatetest.Basic("alice", cloudgatetest.Password, "acme"))
	if err != nil || r.Status != http.StatusNotFound {
		t.Fatalf("session-listing dialect off: %v %v", r, err)
	}
	if err := srv.Client().Login("alice", cloudgatetest.Password, "acme"); err != nil {
		t.Fatal(err)
	}
}
