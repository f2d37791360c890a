package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
)

func testSigningKeys(t *testing.T, s store.Store) {
	c := ctx(t)
	if ks, err := s.SigningKeys(c); err != nil || len(ks) != 0 {
		t.Fatalf("SigningKeys on an empty store = %v, %v; want none", ks, err)
	}
	old := store.SigningKey{ID: "k-old", Algorithm: "ES256", Public: []byte(`{"kty":"EC"}`), Sealed: []byte{0, 1, 2, 0xff}, CreatedAt: t0}
	mid := store.SigningKey{ID: "k-b", Algorithm: "ES256", Public: []byte(`{"kty":"EC","x":"1"}`), Sealed: []byte{3}, CreatedAt: t0.Add(time.Hour)}
	twin := store.SigningKey{ID: "k-a", Algorithm: "ES256", Public: []byte(`{"kty":"EC","x":"2"}`), Sealed: []byte{4}, CreatedAt: t0.Add(time.Hour)}
	for _, k := range []store.SigningKey{old, mid, twin} {
		if err := s.InsertSigningKey(c, k); err != nil {
			t.Fatalf("InsertSigningKey(%s): %v", k.ID, err)
		}
	}
	if err := s.InsertSigningKey(c, store.SigningKey{ID: "k-old", Algorithm: "ES256", Public: []byte("{}"), Sealed: []byte{9}, CreatedAt: t0}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("inserting a taken id: %v, want ErrConflict", err)
	}
	got, err := s.SigningKeys(c)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.SigningKey{twin, mid, old} // newest first, ties by id
	if len(got) != len(want) {
		t.Fatalf("SigningKeys = %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Algorithm != w.Algorithm || !bytes.Equal(g.Public, w.Public) || !bytes.Equal(g.Sealed, w.Sealed) || !g.CreatedAt.Equal(w.CreatedAt.Truncate(time.Microsecond)) {
			t.Errorf("key %d = %+v, want %+v", i, g, w)
		}
	}
	if err := s.DeleteSigningKey(c, "k-old"); err != nil {
		t.Fatalf("DeleteSigningKey: %v", err)
	}
	if err := s.DeleteSigningKey(c, "k-old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
	if got, _ := s.SigningKeys(c); len(got) != 2 {
		t.Errorf("after delete: %d keys, want 2", len(got))
	}
}
