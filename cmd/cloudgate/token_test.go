package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/seed"
	"github.com/cloudgate/cloudgate/internal/server"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/sqlite"
	"github.com/cloudgate/cloudgate/internal/testserver"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// mintToken prepares a data directory holding one issued token of
// bob@acme and returns the token's id and secret.
func mintToken(t *testing.T, data string) (urn.UUID, string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(data, "cloudgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Options{Store: st,
		Hasher: secret.HasherConfig{Params: secret.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := seed.Apply(ctx, srv.Directory(), testserver.DefaultSeed()); err != nil {
		t.Fatal(err)
	}
	u, o, _ := srv.Directory().User(ctx, "acme", "bob")
	r, _ := srv.Directory().RoleOf(ctx, u)
	issued, err := srv.Sessions().Create(ctx, session.Spec{User: u, Org: o, Role: r, Origin: store.OriginPassword})
	if err != nil {
		t.Fatal(err)
	}
	realm := grant.Realm{Org: "acme"}
	tok, err := srv.Tokens().Register(ctx, &issued.Session.Principal, realm, apitoken.RegisterSpec{Name: "deploy bot"}, grant.Client{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := srv.Tokens().Mint(ctx, realm, issued.Token, tok.ID.String(), grant.Client{})
	if err != nil {
		t.Fatal(err)
	}
	return tok.ID, g.RefreshToken
}

func TestTokenCommand(t *testing.T) {
	data := t.TempDir()
	id, sec := mintToken(t, data)
	run := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		a := &app{stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
		code := a.run(context.Background(), append(args, "--data", data))
		return out.String() + errOut.String(), code
	}
	out, code := run("token", "list")
	if code != 0 || !strings.Contains(out, `"deploy bot"`) || !strings.Contains(out, id.URN(urn.Token)) || strings.Contains(out, sec) {
		t.Fatalf("token list = %d\n%s", code, out)
	}
	if out, code := run("token", "list", "--org", "globex"); code != 0 || strings.Contains(out, "deploy bot") {
		t.Fatalf("token list --org globex = %d\n%s", code, out)
	}
	if out, code := run("token", "list", "--org", "acme", "--user", "bob"); code != 0 || !strings.Contains(out, "deploy bot") {
		t.Fatalf("token list --org acme --user bob = %d\n%s", code, out)
	}
	if _, code := run("token", "list", "--user", "bob"); code != 2 {
		t.Fatalf("--user without --org: exit %d, want 2", code)
	}
	if _, code := run("token", "revoke", "nonsense"); code != 2 {
		t.Fatalf("revoke of a malformed id: exit %d, want 2", code)
	}
	if out, code := run("token", "revoke", id.String()); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("token revoke = %d\n%s", code, out)
	}
	if out, code := run("token", "revoke", id.URN(urn.Token)); code != 1 || !strings.Contains(out, "does not exist") {
		t.Fatalf("second revoke = %d\n%s", code, out)
	}
	if out, _ := run("token", "list"); strings.Contains(out, "deploy bot") {
		t.Fatalf("a revoked token is listed:\n%s", out)
	}

	// The revocation is in the store: a server on it refuses the token.
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(data, "cloudgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.Tokens().Exchange(ctx, grant.Realm{Org: "acme"}, sec, "", grant.Client{}); !apierr.Is(err, apierr.Invalid) {
		t.Fatalf("exchange after token revoke: %v", err)
	}
}
