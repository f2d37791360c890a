package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/testserver"
)

// The background sweeper prunes events older than audit-retention and
// keeps the rest; more than one batch is pruned in one sweep.
func TestAuditRetentionPrunes(t *testing.T) {
	srv := testserver.Start(t, testserver.WithOptions(func(o *server.Options) { o.SweepInterval = 100 * time.Millisecond }))
	ctx := context.Background()
	if err := srv.Server.Settings().Set(ctx, audit.CLI(), "audit-retention", "30d"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err := srv.Store().Update(ctx, func(tx store.Tx) error {
		for i := 0; i < 1200; i++ {
			if err := tx.InsertAudit(ctx, audit.Event(audit.CLI(), now.Add(-31*24*time.Hour), "old", audit.Success, "", "")); err != nil {
				return err
			}
		}
		return tx.InsertAudit(ctx, audit.Event(audit.CLI(), now.Add(-29*24*time.Hour), "recent", audit.Success, "", ""))
	})
	if err != nil {
		t.Fatal(err)
	}
	count := func(typ string) int {
		_, n, err := srv.Store().AuditTrail(ctx, store.AuditTrailQuery{Filter: mustFilter(t, "eventType=="+typ), Page: store.Page{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(15 * time.Second)
	for count("old") > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := count("old"); n != 0 {
		t.Fatalf("%d events past retention remain", n)
	}
	if n := count("recent"); n != 1 {
		t.Fatalf("the event within retention: %d", n)
	}
}

func mustFilter(t *testing.T, s string) fiql.Expr {
	t.Helper()
	e, err := fiql.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
