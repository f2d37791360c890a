package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/vmware/go-vcloud-director/v3/govcd"

	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// The SDK against two servers sharing one PostgreSQL database: log in on
// one, use the token on the other, disconnect on the first, refused on the
// second. The PostgreSQL store drops in without touching any handler.
func TestSDKTwoServersOnPostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	a := testserver.Start(t, testserver.WithDSN(dsn))
	b := testserver.Start(t, testserver.WithDSN(dsn))
	c := newClient(t, a)
	if err := c.Authenticate("alice", testserver.Password, "acme"); err != nil {
		t.Fatalf("Authenticate on A: %v", err)
	}
	tok := c.Client.VCDToken
	other := newClient(t, b)
	if err := other.SetToken("acme", govcd.BearerTokenHeader, tok); err != nil {
		t.Fatalf("SetToken on B: %v", err)
	}
	info, err := other.Client.GetSessionInfo()
	if err != nil || info.User.Name != "alice" {
		t.Fatalf("GetSessionInfo on B = %+v, %v", info, err)
	}
	if err := c.Disconnect(); err != nil {
		t.Fatalf("Disconnect on A: %v", err)
	}
	// A applied the logout before answering; B hears of it through NOTIFY
	// (or, failing that, its poll).
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := other.Client.GetSessionInfo()
		if err != nil && strings.Contains(err.Error(), "NOT_AUTHENTICATED") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still accepts the token after the logout on A: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
