package storetest

import (
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/store"
)

// testAuditTrail covers the audit trail's reading side (org scope, FIQL,
// sort, paging, the stream's cursor, the user agent) and bounded pruning.
func testAuditTrail(t *testing.T, s store.Store) {
	c := ctx(t)
	acme, _, alice := fixture(t, s, "acme", "alice")
	globex, _, dave := fixture(t, s, "globex", "dave")
	if seq, err := s.LastAuditSeq(c); err != nil || seq != 0 {
		t.Fatalf("LastAuditSeq of an empty trail = %d, %v", seq, err)
	}
	update(t, s, func(tx store.Tx) error {
		for i, e := range []store.AuditEvent{
			{Type: "login", Outcome: "success", OrgID: acme.ID, ActorID: alice.ID, ActorName: "alice", UserAgent: "govcd/3.1.1"},
			{Type: "login", Outcome: "failure", OrgID: acme.ID, ActorID: alice.ID, ActorName: "alice", Detail: "wrong password"},
			{Type: "token.revoke", Outcome: "success", OrgID: acme.ID, ActorID: alice.ID, ActorName: "alice", Subject: "urn:vcloud:token:x"},
			{Type: "login", Outcome: "success", OrgID: globex.ID, ActorID: dave.ID, ActorName: "dave", ClientIP: "198.51.100.4"},
			{Type: "login", Outcome: "failure", ActorName: "nobody@nowhere", Detail: "unknown user"},
		} {
			e.At = t0.Add(time.Duration(i) * time.Minute)
			if err := tx.InsertAudit(c, e); err != nil {
				return err
			}
		}
		return nil
	})
	filter := func(s string) fiql.Expr {
		e, err := fiql.Parse(s)
		must(t, err)
		must(t, store.AuditSchema().Check(e))
		return e
	}
	for _, tc := range []struct {
		name  string
		q     store.AuditTrailQuery
		total int
		first string // ActorName of the first row
	}{
		{"everything, newest first", store.AuditTrailQuery{}, 5, "nobody@nowhere"},
		{"one org", store.AuditTrailQuery{OrgID: acme.ID}, 3, "alice"},
		{"oldest first", store.AuditTrailQuery{Ascending: true}, 5, "alice"},
		{"by type and status", store.AuditTrailQuery{Filter: filter("eventType==login;eventStatus==FAILURE")}, 2, "nobody@nowhere"},
		{"by org name, any case", store.AuditTrailQuery{Filter: filter("operatingOrg.name==GLOBEX")}, 1, "dave"},
		{"by time", store.AuditTrailQuery{Filter: filter("timestamp=ge=" + t0.Add(3*time.Minute).Format(time.RFC3339))}, 2, "nobody@nowhere"},
		{"by user agent", store.AuditTrailQuery{Filter: filter("userAgent==govcd*")}, 1, "alice"},
		{"sorted by actor", store.AuditTrailQuery{Sort: []store.Sort{{Field: "user.name"}}}, 5, "alice"},
		{"paged", store.AuditTrailQuery{Page: store.Page{Offset: 1, Limit: 2}}, 5, "dave"},
	} {
		rows, total, err := s.AuditTrail(c, tc.q)
		must(t, err)
		if total != tc.total || len(rows) == 0 || rows[0].ActorName != tc.first {
			t.Errorf("%s: total %d, rows %+v", tc.name, total, rows)
		}
	}
	rows, _, err := s.AuditTrail(c, store.AuditTrailQuery{Filter: filter("userAgent==govcd*")})
	must(t, err)
	if rows[0].UserAgent != "govcd/3.1.1" || rows[0].OrgName != "acme" || rows[0].OrgID != acme.ID || !rows[0].At.Equal(t0) {
		t.Errorf("row read back as %+v", rows[0])
	}
	last, err := s.LastAuditSeq(c)
	must(t, err)
	rows, _, err = s.AuditTrail(c, store.AuditTrailQuery{AfterSeq: last - 2, Ascending: true})
	must(t, err)
	if len(rows) != 2 || rows[0].ActorName != "dave" || rows[1].Seq != last {
		t.Errorf("after seq %d: %+v", last-2, rows)
	}
	if rows[0].OrgName != "globex" || rows[1].OrgName != "" {
		t.Errorf("org names %q %q", rows[0].OrgName, rows[1].OrgName)
	}
	if _, _, err := s.AuditTrail(c, store.AuditTrailQuery{Sort: []store.Sort{{Field: "nope"}}}); err == nil {
		t.Error("sorting by an unknown field succeeded")
	}

	// Pruning is bounded and oldest first.
	var n int
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.PruneAudit(c, t0.Add(4*time.Minute), 2)
		return err
	})
	if n != 2 {
		t.Fatalf("first batch pruned %d, want 2", n)
	}
	rows, total, err := s.AuditTrail(c, store.AuditTrailQuery{Ascending: true})
	must(t, err)
	if total != 3 || rows[0].Type != "token.revoke" {
		t.Fatalf("after one batch: %d, first %+v", total, rows[0])
	}
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.PruneAudit(c, t0.Add(4*time.Minute), 100)
		return err
	})
	if _, total, _ = s.AuditTrail(c, store.AuditTrailQuery{}); n != 2 || total != 1 {
		t.Fatalf("second batch pruned %d, %d left; want 2, 1", n, total)
	}
}
