package cluster

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store/postgres/pgtest"
)

// revocation is one way to end sessions on one instance (or from the
// command line) that every other instance must honour. setup logs in and
// returns the tokens that must die; revoke ends them; after, if set,
// checks what else the revocation must have done once they are refused.
type revocation struct {
	name   string
	setup  func(t *testing.T, c *trio) []string
	revoke func(t *testing.T, c *trio)
	after  func(t *testing.T, c *trio)
}

// trio is three instances on one database, and what a case keeps.
type trio struct {
	a, b, c *instance
	dsn     string
	victim  session
	token   apiToken // the API token a case revokes
}

// Logging in on A, using the session on B, revoking on C: refused on A and
// B (and C), within the feed's delay.
func TestThreeInstancesRevocation(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ins := startInstances(t, dsn, 3)
	c := &trio{a: ins[0], b: ins[1], c: ins[2], dsn: dsn}

	cases := []revocation{
		{
			name: "logout on C",
			setup: func(t *testing.T, c *trio) []string {
				c.victim = mustLogin(t, c.a, "alice", "acme")
				return []string{c.victim.token}
			},
			revoke: func(t *testing.T, c *trio) {
				if got := del(c.c, "/cloudapi/1.0.0/sessions/current", c.victim.token); got != http.StatusNoContent {
					t.Fatalf("logout on C = %d", got)
				}
			},
		},
		{
			name: "DELETE sessions/{id} by an org admin on C",
			setup: func(t *testing.T, c *trio) []string {
				c.victim = mustLogin(t, c.a, "bob", "acme")
				return []string{c.victim.token}
			},
			revoke: func(t *testing.T, c *trio) {
				admin := mustLogin(t, c.c, "alice", "acme")
				if got := del(c.c, "/cloudapi/1.0.0/sessions/"+c.victim.id, admin.token); got != http.StatusNoContent {
					t.Fatalf("DELETE sessions/{id} on C = %d", got)
				}
			},
		},
		{
			name: "DELETE sessions/{id} by the System administrator on C",
			setup: func(t *testing.T, c *trio) []string {
				c.victim = mustLogin(t, c.b, "dave", "globex")
				return []string{c.victim.token}
			},
			revoke: func(t *testing.T, c *trio) {
				admin := mustLogin(t, c.c, "administrator", "System")
				if got := del(c.c, "/cloudapi/1.0.0/sessions/"+c.victim.id, admin.token); got != http.StatusNoContent {
					t.Fatalf("DELETE sessions/{id} on C = %d", got)
				}
			},
		},
		{
			name: "cloudgate user disable",
			setup: func(t *testing.T, c *trio) []string {
				return []string{mustLogin(t, c.a, "carol", "acme").token, mustLogin(t, c.b, "carol", "acme").token}
			},
			revoke: func(t *testing.T, c *trio) { cli(t, c.dsn, "", "user", "disable", "acme", "carol") },
		},
		{
			name: "cloudgate user set-password",
			setup: func(t *testing.T, c *trio) []string {
				return []string{mustLogin(t, c.a, "erin", "acme").token}
			},
			revoke: func(t *testing.T, c *trio) {
				cli(t, c.dsn, "Erin-new-password-2\n", "user", "set-password", "acme", "erin")
			},
		},
		{
			name: "cloudgate org disable",
			setup: func(t *testing.T, c *trio) []string {
				return []string{mustLogin(t, c.c, "dave", "globex").token}
			},
			revoke: func(t *testing.T, c *trio) { cli(t, c.dsn, "", "org", "disable", "globex") },
		},
		tokenCase("API token: DELETE tokens/{urn} on C", func(t *testing.T, c *trio) {
			revokeByID(t, c.c, c.token, c.victim.token)
		}),
		tokenCase("API token: RFC 7009 revoke on C", func(t *testing.T, c *trio) {
			revokeBySecret(t, c.c, "acme", c.token)
		}),
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tokens := tc.setup(t, c)
			for _, tok := range tokens {
				// Every instance has the session in memory before it ends.
				wantStatus(t, tok, http.StatusOK, c.a, c.b, c.c)
			}
			tc.revoke(t, c)
			for _, tok := range tokens {
				d := refusedWithin(t, tok, 5*time.Second, c.a, c.b, c.c)
				t.Logf("refused everywhere %v after the revocation returned", d)
			}
			if tc.after != nil {
				tc.after(t, c)
			}
		})
	}

	t.Run("API token revoked concurrently with exchanges on every instance", func(t *testing.T) {
		tokenRevokedUnderExchanges(t, c)
	})

	t.Run("settings apply on every instance", func(t *testing.T) {
		s := mustLogin(t, c.a, "alice", "acme")
		cli(t, dsn, "", "settings", "set", "session-idle-timeout", "45m")
		deadline := time.Now().Add(5 * time.Second)
		for _, in := range ins {
			for {
				code, body := get(in, "/cloudapi/1.0.0/sessions/current", s.token)
				var v struct {
					Idle int `json:"sessionIdleTimeoutMinutes"`
				}
				_ = json.Unmarshal(body, &v)
				if code == http.StatusOK && v.Idle == 45 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("instance %s reports idle timeout %d (status %d), want 45", in.name, v.Idle, code)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	})

	// A lost notification delays a revocation by at most a poll interval:
	// with the notify trigger disabled, polling alone delivers it.
	t.Run("polling fallback without notifications", func(t *testing.T) {
		execSQL(t, dsn, `ALTER TABLE changes DISABLE TRIGGER changes_notify`)
		defer execSQL(t, dsn, `ALTER TABLE changes ENABLE TRIGGER changes_notify`)
		s := mustLogin(t, c.a, "alice", "acme")
		wantStatus(t, s.token, http.StatusOK, c.a, c.b, c.c)
		if got := del(c.c, "/cloudapi/1.0.0/sessions/current", s.token); got != http.StatusNoContent {
			t.Fatalf("logout on C = %d", got)
		}
		d := refusedWithin(t, s.token, 3*time.Second, c.a, c.b)
		t.Logf("refused by polling %v after the revocation returned", d)
	})

	// Listener connections dropped: the instances reconnect, then read
	// what was committed while they were deaf.
	t.Run("listeners reconnect and resynchronise", func(t *testing.T) {
		s := mustLogin(t, c.a, "alice", "acme")
		wantStatus(t, s.token, http.StatusOK, c.a, c.b, c.c)
		execSQL(t, dsn, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`)
		if got := del(c.c, "/cloudapi/1.0.0/sessions/current", s.token); got != http.StatusNoContent {
			t.Fatalf("logout on C = %d", got)
		}
		refusedWithin(t, s.token, 3*time.Second, c.a, c.b)
		// And notifications work again afterwards.
		s = mustLogin(t, c.a, "alice", "acme")
		wantStatus(t, s.token, http.StatusOK, c.a, c.b)
		time.Sleep(500 * time.Millisecond) // let every listener reconnect
		if got := del(c.c, "/cloudapi/1.0.0/sessions/current", s.token); got != http.StatusNoContent {
			t.Fatalf("logout on C = %d", got)
		}
		t.Logf("after reconnecting: refused in %v", refusedWithin(t, s.token, 3*time.Second, c.a, c.b))
	})

	t.Run("health", func(t *testing.T) {
		for _, in := range ins {
			code, body := get(in, "/healthz", "")
			if code != http.StatusOK || string(body) != `{"status":"ok","store":"postgres"}`+"\n" {
				t.Fatalf("healthz on %s = %d %s", in.name, code, body)
			}
		}
	})
}
