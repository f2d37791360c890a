package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/config"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/settings"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/store/backend"
)

// adminEnv is what admin commands work with: the store a server uses and
// the domain services on it. Changes go through the same code as the
// server's and are announced on the store's change feed, which running
// servers read within a second.
type adminEnv struct {
	store    store.Store
	dir      *identity.Directory
	settings *settings.Holder
	hasher   *secret.Hasher
}

func (a *app) openAdmin(ctx context.Context, cs config.Store) (*adminEnv, error) {
	st, err := backend.Open(ctx, cs.ResolvedDSN())
	if err != nil {
		return nil, err
	}
	h := secret.NewHasher(secret.HasherConfig{Workers: 1, MaxWait: time.Minute})
	dir := identity.New(identity.Config{Store: st, Hasher: h})
	if err := dir.Bootstrap(ctx); err != nil {
		h.Close()
		st.Close()
		return nil, err
	}
	set, err := settings.Load(ctx, st, nil, nil)
	if err != nil {
		h.Close()
		st.Close()
		return nil, err
	}
	return &adminEnv{store: st, dir: dir, settings: set, hasher: h}, nil
}

func (e *adminEnv) close() {
	e.hasher.Close()
	e.store.Close()
}

const orgUsage = `org <create|list|disable|enable|set-lockout|service> ...
  org create NAME [--full-name TEXT] [--description TEXT]   (with one default compute service)
  org list
  org disable NAME          (ends every session of the org's users)
  org enable NAME
  org set-lockout NAME [--enabled=true] [--attempts 10] [--interval 15m]
  org service add|list|remove ...   (compute services; "org service" for details)`

func (a *app) org(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("usage: cloudgate %s", orgUsage)
	}
	if args[0] == "service" {
		return a.orgService(ctx, args[1:])
	}
	var cs config.Store
	fs := a.newFlags("org "+args[0], orgUsage)
	config.AddStoreFlags(fs, &cs)
	var fullName, desc string
	var enabled bool
	var attempts int
	var interval time.Duration
	minPos, maxPos := 1, 1
	switch args[0] {
	case "create":
		fs.StringVar(&fullName, "full-name", "", "full name")
		fs.StringVar(&desc, "description", "", "description")
	case "list":
		minPos, maxPos = 0, 0
	case "disable", "enable":
	case "set-lockout":
		fs.BoolVar(&enabled, "enabled", true, "lock accounts after repeated failures")
		fs.IntVar(&attempts, "attempts", 10, "failed logins before a lockout (1-100)")
		fs.DurationVar(&interval, "interval", 15*time.Minute, "how long a lockout lasts")
	default:
		return usagef("unknown org command %q\nusage: cloudgate %s", args[0], orgUsage)
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
	case "create":
		o, err := env.dir.CreateOrg(ctx, by, identity.OrgSpec{Name: pos[0], FullName: fullName, Description: desc})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "created org %s (%s)\n", o.Name, o.ID.URN("org"))
	case "list":
		orgs, err := env.dir.Orgs(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tFULL NAME\tENABLED\tLOCKOUT\tID")
		for _, o := range orgs {
			lock := "off"
			if o.Lockout.Enabled {
				lock = fmt.Sprintf("%d failures / %dm", o.Lockout.InvalidLogins, o.Lockout.IntervalMinutes)
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\n", o.Name, o.FullName, o.Enabled, lock, o.ID.URN("org"))
		}
		return tw.Flush()
	case "disable", "enable":
		o, err := env.dir.SetOrgEnabled(ctx, by, pos[0], args[0] == "enable")
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "org %s %sd\n", o.Name, args[0])
	case "set-lockout":
		if interval%time.Minute != 0 {
			return usagef("--interval must be whole minutes")
		}
		o, err := env.dir.SetLockout(ctx, by, pos[0], store.Lockout{Enabled: enabled, InvalidLogins: attempts, IntervalMinutes: int(interval / time.Minute)})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "org %s: lockout enabled=%v after %d failures for %d minutes\n", o.Name, o.Lockout.Enabled, o.Lockout.InvalidLogins, o.Lockout.IntervalMinutes)
	}
	return nil
}

const userUsage = `user <create|list|disable|enable|set-password|unlock> ...
  user create ORG NAME --role ROLE [--full-name TEXT]   (password on stdin)
  user list [ORG]
  user disable ORG NAME     (ends the user's sessions)
  user enable ORG NAME
  user set-password ORG NAME                           (password on stdin; ends the user's sessions)
  user unlock ORG NAME`

