package e2e

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vmware/go-vcloud-director/v3/types/v56"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// The audit trail read as govcd's own tests read Cloud Director's: raw
// JSON pages followed one event at a time, and an inline struct, with a
// FIQL timestamp filter in the SDK's format.
func TestSDKAuditTrail(t *testing.T) {
	srv := testserver.Start(t)
	start := time.Now().Add(-time.Minute)
	for _, who := range []string{"alice", "bob", "carol"} {
		c := newClient(t, srv)
		if err := c.Authenticate(who, testserver.Password, "acme"); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, srv)
	if err := c.Authenticate("administrator", testserver.AdminPassword, "System"); err != nil {
		t.Fatal(err)
	}
	urlRef, err := c.Client.OpenApiBuildEndpoint(types.OpenApiPathVersion1_0_0 + types.OpenApiEndpointAuditTrail)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{}
	q.Add("filter", "timestamp=gt="+start.UTC().Format(types.FiqlQueryTimestampFormat)+";eventType==login")
	q.Add("pageSize", "1")
	q.Add("sortDesc", "timestamp")
	raw := []json.RawMessage{{}}
	if err := c.Client.OpenApiGetAllItems("37.0", urlRef, q, &raw, nil); err != nil {
		t.Fatalf("OpenApiGetAllItems (raw): %v", err)
	}
	if len(raw) != 4 {
		t.Fatalf("%d login events, want 4", len(raw))
	}
	for _, r := range raw {
		if strings.Count(string(r), "urn:vcloud:audit:") != 1 {
			t.Fatalf("event without an audit URN: %s", r)
		}
	}

	type event struct {
		EventID      string `json:"eventId"`
		OperatingOrg struct {
			Name string `json:"name"`
		} `json:"operatingOrg"`
		User struct {
			Name string `json:"name"`
			ID   string `json:"id"`
		} `json:"user"`
		EventType   string `json:"eventType"`
		EventStatus string `json:"eventStatus"`
		Timestamp   string `json:"timestamp"`
	}
	events := []*event{{}}
	q = url.Values{}
	q.Add("filter", "operatingOrg.name==acme")
	if err := c.Client.OpenApiGetAllItems("37.0", urlRef, q, &events, nil); err != nil {
		t.Fatalf("OpenApiGetAllItems (struct): %v", err)
	}
	users := map[string]bool{}
	for _, e := range events {
		if e.EventType == "login" && e.EventStatus == "SUCCESS" {
			users[e.User.Name] = true
		}
		if _, err := time.Parse(types.FiqlQueryTimestampFormat, e.Timestamp); err != nil {
			t.Errorf("timestamp %q: %v", e.Timestamp, err)
		}
	}
	if !users["alice"] || !users["bob"] || !users["carol"] {
		t.Fatalf("logins seen: %v", users)
	}
}
