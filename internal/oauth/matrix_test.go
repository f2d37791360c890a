package oauth_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Who may do what with tokens: every role × every token operation × the
// two kinds of session (made with a password, made from an API token).
// Sessions made from an API token may register, issue, see and revoke no
// token (403, or invalid_grant for the jwt-bearer assertion); trading a
// token for a session needs no session at all, so it works whatever
// Authorization carries.
func TestAccessMatrix(t *testing.T) {
	srv := testserver.Start(t)
	ctx := t.Context()
	dir := srv.Server.Directory()
	erin := account{"erin", "globex", testserver.Password}
	operator := account{"operator", "System", testserver.Password}
	for _, u := range []struct {
		a    account
		role string
	}{{erin, identity.RoleVAppAuthor}, {operator, identity.RoleSystemAdmin}} {
		if _, err := dir.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: u.a.org, Name: u.a.user, Password: u.a.password, Role: u.role}); err != nil {
			t.Fatal(err)
		}
	}
	c := newTestClient(t, srv)
	passwords := map[string]string{}
	for _, a := range []account{bob, alice, carol, dave, erin, admin, operator} {
		passwords[a.user] = c.login(a)
	}

	// carol's role may not register tokens; hers are put in the store
	// directly so that she, too, can hold a token session.
	n := 0
	tokenFor := func(owner account, minted bool) (id, sec string) {
		n++
		name := fmt.Sprintf("t%d", n)
		if owner != carol {
			if !minted {
				r := c.register(owner.realm(), passwords[owner.user], name)
				if r.status != http.StatusOK {
					t.Fatalf("register for %s: %d %s", owner.user, r.status, r.body)
				}
				return r.str(t, "client_id"), ""
			}
			return c.newToken(owner, passwords[owner.user], name)
		}
		u, org, err := dir.User(ctx, owner.org, owner.user)
		if err != nil {
			t.Fatal(err)
		}
		tok := store.APIToken{ID: urn.New(), Name: name, OwnerID: u.ID, OrgID: org.ID, Type: store.TokenTypeRefresh, CreatedAt: time.Now()}
		s, d := secret.NewToken(secret.PrefixAPIToken)
		err = srv.Store().Update(ctx, func(tx store.Tx) error {
			if err := tx.InsertToken(ctx, tok); err != nil || !minted {
				return err
			}
			_, err := tx.MintToken(ctx, tok.ID, d, time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !minted {
			s = ""
		}
		return tok.ID.String(), s
	}
	tokenSessions := map[string]string{}
	for _, a := range []account{bob, alice, carol, dave, admin} {
		_, sec := tokenFor(a, true)
		tokenSessions[a.user] = c.exchange(a, sec)
	}

	type op func(actor account, session string) reply
	byID := func(method string, owner account) op {
		return func(_ account, session string) reply {
			id, _ := tokenFor(owner, true)
			return c.api(method, "/tokens/urn:vcloud:token:"+id, session)
		}
	}
	ops := []struct {
		name string
		run  func(actor, same, other account) op
	}{
		{"register", func(actor, _, _ account) op {
			return func(_ account, session string) reply {
				n++
				return c.register(actor.realm(), session, fmt.Sprintf("r%d", n))
			}
		}},
		{"mint", func(actor, _, _ account) op {
			return func(_ account, session string) reply {
				id, _ := tokenFor(actor, false)
				return c.grant(actor.realm(), c.mintForm(session, id))
			}
		}},
		{"exchange", func(actor, _, _ account) op {
			return func(_ account, session string) reply {
				_, sec := tokenFor(actor, true)
				return c.grant(actor.realm(), refreshForm(sec), "Authorization", "Bearer "+session)
			}
		}},
		{"list", func(_, _, _ account) op {
			return func(_ account, session string) reply { return c.api("GET", "/tokens", session) }
		}},
		{"get own", func(actor, _, _ account) op { return byID("GET", actor) }},
		{"get other, same org", func(_, same, _ account) op { return byID("GET", same) }},
		{"get other org's", func(_, _, other account) op { return byID("GET", other) }},
		{"revoke own", func(actor, _, _ account) op { return byID("DELETE", actor) }},
		{"revoke other's, same org", func(_, same, _ account) op { return byID("DELETE", same) }},
		{"revoke other org's", func(_, _, other account) op { return byID("DELETE", other) }},
	}
	type want [2]int // password session, API-token session
	for _, tc := range []struct {
		actor, same, other account
		want               []want // in the order of ops
	}{
		{bob, alice, dave, []want{{200, 403}, {200, 400}, {200, 200}, {200, 403}, {200, 403}, {403, 403}, {403, 403}, {204, 403}, {403, 403}, {403, 403}}},
		{alice, bob, dave, []want{{200, 403}, {200, 400}, {200, 200}, {200, 403}, {200, 403}, {200, 403}, {403, 403}, {204, 403}, {204, 403}, {403, 403}}},
		{carol, bob, dave, []want{{403, 403}, {400, 400}, {200, 200}, {403, 403}, {403, 403}, {403, 403}, {403, 403}, {403, 403}, {403, 403}, {403, 403}}},
		{dave, erin, bob, []want{{200, 403}, {200, 400}, {200, 200}, {200, 403}, {200, 403}, {200, 403}, {403, 403}, {204, 403}, {204, 403}, {403, 403}}},
		{admin, operator, bob, []want{{200, 403}, {200, 400}, {200, 200}, {200, 403}, {200, 403}, {200, 403}, {200, 403}, {204, 403}, {204, 403}, {204, 403}}},
	} {
		for i, o := range ops {
			for k, kind := range []string{"password", "API token"} {
				session := passwords[tc.actor.user]
				if k == 1 {
					session = tokenSessions[tc.actor.user]
				}
				t.Run(fmt.Sprintf("%s/%s/%s session", tc.actor.user, o.name, kind), func(t *testing.T) {
					r := o.run(tc.actor, tc.same, tc.other)(tc.actor, session)
					if r.status != tc.want[i][k] {
						t.Fatalf("status %d, want %d; body %s", r.status, tc.want[i][k], r.body)
					}
					// A refusal that comes from the session's origin says so
					// (carol's role lacks the rights whatever the session).
					if k == 1 && r.status == http.StatusForbidden && tc.actor != carol {
						if msg := r.str(t, "message"); !strings.Contains(msg, "API token") {
							t.Fatalf("403 for a token session does not name the API-token origin: %q", msg)
						}
					}
					if k == 1 && r.status == http.StatusBadRequest && r.str(t, "error") != "invalid_grant" {
						t.Fatalf("a token session as assertion: %s, want invalid_grant", r.body)
					}
				})
			}
		}
	}
	// None of that disturbed the actors' own sessions.
	for user, s := range tokenSessions {
		if r := c.api("GET", "/sessions/current", s); r.status != http.StatusOK {
			t.Fatalf("%s's token session: %d", user, r.status)
		}
	}
}

// What a list shows: own tokens, the org's, or everything.
func TestListReach(t *testing.T) {
	srv := testserver.Start(t)
	c := newTestClient(t, srv)
	sessions := map[string]string{}
	for _, a := range []account{bob, alice, dave, admin} {
		sessions[a.user] = c.login(a)
		c.newToken(a, sessions[a.user], "mine")
	}
	for _, tc := range []struct {
		actor  account
		owners []string
	}{
		{bob, []string{"bob"}},
		{alice, []string{"alice", "bob"}},
		{dave, []string{"dave"}},
		{admin, []string{"administrator", "alice", "bob", "dave"}},
	} {
		r := c.api("GET", "/tokens?sortAsc=owner.name", sessions[tc.actor.user])
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.actor.user, r.status, r.body)
		}
		var owners []string
		for _, v := range r.json(t)["values"].([]any) {
			tok := v.(map[string]any)
			owners = append(owners, tok["owner"].(map[string]any)["name"].(string))
			for _, k := range []string{"id", "name", "org", "type", "createdAt", "lastUsedAt", "expirationTimeUtc", "token"} {
				if _, ok := tok[k]; !ok {
					t.Fatalf("token JSON without %s: %v", k, tok)
				}
			}
		}
		if fmt.Sprint(owners) != fmt.Sprint(tc.owners) {
			t.Errorf("%s sees tokens of %v, want %v", tc.actor.user, owners, tc.owners)
		}
	}
}
