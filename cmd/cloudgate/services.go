package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
)

// names is a repeatable string flag.
type names []string

func (n *names) String() string { return strings.Join(*n, ",") }
func (n *names) Set(v string) error {
	*n = append(*n, v)
	return nil
}

func serviceCommand() *command {
	return &command{name: "service", summary: "add, list, remove the compute services vCloud Air clients see",
		help: `Running servers read compute services from the database on every request,
so changes apply at once.`,
		sub: []*command{
			{name: "add", args: "--org ORG SERVICEID [--region TEXT] [--type compute:vpc] [--vdc NAME]...",
				summary: "add a compute service (without --vdc: one virtual datacenter named SERVICEID)",
				minArgs: 1, maxArgs: 2, flags: serviceAdd},
			{name: "list", args: "[--org ORG]", summary: "list the compute services (of one organization)", maxArgs: 1, flags: serviceList},
			{name: "remove", args: "--org ORG SERVICEID", summary: "remove a compute service and its virtual datacenters",
				minArgs: 1, maxArgs: 2, flags: serviceRemove},
		}}
}

func serviceAdd(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	org := orgFlag(fs, "the organization")
	region := fs.String("region", identity.DefaultServiceRegion, "region shown to clients")
	typ := fs.String("type", identity.DefaultServiceType, "serviceType, e.g. compute:vpc or compute:dedicatedcloud")
	var vdcs names
	fs.Var(&vdcs, "vdc", "`name` of a virtual datacenter (repeat for several)")
	return func(ctx context.Context, a *app, pos []string) error {
		orgName, rest, err := inOrg(*org, pos, 1)
		if err != nil {
			return err
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			svc, err := env.dir.AddService(ctx, audit.CLI(), orgName, identity.ServiceSpec{Name: rest[0], Region: *region, Type: *typ, VDCs: vdcs})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "added service %s to org %s with virtual datacenters %s\n", svc.Name, orgName, vdcNames(svc))
			return nil
		})
	}
}

func serviceRemove(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	org := orgFlag(fs, "the organization")
	return func(ctx context.Context, a *app, pos []string) error {
		orgName, rest, err := inOrg(*org, pos, 1)
		if err != nil {
			return err
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			svc, err := env.dir.RemoveService(ctx, audit.CLI(), orgName, rest[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "removed service %s (and virtual datacenters %s) from org %s\n", svc.Name, vdcNames(svc), orgName)
			return nil
		})
	}
}

func serviceList(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	org := orgFlag(fs, "only services of this organization")
	return func(ctx context.Context, a *app, pos []string) error {
		orgName, err := optionalOrg(*org, pos)
		if err != nil {
			return err
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			var orgs []store.Org
			if orgName != "" {
				o, err := env.dir.Org(ctx, orgName)
				if err != nil {
					return err
				}
				orgs = []store.Org{o}
			} else if orgs, err = env.dir.Orgs(ctx); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ORG\tSERVICE ID\tTYPE\tREGION\tVDCS\tID")
			for _, o := range orgs {
				svcs, err := env.dir.Services(ctx, o.ID)
				if err != nil {
					return err
				}
				for _, s := range svcs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.Name, s.Name, s.Type, s.Region, vdcNames(s), s.ID)
				}
			}
			return tw.Flush()
		})
	}
}

func vdcNames(s store.ComputeService) string {
	out := make([]string, 0, len(s.VDCs))
	for _, v := range s.VDCs {
		out = append(out, v.Name)
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ",")
}
