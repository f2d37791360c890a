package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cloudgate/cloudgate/internal/config"
	"github.com/cloudgate/cloudgate/internal/gate"
	"github.com/cloudgate/cloudgate/internal/store/backend"
)

const keysUsage = `keys <list|rotate> [--data DIR] [--db DSN] [--signing-secret-file FILE]
  keys list     the signing keys of identity assertions: which signs, which are published
  keys rotate   add a new key (published at once, signing after 2 minutes); the old one
                stays published until every assertion it signed has expired`

// keys lists and rotates the gate's signing keys in the database. Running
// servers pick a new key up when they next reread the keys (30 s).
func (a *app) keys(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "rotate") {
		return usagef("usage: cloudgate %s", keysUsage)
	}
	var cs config.Store
	var secretFile string
	fs := a.newFlags("keys "+args[0], keysUsage)
	config.AddStoreFlags(fs, &cs)
	fs.StringVar(&secretFile, "signing-secret-file", "", "`file` with the secret sealing the signing keys (default <data>/signing-secret)")
	if _, err := a.parse(fs, args[1:], 0, 0); err != nil {
		return err
	}
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
	if args[0] == "rotate" {
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
