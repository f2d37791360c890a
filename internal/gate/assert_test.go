package gate

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// An assertion is signed once per session view, audience and key, kept on
// the view for the session's next requests, signed again shortly before it
// expires, and let go of by the view once expired.
func TestAssertionReuse(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	keys, err := NewKeys(KeysConfig{Store: st, Secret: []byte("0123456789abcdef0123456789abcdef-test"), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Load(ctx); err != nil {
		t.Fatal(err)
	}
	a := newAssertions(keys, clock)
	view := func() *session.Session {
		return &session.Session{ID: urn.New(), Principal: authz.Principal{UserID: urn.New(), UserName: "bob", OrgID: urn.New(), OrgName: "acme"},
			Created: now, Expires: now.Add(time.Hour)}
	}
	s, other := view(), view()
	get := func(s *session.Session, aud string) *signed {
		t.Helper()
		c, err := a.get(s, aud, "https://gate.example")
		if err != nil {
			t.Fatal(err)
		}
		if c.view != s || c.aud != aud || len(c.hdr) != 8 || c.hdr[0].v[0] != c.jwt {
			t.Fatalf("assertion %+v for view %p, audience %s", c, s, aud)
		}
		return c
	}

	first := get(s, "billing")
	for _, step := range []struct {
		name    string
		advance time.Duration
		s       *session.Session
		aud     string
		same    bool // the same assertion as first
	}{
		{"the next request", 0, s, "billing", true},
		{"another audience signs its own", 0, s, "metering", false},
		{"back to the first audience: from the map, not signed again", time.Second, s, "billing", true},
		{"another view of the same session (its role changed)", 0, &session.Session{ID: s.ID, Created: now, Expires: now.Add(time.Hour)}, "billing", false},
		{"still fresh", MaxAssertionLife - reuseMargin - 2*time.Second, s, "billing", true},
		{"about to expire: signed again", 2 * time.Second, s, "billing", false},
	} {
		now = now.Add(step.advance)
		if got := get(step.s, step.aud); (got == first) != step.same {
			t.Errorf("%s: same assertion = %v, want %v", step.name, got == first, step.same)
		}
	}
	if m, _ := s.Memo().(*signed); m == nil || m == first {
		t.Fatalf("the view keeps %p, want the assertion signed last", m)
	}

	// Once expired, the map lets go of it at its next prune, and so does
	// the session's view (an idle session keeps no dead assertion).
	now = now.Add(2 * MaxAssertionLife)
	get(other, "billing")
	if m, _ := s.Memo().(*signed); m != nil {
		t.Errorf("an idle session's view still holds an expired assertion")
	}
	if m, _ := other.Memo().(*signed); m == nil {
		t.Errorf("the session just used lost its assertion")
	}
}
