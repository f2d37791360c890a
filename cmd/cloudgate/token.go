package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func tokenCommand() *command {
	return &command{name: "token", summary: "list and revoke API tokens",
		sub: []*command{
			{name: "list", args: "[--org ORG [--user NAME]]", summary: "list live API tokens (never their secrets)", flags: tokenList},
			{name: "revoke", args: "ID", summary: "revoke a token (urn:vcloud:token:UUID or UUID); every session made from it ends",
				minArgs: 1, maxArgs: 1, flags: tokenRevoke},
		}}
}

// tokenService opens the API-token service on env: the same domain code as
// the API. Running servers apply a revocation from the change feed within
// their poll interval.
func tokenService(env *adminEnv) *apitoken.Service {
	return apitoken.New(apitoken.Config{Store: env.store, Directory: env.dir})
}

func tokenRevoke(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	return func(ctx context.Context, a *app, pos []string) error {
		id, err := urn.ParseEither(pos[0], urn.Token)
		if err != nil {
			return usagef("token revoke: %q is not a token id (urn:vcloud:token:UUID or UUID)", pos[0])
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			svc := tokenService(env)
			defer svc.Close()
			if err := svc.AdminRevoke(ctx, audit.CLI(), id); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "token %s revoked; its sessions have ended (running servers refuse them within a second)\n", id.URN(urn.Token))
			return nil
		})
	}
}

func tokenList(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	org := orgFlag(fs, "only tokens of this organization")
	user := fs.String("user", "", "only tokens of this user (`name`; needs --org)")
	return func(ctx context.Context, a *app, _ []string) error {
		if *user != "" && *org == "" {
			return usagef("token list: --user needs --org")
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			svc := tokenService(env)
			defer svc.Close()
			var q store.TokenQuery
			if *org != "" {
				if *user != "" {
					u, _, err := env.dir.User(ctx, *org, *user)
					if err != nil {
						return err
					}
					q.OwnerID = u.ID
				} else {
					o, err := env.dir.Org(ctx, *org)
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
		})
	}
}

func when(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.UTC().Format(time.RFC3339)
}
