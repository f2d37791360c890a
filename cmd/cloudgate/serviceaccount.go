package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/serviceaccount"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func serviceAccountCommand() *command {
	return &command{name: "serviceaccount", summary: "list, show, revoke and delete service accounts",
		help: `Accounts are registered and authorized over the API (OAuth device grant).
A revocation ends every session of the account on every server (through
the change feed, within a second); the account may be authorized again.`,
		sub: []*command{
			{name: "list", args: "[--org ORG]", summary: "list service accounts (never their tokens)", flags: saList},
			{name: "show", args: "ID", summary: "show one service account (urn:vcloud:serviceAccount:UUID or UUID)",
				minArgs: 1, maxArgs: 1, flags: saShow},
			{name: "revoke", args: "ID", summary: "end an account's grant and every session made from it",
				minArgs: 1, maxArgs: 1, flags: saChange(false)},
			{name: "delete", args: "ID", summary: "revoke and remove a service account", minArgs: 1, maxArgs: 1, flags: saChange(true)},
		}}
}

// accountService opens the service-account service on env: the same
// domain code as the API's.
func accountService(env *adminEnv) *serviceaccount.Service {
	return serviceaccount.New(serviceaccount.Config{Store: env.store, Directory: env.dir})
}

func accountID(s string) (urn.UUID, error) {
	id, err := urn.ParseEither(s, urn.ServiceAccount)
	if err != nil {
		return id, usagef("%q is not a service account id (urn:vcloud:serviceAccount:UUID or UUID)", s)
	}
	return id, nil
}

func saList(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	org := orgFlag(fs, "only accounts of this organization")
	return func(ctx context.Context, a *app, _ []string) error {
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			var q store.ServiceAccountQuery
			if *org != "" {
				o, err := env.dir.Org(ctx, *org)
				if err != nil {
					return err
				}
				q.OrgID = o.ID
			}
			svc := accountService(env)
			defer svc.Close()
			rows, _, err := svc.AdminList(ctx, q)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ORG\tNAME\tROLE\tSTATUS\tSOFTWARE\tCREATED\tID")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.OrgName, r.Name, r.RoleName, r.Status,
					orDash(r.SoftwareID), when(r.CreatedAt, "-"), r.ID.URN(urn.ServiceAccount))
			}
			return tw.Flush()
		})
	}
}

func saShow(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	return func(ctx context.Context, a *app, pos []string) error {
		id, err := accountID(pos[0])
		if err != nil {
			return err
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			svc := accountService(env)
			defer svc.Close()
			r, err := svc.AdminGet(ctx, id)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			for _, kv := range [][2]string{
				{"id", r.ID.URN(urn.ServiceAccount)}, {"name", r.Name}, {"org", r.OrgName}, {"role", r.RoleName},
				{"status", string(r.Status)}, {"software id", orDash(r.SoftwareID)}, {"software version", orDash(r.SoftwareVersion)},
				{"uri", orDash(r.URI)}, {"created", when(r.CreatedAt, "-")}, {"updated", when(r.UpdatedAt, "-")},
			} {
				fmt.Fprintf(tw, "%s:\t%s\n", kv[0], kv[1])
			}
			return tw.Flush()
		})
	}
}

func saChange(remove bool) func(fs *flag.FlagSet) runFunc {
	return func(fs *flag.FlagSet) runFunc {
		cs := storeFlags(fs)
		return func(ctx context.Context, a *app, pos []string) error {
			id, err := accountID(pos[0])
			if err != nil {
				return err
			}
			return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
				svc := accountService(env)
				defer svc.Close()
				if remove {
					if err := svc.AdminDelete(ctx, audit.CLI(), id); err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "service account %s deleted; its sessions have ended\n", id.URN(urn.ServiceAccount))
					return nil
				}
				if err := svc.AdminRevoke(ctx, audit.CLI(), id); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "service account %s revoked; its sessions have ended (running servers refuse them within a second)\n", id.URN(urn.ServiceAccount))
				return nil
			})
		}
	}
}
