package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func sessionCommand() *command {
	return &command{name: "session", summary: "list live sessions (every dialect); end them",
		help: `Ending a session is written with a change-feed entry, so running servers
refuse its token within the feed's poll interval.`,
		sub: []*command{
			{name: "list", args: "[--org ORG [--user NAME]] [--filter FIQL] [--limit 100]",
				summary: "list live sessions of every dialect, newest first",
				help: `FIQL fields are those of GET /cloudapi/1.0.0/sessions: user.name, org.name,
dialect, origin, ip, ...`, flags: sessionList},
			{name: "end", args: "ID...", summary: "end sessions (ID: a UUID or urn:vcloud:session:UUID) on every server",
				minArgs: 1, maxArgs: -1, flags: sessionEnd},
		}}
}

func sessionList(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	orgName := orgFlag(fs, "only sessions of this organization")
	userName := fs.String("user", "", "only sessions of this user (`name`; needs --org)")
	filter := fs.String("filter", "", "FIQL filter, e.g. dialect==vss")
	limit := fs.Int("limit", 100, "show at most this many (0: all)")
	return func(ctx context.Context, a *app, _ []string) error {
		if *userName != "" && *orgName == "" {
			return usagef("session list: --user needs --org")
		}
		if *limit < 0 {
			return usagef("session list: --limit must be 0 or more")
		}
		q := store.SessionQuery{Page: store.Page{Limit: *limit}}
		if *filter != "" {
			e, err := fiql.Parse(*filter)
			if err == nil {
				err = store.SessionSchema().Check(e)
			}
			if err != nil {
				return usagef("session list: --filter: %v", err)
			}
			q.Filter = e
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			mgr := sessionManager(env)
			if *orgName != "" {
				o, err := env.dir.Org(ctx, *orgName)
				if err != nil {
					return err
				}
				q.OrgID = o.ID
				if *userName != "" {
					u, _, err := env.dir.User(ctx, *orgName, *userName)
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
		})
	}
}

// sessionManager is the session code the server runs, not started: no
// write-behind or sweeping from a command-line tool.
func sessionManager(env *adminEnv) *session.Manager {
	return session.New(session.Config{Store: env.store, Settings: env.settings})
}

func sessionEnd(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	return func(ctx context.Context, a *app, pos []string) error {
		var ids []urn.UUID
		for _, p := range pos {
			id, err := urn.ParseEither(p, urn.Session)
			if err != nil {
				return usagef("session end: %q is not a session id (UUID or urn:vcloud:session:UUID)", p)
			}
			ids = append(ids, id)
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error { return a.endSessions(ctx, env, sessionManager(env), ids) })
	}
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
