package main

import (
	"context"
	"flag"
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

// withAdmin opens the database, runs fn and closes it.
func (a *app) withAdmin(ctx context.Context, cs config.Store, fn func(*adminEnv) error) error {
	env, err := a.openAdmin(ctx, cs)
	if err != nil {
		return err
	}
	defer env.close()
	return fn(env)
}

// storeFlags registers --data and --db, which every command that opens the
// database takes.
func storeFlags(fs *flag.FlagSet) *config.Store {
	var cs config.Store
	config.AddStoreFlags(fs, &cs)
	return &cs
}

// orgFlag registers --org, the one way every command names the
// organization it works in.
func orgFlag(fs *flag.FlagSet, what string) *string {
	return fs.String("org", "", "`ORG`: "+what)
}

// inOrg resolves the org of a command that works inside one: --org, or
// the older form with the org as first positional argument (kept for
// scripts). rest are the positionals besides the org, of which the
// command takes n.
func inOrg(flagOrg string, pos []string, n int) (org string, rest []string, err error) {
	switch {
	case flagOrg != "" && len(pos) == n:
		return flagOrg, pos, nil
	case flagOrg == "" && len(pos) == n+1:
		return pos[0], pos[1:], nil
	case flagOrg != "":
		return "", nil, usagef("wrong number of arguments (the org is given by --org)")
	}
	return "", nil, usagef("--org is required")
}

// optionalOrg is inOrg for listings, where no org means every org.
func optionalOrg(flagOrg string, pos []string) (string, error) {
	if len(pos) == 1 {
		if flagOrg != "" {
			return "", usagef("the org is given twice (--org and an argument)")
		}
		return pos[0], nil
	}
	return flagOrg, nil
}

func orgCommand() *command {
	return &command{name: "org", summary: "create, list, disable, enable organizations; set their lockout policy; manage their compute services",
		sub: []*command{
			{name: "create", args: "--org NAME", summary: "create an organization (with one default compute service)",
				minArgs: 0, maxArgs: 1, flags: orgCreate},
			{name: "list", summary: "list the organizations", flags: orgList},
			{name: "disable", args: "--org NAME", summary: "disable an organization; every session of its users ends",
				maxArgs: 1, flags: orgEnable(false)},
			{name: "enable", args: "--org NAME", summary: "enable an organization", maxArgs: 1, flags: orgEnable(true)},
			{name: "set-lockout", args: "--org NAME [--enabled=true] [--attempts 10] [--interval 15m]",
				summary: "set how many failed logins lock an account, and for how long", maxArgs: 1, flags: orgSetLockout},
			serviceCommand(),
		}}
}

func orgCreate(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	org := orgFlag(fs, "name of the new organization")
	fullName := fs.String("full-name", "", "full `name`")
	desc := fs.String("description", "", "description")
	return func(ctx context.Context, a *app, pos []string) error {
		name, _, err := inOrg(*org, pos, 0)
		if err != nil {
			return err
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			o, err := env.dir.CreateOrg(ctx, audit.CLI(), identity.OrgSpec{Name: name, FullName: *fullName, Description: *desc})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "created org %s (%s)\n", o.Name, o.ID.URN("org"))
			return nil
		})
	}
}

func orgList(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	return func(ctx context.Context, a *app, _ []string) error {
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
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
		})
	}
}

func orgEnable(enable bool) func(fs *flag.FlagSet) runFunc {
	return func(fs *flag.FlagSet) runFunc {
		cs := storeFlags(fs)
		org := orgFlag(fs, "the organization")
		return func(ctx context.Context, a *app, pos []string) error {
			name, _, err := inOrg(*org, pos, 0)
			if err != nil {
				return err
			}
			return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
				o, err := env.dir.SetOrgEnabled(ctx, audit.CLI(), name, enable)
				if err != nil {
					return err
				}
				verb := "disabled"
				if enable {
					verb = "enabled"
				}
				fmt.Fprintf(a.stdout, "org %s %s\n", o.Name, verb)
				return nil
			})
		}
	}
}

func orgSetLockout(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	org := orgFlag(fs, "the organization")
	enabled := fs.Bool("enabled", true, "lock accounts after repeated failures")
	attempts := fs.Int("attempts", 10, "failed logins before a lockout (1-100)")
	interval := fs.Duration("interval", 15*time.Minute, "how long a lockout lasts (whole minutes)")
	return func(ctx context.Context, a *app, pos []string) error {
		name, _, err := inOrg(*org, pos, 0)
		if err != nil {
			return err
		}
		if *interval%time.Minute != 0 {
			return usagef("--interval must be whole minutes")
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			o, err := env.dir.SetLockout(ctx, audit.CLI(), name, store.Lockout{Enabled: *enabled, InvalidLogins: *attempts, IntervalMinutes: int(*interval / time.Minute)})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "org %s: lockout enabled=%v after %d failures for %d minutes\n", o.Name, o.Lockout.Enabled, o.Lockout.InvalidLogins, o.Lockout.IntervalMinutes)
			return nil
		})
	}
}

