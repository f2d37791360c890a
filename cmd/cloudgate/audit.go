package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/audittrail"
	"github.com/cloudgate/cloudgate/internal/config"
	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/store"
)

func auditCommand() *command {
	return &command{name: "audit", summary: "print audit events as JSON lines (filters; --follow)",
		help: `One object per line, oldest first, in the shape of the values of
GET /cloudapi/1.0.0/auditTrail. --filter takes any
filter of the API (eventType, eventStatus, user.name, operatingOrg.name,
clientIpAddress, userAgent, timestamp, ...).`,
		flags: auditFlags}
}

// auditOptions are the filters of "cloudgate audit".
type auditOptions struct {
	orgName, user, typ, outcome, since, until, filter string
	limit                                             int
	follow                                            bool
}

func auditFlags(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	o := &auditOptions{}
	fs.StringVar(&o.orgName, "org", "", "only events of this organization (`ORG`)")
	fs.StringVar(&o.user, "user", "", "only events whose actor has this `name`")
	fs.StringVar(&o.typ, "type", "", "only events of this `type` (login, lockout, token.revoke, ...)")
	fs.StringVar(&o.outcome, "outcome", "", "success, failure or denied")
	fs.StringVar(&o.since, "since", "", "RFC 3339 `time` or how long ago (90m, 24h, 7d)")
	fs.StringVar(&o.until, "until", "", "RFC 3339 `time` or how long ago")
	fs.StringVar(&o.filter, "filter", "", "`FIQL` filter over the API's fields")
	fs.IntVar(&o.limit, "limit", 100, "the newest `N` events (0: all)")
	fs.BoolVar(&o.follow, "follow", false, "then keep printing new events as they are written")
	return func(ctx context.Context, a *app, _ []string) error { return a.audit(ctx, *cs, o) }
}

func (a *app) audit(ctx context.Context, cs config.Store, o *auditOptions) error {
	orgName, user, typ, outcome, since, until, filter := o.orgName, o.user, o.typ, o.outcome, o.since, o.until, o.filter
	limit, follow := o.limit, o.follow
	if limit < 0 {
		return usagef("audit: --limit must be 0 or more")
	}
	now := time.Now()
	var terms []fiql.Expr
	add := func(sel string, op fiql.Op, v string) {
		terms = append(terms, &fiql.Cmp{Selector: sel, Op: op, Value: v})
	}
	if user != "" {
		add("user.name", fiql.Eq, user)
	}
	if typ != "" {
		add("eventType", fiql.Eq, typ)
	}
	if outcome != "" {
		o := strings.ToUpper(outcome)
		if !slices.Contains([]string{"SUCCESS", "FAILURE", "DENIED"}, o) {
			return usagef("audit: --outcome must be success, failure or denied")
		}
		add("eventStatus", fiql.Eq, o)
	}
	for _, b := range []struct {
		flag, value string
		op          fiql.Op
	}{{"since", since, fiql.Ge}, {"until", until, fiql.Le}} {
		if b.value == "" {
			continue
		}
		t, err := pointInTime(b.value, now)
		if err != nil {
			return usagef("audit: --%s: %v", b.flag, err)
		}
		add("timestamp", b.op, t.UTC().Format(time.RFC3339Nano))
	}
	if filter != "" {
		e, err := fiql.Parse(filter)
		if err != nil {
			return usagef("audit: --filter: %v", err)
		}
		terms = append(terms, e)
	}
	q := store.AuditTrailQuery{Page: store.Page{Limit: limit}}
	switch len(terms) {
	case 0:
	case 1:
		q.Filter = terms[0]
	default:
		q.Filter = &fiql.And{Terms: terms}
	}
	if q.Filter != nil {
		if err := store.AuditSchema().Check(q.Filter); err != nil {
			return usagef("audit: %v", err)
		}
	}
	env, err := a.openAdmin(ctx, cs)
	if err != nil {
		return err
	}
	defer env.close()
	if orgName != "" {
		o, err := env.dir.Org(ctx, orgName)
		if err != nil {
			return err
		}
		q.OrgID = o.ID
	}
	last, err := env.store.LastAuditSeq(ctx)
	if err != nil {
		return err
	}
	rows, _, err := env.store.AuditTrail(ctx, q) // newest first
	if err != nil {
		return err
	}
	enc := json.NewEncoder(a.stdout)
	for i := len(rows) - 1; i >= 0; i-- {
		if err := enc.Encode(audittrail.Render(rows[i])); err != nil {
			return err
		}
	}
	if !follow {
		return nil
	}
	// New events pass the same filters: the stream reads through a view
	// of the store that applies them.
	_, err = audittrail.Stream(ctx, audittrail.StreamConfig{Store: filtered{env.store, q}, Out: a.stdout, After: last})
	return err
}

// filtered narrows a store's trail to the CLI's filters.
type filtered struct {
	store.Store
	q store.AuditTrailQuery
}

func (f filtered) AuditTrail(ctx context.Context, q store.AuditTrailQuery) ([]store.AuditRow, int, error) {
	q.OrgID, q.Filter = f.q.OrgID, f.q.Filter
	return f.Store.AuditTrail(ctx, q)
}

// pointInTime reads an RFC 3339 time or a duration back from now ("90m",
// "24h", "7d").
func pointInTime(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n >= 0 && fmt.Sprint(n) == days {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration such as 24h or 7d", s)
	}
	return now.Add(-d), nil
}

// openAuditLog opens serve's --audit-log destination: "-" is standard
// output, anything else a file appended to (created 0600: events name
// users and addresses). The caller closes what it returns.
func (a *app) openAuditLog(path string) (io.Writer, func() error, error) {
	if path == "" {
		return nil, func() error { return nil }, nil
	}
	if path == "-" {
		return a.stdout, func() error { return nil }, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600) // #nosec G304 -- the operator names this file (--audit-log)
	if err != nil {
		return nil, nil, fmt.Errorf("--audit-log: %w", err)
	}
	return f, f.Close, nil
}
