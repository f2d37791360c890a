package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cloudgate/cloudgate/internal/config"
	"github.com/cloudgate/cloudgate/internal/gate"
	"github.com/cloudgate/cloudgate/internal/store/backend"
)

func keysCommand() *command {
	return &command{name: "keys", summary: "list and rotate the signing keys of identity assertions",
		sub: []*command{
			{name: "list", summary: "the signing keys of identity assertions: which signs, which are published",
				flags: func(fs *flag.FlagSet) runFunc { return keysRun(fs, false) }},
			{name: "rotate", summary: "add a new key (published at once, signing after 2 minutes); the old one stays published until every assertion it signed has expired",
				flags: func(fs *flag.FlagSet) runFunc { return keysRun(fs, true) }},
		}}
}

// keysRun lists, and with rotate first rotates, the gate's signing keys in
// the database. Running servers pick a new key up when they next reread
// the keys (30 s).
func keysRun(fs *flag.FlagSet, rotate bool) runFunc {
	cs := storeFlags(fs)
	secretFile := fs.String("signing-secret-file", "", "`file` with the secret sealing the signing keys (default <data>/signing-secret)")
	return func(ctx context.Context, a *app, _ []string) error {
		return a.keys(ctx, *cs, *secretFile, rotate)
	}
}

func (a *app) keys(ctx context.Context, cs config.Store, secretFile string, rotate bool) error {
	sec, err := signingSecret(secretFile, cs.DataDir)
	if err != nil {
		return err
	}
	st, err := backend.Open(ctx, cs.ResolvedDSN())
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := gate.NewKeys(gate.KeysConfig{Store: st, Secret: sec})
	if err != nil {
		return err
	}
	if rotate {
		id, err := keys.Rotate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "added signing key %s\n", id)
	}
	infos, err := keys.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tSTATE\tPUBLISHED UNTIL")
	for _, k := range infos {
		state := "published"
		switch {
		case !k.Openable:
			state = "sealed with another secret"
		case k.Signing:
			state = "signing"
		case !k.Published:
			state = "retired"
		}
		until := "-"
		if !k.Until.IsZero() {
			until = k.Until.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.CreatedAt.UTC().Format(time.RFC3339), state, until)
	}
	return tw.Flush()
}
