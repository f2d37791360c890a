package identity_test

import (
	"fmt"
	"testing"

	"github.com/cloudgate/cloudgate/internal/identity"
)

// TestSuccessKeepsOtherUsersFailures is the regression test of defect 2 of
// issue 15: one good login from an address wiped the address's whole
// failure budget, so an attacker holding any account could guess without
// end, 99 at a time. A success forgets only the failures of the account
// that logged in (NIST SP 800-63B §5.2.2).
func TestSuccessKeepsOtherUsersFailures(t *testing.T) {
	f := newFixture(t, light)
	const ip = "203.0.113.9"
	for i := 0; i < 3; i++ {
		f.login("alice", "acme", "wrong", ip)
	}
	for i := 0; i < 96; i++ {
		f.login(fmt.Sprintf("victim%d", i), "acme", "wrong", ip)
	}
	// 99 failures: alice's good login passes and forgets her own 3.
	if _, outcome, err := f.login("alice", "acme", pw, ip); err != nil {
		t.Fatalf("alice at 99 failures: %s %v", outcome, err)
	}
	for i := 0; i < 3; i++ {
		f.login(fmt.Sprintf("more%d", i), "acme", "wrong", ip)
	}
	// 96 + 3 = 99 failures against other names: still under the budget.
	if _, outcome, err := f.login("alice", "acme", pw, ip); err != nil {
		t.Fatalf("alice at 99 failures of others: %s %v", outcome, err)
	}
	f.login("onemore", "acme", "wrong", ip)
	// 100: the address is spent, whoever logs in.
	for _, who := range []string{"alice", "bob"} {
		if _, outcome, err := f.login(who, "acme", pw, ip); err == nil || outcome != identity.OutcomeThrottled {
			t.Fatalf("%s after 100 failures of others from the address: %s %v; want throttled", who, outcome, err)
		}
	}
	// Another address is untouched.
	if _, _, err := f.login("bob", "acme", pw, "203.0.113.10"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

// The loop of the report: 99 guesses, a good login, 99 guesses, ... is
// stopped at the 100th guess.
func TestGoodLoginDoesNotResetGuessing(t *testing.T) {
	f := newFixture(t, light)
	const ip = "203.0.113.20"
	guesses := 0
	for round := 0; round < 3; round++ {
		for i := 0; i < 99; i++ {
			if _, outcome, _ := f.login(fmt.Sprintf("u%d-%d", round, i), "acme", "wrong", ip); outcome == identity.OutcomeThrottled {
				if guesses < 100 {
					t.Fatalf("throttled after %d guesses", guesses)
				}
				return
			}
			guesses++
		}
		f.login("bob", "acme", pw, ip)
	}
	t.Fatalf("%d guesses evaluated from one address", guesses)
}
