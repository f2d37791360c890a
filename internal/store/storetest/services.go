package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// newService returns a service of org with VDCs of the given names.
func newService(org store.Org, name string, vdcs ...string) store.ComputeService {
	svc := store.ComputeService{ID: urn.New(), OrgID: org.ID, Name: name, Region: "US - Anywhere", Type: "compute:vpc", CreatedAt: t0}
	for _, v := range vdcs {
		svc.VDCs = append(svc.VDCs, store.VDC{ID: urn.New(), ServiceID: svc.ID, OrgID: org.ID, Name: v, CreatedAt: t0.Add(time.Second)})
	}
	return svc
}

func testServices(t *testing.T, s store.Store) {
	c := ctx(t)
	acme, _, _ := fixture(t, s, "acme", "alice")
	other, _, _ := fixture(t, s, "other", "carol")

	// VDCs come back ordered by name whatever the insertion order.
	b := newService(acme, "beta", "vdc-b", "VDC-A")
	a := newService(acme, "Alpha")
	o := newService(other, "beta", "vdc-b")
	update(t, s, func(tx store.Tx) error {
		for _, svc := range []store.ComputeService{b, a, o} {
			if err := tx.InsertComputeService(c, svc); err != nil {
				return err
			}
		}
		return nil
	})
	b.VDCs[0], b.VDCs[1] = b.VDCs[1], b.VDCs[0]

	got, err := s.ComputeServices(c, acme.ID)
	must(t, err)
	if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID {
		t.Fatalf("ComputeServices = %+v, want Alpha then beta", got)
	}
	if got[0].VDCs != nil {
		t.Fatalf("a service without VDCs has %+v", got[0].VDCs)
	}
	if !reflect.DeepEqual(got[1], b) {
		t.Fatalf("ComputeServices[1] = %+v, want %+v", got[1], b)
	}
	one, err := s.ComputeServiceByID(c, b.ID)
	must(t, err)
	if !reflect.DeepEqual(one, b) {
		t.Fatalf("ComputeServiceByID = %+v, want %+v", one, b)
	}
	v, err := s.VDCByID(c, o.VDCs[0].ID)
	must(t, err)
	if !reflect.DeepEqual(v, o.VDCs[0]) {
		t.Fatalf("VDCByID = %+v, want %+v", v, o.VDCs[0])
	}
	_, err = s.ComputeServiceByID(c, urn.New())
	wantErr(t, err, store.ErrNotFound)
	_, err = s.VDCByID(c, urn.New())
	wantErr(t, err, store.ErrNotFound)
	none, err := s.ComputeServices(c, urn.New())
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("services of an unknown org: %+v", none)
	}

	// Names are unique per org ignoring case; VDC names unique per service.
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.InsertComputeService(c, newService(acme, "ALPHA")) }), store.ErrConflict)
	wantErr(t, s.Update(c, func(tx store.Tx) error {
		return tx.InsertComputeService(c, newService(acme, "gamma", "x", "X"))
	}), store.ErrConflict)
	// The failed insert left nothing behind (no service without its VDCs).
	got, err = s.ComputeServices(c, acme.ID)
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("a failed insert left %d services", len(got))
	}

	// Deleting removes the service and its VDCs, and only those.
	update(t, s, func(tx store.Tx) error { return tx.DeleteComputeService(c, b.ID) })
	_, err = s.VDCByID(c, b.VDCs[0].ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.VDCByID(c, o.VDCs[0].ID)
	must(t, err)
	wantErr(t, s.Update(c, func(tx store.Tx) error { return tx.DeleteComputeService(c, b.ID) }), store.ErrNotFound)
	got, err = s.ComputeServices(c, acme.ID)
	must(t, err)
	if len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("after delete: %+v", got)
	}
	// The name is free again.
	update(t, s, func(tx store.Tx) error { return tx.InsertComputeService(c, newService(acme, "beta", "vdc-b")) })
}
