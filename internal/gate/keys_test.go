package gate_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/gate"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
)

// A rotation's timeline on a real store: the new key is published at
// once, signs after the activation delay, and the old one stays published
// for the refresh interval, an assertion's life and a minute more.
func TestRotationTimeline(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	keys, err := gate.NewKeys(gate.KeysConfig{Store: st, Secret: testSecret, Now: clock, Activation: 2 * time.Minute, Refresh: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// A fresh installation signs at once.
	if err := keys.Load(ctx); err != nil {
		t.Fatal(err)
	}
	state := func() map[string]string {
		infos, err := keys.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, k := range infos {
			switch {
			case k.Signing:
				out[k.ID] = "signing"
			case k.Published:
				out[k.ID] = "published"
			default:
				out[k.ID] = "retired"
			}
		}
		return out
	}
	first := ""
	for id, s := range state() {
		if s != "signing" {
			t.Fatalf("first key %s is %s", id, s)
		}
		first = id
	}
	now = now.Add(10 * time.Minute)
	rotatedAt := now
	second, err := keys.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		at            time.Duration // after the rotation
		first, second string
	}{
		{time.Minute, "signing", "published"},
		{2 * time.Minute, "published", "signing"},
		// 2m activation + 30s refresh + 60s life + 1m margin.
		{4*time.Minute + 29*time.Second, "published", "signing"},
		{4*time.Minute + 31*time.Second, "retired", "signing"},
	} {
		now = rotatedAt.Add(step.at)
		got := state()
		if got[first] != step.first || got[second] != step.second {
			t.Errorf("%v after the rotation: first %s, second %s; want %s, %s", step.at, got[first], got[second], step.first, step.second)
		}
	}
	// The next rotation deletes the retired key.
	if _, err := keys.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := state()[first]; ok {
		t.Errorf("the retired key %s was not deleted", first)
	}
}
