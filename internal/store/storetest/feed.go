package storetest

import (
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func testSettings(t *testing.T, s store.Store) {
	c := ctx(t)
	got, err := s.Settings(c)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("fresh store has settings %v", got)
	}
	update(t, s, func(tx store.Tx) error {
		if err := tx.SetSetting(c, "session-idle-timeout", "30m"); err != nil {
			return err
		}
		return tx.SetSetting(c, "session-idle-timeout", "45m")
	})
	got, err = s.Settings(c)
	must(t, err)
	if got["session-idle-timeout"] != "45m" || len(got) != 1 {
		t.Fatalf("Settings = %v", got)
	}
}

func testChanges(t *testing.T, s store.Store) {
	c := ctx(t)
	first, last, err := s.ChangeBounds(c)
	must(t, err)
	if first != 0 || last != 0 {
		t.Fatalf("empty feed bounds = %d, %d", first, last)
	}
	ids := []urn.UUID{urn.New(), urn.New(), urn.New()}
	update(t, s, func(tx store.Tx) error {
		for i, id := range ids {
			if err := tx.Emit(c, store.Change{Topic: store.TopicSessionEnded, Subject: id, At: t0.Add(time.Duration(i) * time.Hour)}); err != nil {
				return err
			}
		}
		return tx.Emit(c, store.Change{Topic: store.TopicSettings, At: t0.Add(3 * time.Hour)})
	})
	all, err := s.Changes(c, 0, nil, 100)
	must(t, err)
	if len(all) != 4 || all[0].Subject != ids[0] || all[3].Topic != store.TopicSettings || !all[3].Subject.IsZero() {
		t.Fatalf("Changes = %+v", all)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("sequence not increasing: %+v", all)
		}
	}
	after, err := s.Changes(c, all[1].Seq, []int64{all[0].Seq}, 2)
	must(t, err)
	if len(after) != 2 || after[0].Seq != all[0].Seq || after[1].Seq != all[2].Seq {
		t.Fatalf("Changes(after, also, limit) = %+v", after)
	}
	first, last, err = s.ChangeBounds(c)
	must(t, err)
	if first != all[0].Seq || last != all[3].Seq {
		t.Fatalf("bounds = %d, %d", first, last)
	}
	// Purging everything still keeps the newest entry.
	update(t, s, func(tx store.Tx) error { _, err := tx.PurgeChangesUpTo(c, t0.Add(100*time.Hour), 1000); return err })
	first, last, err = s.ChangeBounds(c)
	must(t, err)
	if first != all[3].Seq || last != all[3].Seq {
		t.Fatalf("bounds after purge = %d, %d", first, last)
	}
}

func testAudit(t *testing.T, s store.Store) {
	c := ctx(t)
	org, _, u := fixture(t, s, "acme", "alice")
	update(t, s, func(tx store.Tx) error {
		for i, typ := range []string{"login", "login", "logout"} {
			if err := tx.InsertAudit(c, store.AuditEvent{At: t0.Add(time.Duration(i) * time.Second), Type: typ, Outcome: "success",
				OrgID: org.ID, ActorID: u.ID, ActorName: u.Name, ClientIP: "192.0.2.1", RequestID: "r"}); err != nil {
				return err
			}
		}
		return tx.InsertAudit(c, store.AuditEvent{At: t0, Type: "login", Outcome: "failure", Detail: "unknown user"})
	})
	evs, total, err := s.AuditEvents(c, store.AuditQuery{OrgID: org.ID})
	must(t, err)
	if total != 3 || evs[0].Type != "logout" || evs[0].ActorID != u.ID {
		t.Fatalf("AuditEvents(org) = %d %+v", total, evs)
	}
	evs, total, err = s.AuditEvents(c, store.AuditQuery{Type: "login", Page: store.Page{Limit: 1}})
	must(t, err)
	if total != 3 || len(evs) != 1 {
		t.Fatalf("AuditEvents(type) = %d %d", total, len(evs))
	}
	update(t, s, func(tx store.Tx) error { _, err := tx.PruneAudit(c, t0.Add(time.Second), 1000); return err })
	_, total, _ = s.AuditEvents(c, store.AuditQuery{})
	if total != 2 {
		t.Fatalf("after purge %d events, want 2", total)
	}
}
