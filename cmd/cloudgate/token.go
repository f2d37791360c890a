package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/config"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

const tokenUsage = `token <list|revoke> ...
  token list [--org ORG [--user NAME]]   live API tokens (never their secrets)
  token revoke ID                        revoke a token (urn:vcloud:token:... or its UUID);
                                         ends every session made from it`

// token lists and revokes API tokens from the server's host, through the
// same domain code as the API. Running servers apply a revocation from
// the change feed within their poll interval.
func (a *app) token(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("usage: cloudgate %s", tokenUsage)
	}
	var cs config.Store
	fs := a.newFlags("token "+args[0], tokenUsage)
	config.AddStoreFlags(fs, &cs)
	var org, user string
	minPos, maxPos := 0, 0
	switch args[0] {
	case "list":
		fs.StringVar(&org, "org", "", "only tokens of this organization")
		fs.StringVar(&user, "user", "", "only tokens of this user (needs --org)")
	case "revoke":
		minPos, maxPos = 1, 1
	default:
		return usagef("unknown token command %q\nusage: cloudgate %s", args[0], tokenUsage)
	}
	pos, err := a.parse(fs, args[1:], minPos, maxPos)
	if err != nil {
		return err
	}
	if user != "" && org == "" {
		return usagef("token list: --user needs --org")
	}
	var id urn.UUID
	if args[0] == "revoke" {
		if id, err = urn.ParseEither(pos[0], urn.Token); err != nil {
			return usagef("token revoke: %q is not a token id (urn:vcloud:token:UUID or UUID)", pos[0])
		}
	}
	env, err := a.openAdmin(ctx, cs)
	if err != nil {
		return err
	}
	defer env.close()
	svc := apitoken.New(apitoken.Config{Store: env.store, Directory: env.dir})
	defer svc.Close()

	if args[0] == "revoke" {
		if err := svc.AdminRevoke(ctx, audit.CLI(), id); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "token %s revoked; its sessions have ended (running servers refuse them within a second)\n", id.URN(urn.Token))
		return nil
	}
	var q store.TokenQuery
	if org != "" {
		if user != "" {
			u, _, err := env.dir.User(ctx, org, user)
			if err != nil {
				return err
			}
			q.OwnerID = u.ID
		} else {
			o, err := env.dir.Org(ctx, org)
			if err != nil {
				return err
			}
			q.OrgID = o.ID
		}
	}
	q.Sort = []store.Sort{{Field: "org.name"}, {Field: "owner.name"}, {Field: "name"}}
	rows, _, err := svc.AdminList(ctx, q)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORG\tOWNER\tNAME\tISSUED\tCREATED\tLAST USED\tEXPIRES\tID")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%q\t%v\t%s\t%s\t%s\t%s\n", r.OrgName, r.OwnerName, r.Name, !r.MintedAt.IsZero(),
			when(r.CreatedAt, "-"), when(r.LastUsedAt, "never"), when(r.ExpiresAt, "never"), r.ID.URN(urn.Token))
	}
	return tw.Flush()
}

func when(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.UTC().Format(time.RFC3339)
}