func (a *app) user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("usage: cloudgate %s", userUsage)
	}
	var cs config.Store
	fs := a.newFlags("user "+args[0], userUsage)
	config.AddStoreFlags(fs, &cs)
	var role, fullName string
	minPos, maxPos := 2, 2
	switch args[0] {
	case "create":
		fs.StringVar(&role, "role", "", "role name, e.g. \"vApp Author\" (required)")
		fs.StringVar(&fullName, "full-name", "", "full name")
	case "list":
		minPos, maxPos = 0, 1
	case "disable", "enable", "set-password", "unlock":
	default:
		return usagef("unknown user command %q\nusage: cloudgate %s", args[0], userUsage)
	}
	pos, err := a.parse(fs, args[1:], minPos, maxPos)
	if err != nil {
		return err
	}
	if args[0] == "create" && role == "" {
		return usagef("user create: --role is required")
	}
	var password string
	if args[0] == "create" || args[0] == "set-password" {
		if password, err = a.readPassword("Password: "); err != nil {
			return err
		}
	}
	env, err := a.openAdmin(ctx, cs)
	if err != nil {
		return err
	}
	defer env.close()
	by := audit.CLI()
	switch args[0] {
	case "create":
		u, err := env.dir.CreateUser(ctx, by, identity.UserSpec{Org: pos[0], Name: pos[1], Password: password, Role: role, FullName: fullName})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "created user %s@%s (%s)\n", u.Name, pos[0], u.ID.URN("user"))
	case "list":
		org := ""
		if len(pos) == 1 {
			org = pos[0]
		}
		return a.listUsers(ctx, env, org)
	case "disable", "enable":
		u, err := env.dir.SetUserEnabled(ctx, by, pos[0], pos[1], args[0] == "enable")
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "user %s@%s %sd\n", u.Name, pos[0], args[0])
	case "set-password":
		u, err := env.dir.SetPassword(ctx, by, pos[0], pos[1], password)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "password of %s@%s changed; its sessions have ended\n", u.Name, pos[0])
	case "unlock":
		u, err := env.dir.Unlock(ctx, by, pos[0], pos[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "user %s@%s unlocked\n", u.Name, pos[0])
	}
	return nil
}

func (a *app) listUsers(ctx context.Context, env *adminEnv, org string) error {
	users, err := env.dir.Users(ctx, org)
	if err != nil {
		return err
	}
	orgs, err := env.dir.Orgs(ctx)
	if err != nil {
		return err
	}
	byID := map[string]store.Org{}
	for _, o := range orgs {
		byID[o.ID.String()] = o
	}
	roles, err := env.store.Roles(ctx)
	if err != nil {
		return err
	}
	roleName := map[string]string{}
	for _, r := range roles {
		roleName[r.ID.String()] = r.Name
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORG\tNAME\tROLE\tENABLED\tLOCKED\tFAILURES\tID")
	for _, u := range users {
		o := byID[u.OrgID.String()]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\t%s\t%s\n", o.Name, u.Name, roleName[u.RoleID.String()], u.Enabled,
			env.dir.Locked(u, o), strconv.Itoa(u.Failures), u.ID.URN("user"))
	}
	return tw.Flush()
}

const settingsUsage = `settings <list|set> ...
  settings list
  settings set KEY VALUE    (for example: settings set session-idle-timeout 30m)`

func (a *app) settings(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("usage: cloudgate %s", settingsUsage)
	}
	var cs config.Store
	fs := a.newFlags("settings "+args[0], settingsUsage)
	config.AddStoreFlags(fs, &cs)
	minPos, maxPos := 0, 0
	switch args[0] {
	case "list", "get":
	case "set":
		minPos, maxPos = 2, 2
	default:
		return usagef("unknown settings command %q\nusage: cloudgate %s", args[0], settingsUsage)
	}
	pos, err := a.parse(fs, args[1:], minPos, maxPos)
	if err != nil {
		return err
	}
	if args[0] == "set" {
		known := false
		for _, k := range settings.Keys() {
			known = known || k.Name == pos[0]
		}
		if !known {
			return usagef("unknown setting %q; run \"cloudgate settings list\" to see them", pos[0])
		}
	}
	env, err := a.openAdmin(ctx, cs)
	if err != nil {
		return err
	}
	defer env.close()
	if args[0] == "set" {
		if err := env.settings.Set(ctx, audit.CLI(), pos[0], pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s = %s (running servers apply it within a second)\n", pos[0], pos[1])
		return nil
	}
	rows, err := env.settings.Stored(ctx)
	if err != nil {
		return err
	}
	help := map[string]string{}
	for _, k := range settings.Keys() {
		help[k.Name] = k.Help
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE\tMEANING")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r[0], r[1], r[2], help[r[0]])
	}
	return tw.Flush()
}