func userCommand() *command {
	return &command{name: "user", summary: "create, list, disable, enable users; set passwords; unlock",
		help: "Passwords are read from standard input, never from arguments.",
		sub: []*command{
			{name: "create", args: "--org ORG NAME --role ROLE", summary: "create a user (password on standard input)",
				minArgs: 1, maxArgs: 2, flags: userCreate},
			{name: "list", args: "[--org ORG]", summary: "list the users (of one organization)", maxArgs: 1, flags: userList},
			{name: "disable", args: "--org ORG NAME", summary: "disable a user; the user's sessions end",
				minArgs: 1, maxArgs: 2, flags: userAction("disable")},
			{name: "enable", args: "--org ORG NAME", summary: "enable a user", minArgs: 1, maxArgs: 2, flags: userAction("enable")},
			{name: "set-password", args: "--org ORG NAME", summary: "set a user's password (on standard input); the user's sessions end",
				minArgs: 1, maxArgs: 2, flags: userAction("set-password")},
			{name: "unlock", args: "--org ORG NAME", summary: "unlock a user locked out by failed logins",
				minArgs: 1, maxArgs: 2, flags: userAction("unlock")},
		}}
}

func userCreate(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	org := orgFlag(fs, "the user's organization")
	role := fs.String("role", "", "role `name`, e.g. \"vApp Author\" (required)")
	fullName := fs.String("full-name", "", "full `name`")
	return func(ctx context.Context, a *app, pos []string) error {
		orgName, rest, err := inOrg(*org, pos, 1)
		if err != nil {
			return err
		}
		if *role == "" {
			return usagef("user create: --role is required")
		}
		password, err := a.readPassword("Password: ")
		if err != nil {
			return err
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			u, err := env.dir.CreateUser(ctx, audit.CLI(), identity.UserSpec{Org: orgName, Name: rest[0], Password: password, Role: *role, FullName: *fullName})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "created user %s@%s (%s)\n", u.Name, orgName, u.ID.URN("user"))
			return nil
		})
	}
}

func userList(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	org := orgFlag(fs, "only users of this organization")
	return func(ctx context.Context, a *app, pos []string) error {
		orgName, err := optionalOrg(*org, pos)
		if err != nil {
			return err
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error { return a.listUsers(ctx, env, orgName) })
	}
}

func userAction(what string) func(fs *flag.FlagSet) runFunc {
	return func(fs *flag.FlagSet) runFunc {
		cs := storeFlags(fs)
		org := orgFlag(fs, "the user's organization")
		return func(ctx context.Context, a *app, pos []string) error {
			orgName, rest, err := inOrg(*org, pos, 1)
			if err != nil {
				return err
			}
			name := rest[0]
			var password string
			if what == "set-password" {
				if password, err = a.readPassword("Password: "); err != nil {
					return err
				}
			}
			return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
				by := audit.CLI()
				switch what {
				case "disable", "enable":
					u, err := env.dir.SetUserEnabled(ctx, by, orgName, name, what == "enable")
					if err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "user %s@%s %sd\n", u.Name, orgName, what)
				case "set-password":
					u, err := env.dir.SetPassword(ctx, by, orgName, name, password)
					if err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "password of %s@%s changed; its sessions have ended\n", u.Name, orgName)
				case "unlock":
					u, err := env.dir.Unlock(ctx, by, orgName, name)
					if err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "user %s@%s unlocked\n", u.Name, orgName)
				}
				return nil
			})
		}
	}
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

func settingsCommand() *command {
	return &command{name: "settings", summary: "show or change provider-wide settings",
		sub: []*command{
			{name: "list", summary: "list the settings, their values and where each comes from", flags: settingsList},
			{name: "set", args: "KEY VALUE", summary: "change a setting (for example: settings set session-idle-timeout 30m)",
				minArgs: 2, maxArgs: 2, flags: settingsSet},
		}}
}

func settingsSet(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	return func(ctx context.Context, a *app, pos []string) error {
		known := false
		for _, k := range settings.Keys() {
			known = known || k.Name == pos[0]
		}
		if !known {
			return usagef("unknown setting %q; run \"cloudgate settings list\" to see them", pos[0])
		}
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
			if err := env.settings.Set(ctx, audit.CLI(), pos[0], pos[1]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s = %s (running servers apply it within a second)\n", pos[0], pos[1])
			return nil
		})
	}
}

func settingsList(fs *flag.FlagSet) runFunc {
	cs := storeFlags(fs)
	return func(ctx context.Context, a *app, _ []string) error {
		return a.withAdmin(ctx, *cs, func(env *adminEnv) error {
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
		})
	}
}
