package grant

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

func TestRealmAdmits(t *testing.T) {
	for _, tc := range []struct {
		realm Realm
		org   string
		want  bool
	}{
		{Realm{Org: "acme"}, "acme", true},
		{Realm{Org: "ACME"}, "acme", true},
		{Realm{Org: "acme"}, "globex", false},
		{Realm{Org: "System"}, "System", false}, // System is served at /oauth/provider only
		{Realm{Provider: true}, "System", true},
		{Realm{Provider: true}, "system", true},
		{Realm{Provider: true}, "acme", false},
		{Realm{Org: ""}, "", false},
	} {
		if got := tc.realm.Admits(tc.org); got != tc.want {
			t.Errorf("%s admits %q = %v, want %v", tc.realm, tc.org, got, tc.want)
		}
	}
}

// CodeOf: an error's own OAuth code wins; otherwise its kind decides.
func TestCodeOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{Error(CodeSlowDown, "x"), CodeSlowDown},
		{apierr.New(apierr.Invalid, "x").WithCode("BAD_REQUEST"), CodeInvalidRequest}, // a minor code is no OAuth code
		{apierr.New(apierr.Conflict, "x"), CodeInvalidClientMeta},
		{apierr.New(apierr.Unauthenticated, "x"), "invalid_token"},
		{apierr.New(apierr.Forbidden, "x"), CodeAccessDenied},
		{apierr.New(apierr.TooLarge, "x"), CodeInvalidRequest},
		{ErrThrottled, "temporarily_unavailable"},
		{apierr.New(apierr.Unavailable, "x"), "temporarily_unavailable"},
		{errors.New("boom"), "server_error"},
	} {
		if got := CodeOf(tc.err); got != tc.want {
			t.Errorf("CodeOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// Refuse keeps what a client must see as it is and folds the rest into
// the grant's catch-all.
func TestRefuse(t *testing.T) {
	catchAll := Error(CodeInvalidGrant, "catch-all")
	for _, tc := range []struct {
		name string
		err  error
		keep bool
	}{
		{"coded client error", Error(CodeInvalidClient, "x"), true},
		{"throttled", ErrThrottled, true},
		{"unavailable", apierr.New(apierr.Unavailable, "x"), true},
		{"internal", apierr.New(apierr.Internal, "x"), true},
		{"owner gone", apierr.New(apierr.NotFound, "x"), false},
		{"stale", apierr.New(apierr.Unauthenticated, "x"), false},
		{"uncoded invalid", apierr.New(apierr.Invalid, "x"), false},
	} {
		got := Refuse(tc.err, catchAll)
		if (got == tc.err) != tc.keep || (!tc.keep && got != catchAll) {
			t.Errorf("%s: Refuse(%v) = %v, keep=%v", tc.name, tc.err, got, tc.keep)
		}
	}
}

func TestLimiter(t *testing.T) {
	t0 := time.Now()
	l := NewLimiter(2, time.Minute)
	if l.Blocked("a", t0) {
		t.Fatal("blocked before any failure")
	}
	l.Fail("a", t0)
	l.Fail("a", t0.Add(time.Second))
	if !l.Blocked("a", t0.Add(2*time.Second)) || l.Blocked("b", t0) {
		t.Fatal("budget of a not enforced, or b blocked")
	}
	if l.Blocked("a", t0.Add(time.Minute)) {
		t.Fatal("still blocked after the window")
	}
	l.Fail("a", t0.Add(time.Minute)) // a new window starts
	if l.Blocked("a", t0.Add(time.Minute)) {
		t.Fatal("one failure of a new window blocks")
	}
	off := NewLimiter(-1, time.Minute)
	for range 10 {
		off.Fail("a", t0)
	}
	if off.Blocked("a", t0) || l.Blocked("", t0) {
		t.Fatal("a disabled limiter or an unknown address blocks")
	}
	// Memory stays bounded under failures from very many addresses.
	big := NewLimiter(5, time.Hour)
	for i := range maxAddresses + 10 {
		big.Fail(strings.Repeat("x", i%7)+string(rune(i)), t0)
	}
	if len(big.seen) > maxAddresses {
		t.Fatalf("%d addresses kept, limit %d", len(big.seen), maxAddresses)
	}
}
