package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/config"
	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

const sessionUsage = `session <list|end> ...
  session list [--org ORG [--user NAME]] [--filter FIQL] [--limit 100]
                            (live sessions of every dialect, newest first; FIQL fields as
                             GET /cloudapi/1.0.0/sessions: user.name, org.name, dialect, origin, ip, ...)
  session end ID...         (ID: a session UUID or urn:vcloud:session:UUID; ends it on every server)`

// session lists and ends sessions through the same session code the
// server runs: ending one is written with a change-feed entry, so running
// servers refuse its token within the feed's poll interval.
func (a *app) session(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("usage: cloudgate %s", sessionUsage)
	}
	var cs config.Store
	fs := a.newFlags("session "+args[0], sessionUsage)
	config.AddStoreFlags(fs, &cs)
	var orgName, userName, filter string
	var limit int
	minPos, maxPos := 0, 0
	switch args[0] {
	case "list":
		fs.StringVar(&orgName, "org", "", "only sessions of this organization")
		fs.StringVar(&userName, "user", "", "only sessions of this user (needs --org)")
		fs.StringVar(&filter, "filter", "", "FIQL filter, e.g. dialect==vss")
		fs.IntVar(&limit, "limit", 100, "show at most this many (0: all)")
	case "end":
		minPos, maxPos = 1, -1
	default:
		return usagef("unknown session command %q\nusage: cloudgate %s", args[0], sessionUsage)
	}
	pos, err := a.parse(fs, args[1:], minPos, maxPos)
	if err != nil {
		return err
	}
	q := store.SessionQuery{Page: store.Page{Limit: limit}}
	var ids []urn.UUID
	switch args[0] {
	case "list":
		if userName != "" && orgName == "" {
			return usagef("session list: --user needs --org")
		}
		if limit < 0 {
			return usagef("session list: --limit must be 0 or more")
		}
		if filter != "" {
			e, err := fiql.Parse(filter)
			if err == nil {
				err = store.SessionSchema().Check(e)
			}
			if err != nil {
				return usagef("session list: --filter: %v", err)
			}
			q.Filter = e
		}
	case "end":
		for _, p := range pos {
			id, err := urn.ParseEither(p, urn.Session)
			if err != nil {
				return usagef("session end: %q is not a session id (UUID or urn:vcloud:session:UUID)", p)
			}
			ids = append(ids, id)
		}
	}
	env, err := a.openAdmin(ctx, cs)
	if err != nil {
		return err
	}
	defer env.close()
	// Not started: no write-behind or sweeping from a command-line tool.
	mgr := session.New(session.Config{Store: env.store, Settings: env.settings})
	if args[0] == "end" {
		return a.endSessions(ctx, env, mgr, ids)
	}
	if orgName != "" {
		o, err := env.dir.Org(ctx, orgName)
		if err != nil {
			return err
		}
		q.OrgID = o.ID
		if userName != "" {
			u, _, err := env.dir.User(ctx, orgName, userName)
			if err != nil {
				return err
			}
			q.UserID = u.ID
		}
	}
	rows, total, err := mgr.List(ctx, q)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tORG\tUSER\tDIALECT\tORIGIN\tIP\tCREATED\tLAST ACTIVE\tEXPIRES\tUSER AGENT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.OrgName, r.UserName, r.Dialect, r.Origin,
			orDash(r.ClientIP), localTime(r.CreatedAt), localTime(r.LastActive), localTime(r.ExpiresAt), orDash(r.UserAgent))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if total > len(rows) {
		fmt.Fprintf(a.stdout, "(%d of %d shown; use --limit 0 for all)\n", len(rows), total)
	}
	return nil
}

func (a *app) endSessions(ctx context.Context, env *adminEnv, mgr *session.Manager, ids []urn.UUID) error {
	failed := 0
	for _, id := range ids {
		err := mgr.End(ctx, id, "ended by cli")
		if apierr.Is(err, apierr.Unauthenticated) {
			fmt.Fprintf(a.stderr, "cloudgate: session %s does not exist or has already ended\n", id)
			failed++
			continue
		}
		if err != nil {
			return err
		}
		ev := audit.Event(audit.CLI(), time.Now(), "session.end", audit.Success, id.URN(urn.Session), "ended by cli")
		if err := env.store.Update(ctx, func(tx store.Tx) error { return tx.InsertAudit(ctx, ev) }); err != nil {
			fmt.Fprintf(a.stderr, "cloudgate: session %s ended, but the audit event was not written: %v\n", id, err)
		}
		fmt.Fprintf(a.stdout, "session %s ended\n", id)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d sessions could not be ended", failed, len(ids))
	}
	return nil
}

func localTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
