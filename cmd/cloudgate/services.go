package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/config"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
)

const serviceUsage = `org service <add|list|remove> ...
  org service add ORG SERVICEID [--region TEXT] [--type compute:vpc] [--vdc NAME]...
                            (no --vdc: one virtual datacenter named SERVICEID)
  org service list [ORG]
  org service remove ORG SERVICEID   (removes its virtual datacenters too)`

// names is a repeatable string flag.
type names []string

func (n *names) String() string { return strings.Join(*n, ",") }
func (n *names) Set(v string) error {
	*n = append(*n, v)
	return nil
}

// orgService manages the compute services the vCloud Air dialect lists.
// Running servers read them from the store on every request, so changes
// apply at once without the change feed.
func (a *app) orgService(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("usage: cloudgate %s", serviceUsage)
	}
	var cs config.Store
	fs := a.newFlags("org service "+args[0], serviceUsage)
	config.AddStoreFlags(fs, &cs)
	var region, typ string
	var vdcs names
	minPos, maxPos := 2, 2
	switch args[0] {
	case "add":
		fs.StringVar(&region, "region", identity.DefaultServiceRegion, "region shown to clients")
		fs.StringVar(&typ, "type", identity.DefaultServiceType, "serviceType, e.g. compute:vpc or compute:dedicatedcloud")
		fs.Var(&vdcs, "vdc", "name of a virtual datacenter (repeat for several)")
	case "list":
		minPos, maxPos = 0, 1
	case "remove":
	default:
		return usagef("unknown org service command %q\nusage: cloudgate %s", args[0], serviceUsage)
	}
	pos, err := a.parse(fs, args[1:], minPos, maxPos)
	if err != nil {
		return err
	}
	env, err := a.openAdmin(ctx, cs)
	if err != nil {
		return err
	}
	defer env.close()
	by := audit.CLI()
	switch args[0] {
	case "add":
		svc, err := env.dir.AddService(ctx, by, pos[0], identity.ServiceSpec{Name: pos[1], Region: region, Type: typ, VDCs: vdcs})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "added service %s to org %s with virtual datacenters %s\n", svc.Name, pos[0], vdcNames(svc))
	case "remove":
		svc, err := env.dir.RemoveService(ctx, by, pos[0], pos[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "removed service %s (and virtual datacenters %s) from org %s\n", svc.Name, vdcNames(svc), pos[0])
	case "list":
		var orgs []store.Org
		if len(pos) == 1 {
			o, err := env.dir.Org(ctx, pos[0])
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
	}
	return nil
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
