// Package identity owns orgs (the System org is the provider), users, roles
// and rights, password hashing and lockout: who exists, what they hold, and
// whether a password login succeeds.
package identity

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/feed"
	"github.com/cloudgate/cloudgate/internal/names"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Store is the part of the store a Directory uses: it reads orgs, users,
// their profiles and compute services, and changes them in transactions.
type Store interface {
	store.OrgReader
	store.UserReader
	store.IdentityAdminReader
	store.ServiceReader
	store.Updater
}

// Config wires a Directory.
type Config struct {
	Store  Store
	Hasher *secret.Hasher
	Feed   feed.Publisher
	Now    func() time.Time
	Log    *slog.Logger
	// IPFailures and IPWindow bound failed logins per client address
	// (default 100 per 10 minutes; negative disables).
	IPFailures int
	IPWindow   time.Duration
}

// Directory is the identity service.
type Directory struct {
	store  Store
	hasher *secret.Hasher
	feed   feed.Publisher
	now    func() time.Time
	log    *slog.Logger
	ips    *ipLimiter
	fails  *failLog
	// dummy is a valid hash of a random password, verified when the user
	// does not exist so that unknown users cost the same time as known ones.
	dummy string
}

// New returns a Directory.
func New(cfg Config) *Directory {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.IPFailures == 0 {
		cfg.IPFailures = 100
	}
	if cfg.IPWindow == 0 {
		cfg.IPWindow = 10 * time.Minute
	}
	if cfg.Feed == nil {
		cfg.Feed = feed.Discard{}
	}
	d := &Directory{store: cfg.Store, hasher: cfg.Hasher, feed: cfg.Feed, now: cfg.Now, log: cfg.Log,
		ips: newIPLimiter(cfg.IPFailures, cfg.IPWindow), fails: newFailLog(cfg.Log)}
	d.dummy = secret.HashPassword(string(secret.RandomBytes(16)), cfg.Hasher.Params())
	return d
}

func (d *Directory) publish(ctx context.Context, changes ...store.Change) {
	if len(changes) > 0 {
		d.feed.Publish(ctx, changes...)
	}
}

// storeErr maps store failures to API errors; what names the object.
func storeErr(err error, what string) error { return store.APIError(err, what) }

// ValidateOrgName checks an org name: it appears in URL paths
// (/oauth/tenant/{org}) and in "user@org" logins, so it is limited to
// letters, digits, '.', '-' and '_', 1 to 128 characters, starting with a
// letter or digit. Give it the Display form (NormalizeOrgName).
func ValidateOrgName(name string) error {
	if len(name) == 0 || len(name) > 128 {
		return apierr.New(apierr.Invalid, "organization name must be 1 to 128 characters")
	}
	for i, r := range name {
		ok := r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || (i > 0 && strings.ContainsRune(".-_", r)))
		if !ok {
			return apierr.New(apierr.Invalid, "organization name %q may contain only letters, digits, '.', '-' and '_', and must start with a letter or digit", name)
		}
	}
	return nil
}

// NormalizeOrgName returns the form a new org name is stored in (PRECIS
// UsernameCasePreserved: full-width letters become ASCII) after checking
// it (ValidateOrgName). Errors are Invalid.
func NormalizeOrgName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", apierr.New(apierr.Invalid, "organization name must be valid UTF-8")
	}
	if d, err := names.Display(name); err == nil {
		name = d
	}
	return name, ValidateOrgName(name)
}

// ValidateUserName checks a user name: 1 to 128 characters of valid UTF-8
// that PRECIS's UsernameCasePreserved profile accepts (RFC 8265; parts
// separated by single spaces, see internal/names), and no ':' (Basic
// credentials end the user part at the first colon). '@' is allowed:
// logins split "user@org" at the last '@'.
func ValidateUserName(name string) error {
	_, err := NormalizeUserName(name)
	return err
}

// NormalizeUserName returns the form a new user or service-account name is
// stored in (width-mapped, NFC, case kept), or Invalid. Two names with the
// same canonical form (names.Canonical) are one name: the store's unique
// key is that form.
func NormalizeUserName(name string) (string, error) {
	if name == "" || utf8.RuneCountInString(name) > 128 || !utf8.ValidString(name) {
		return "", apierr.New(apierr.Invalid, "user name must be 1 to 128 characters of valid UTF-8")
	}
	if strings.TrimSpace(name) != name {
		return "", apierr.New(apierr.Invalid, "user name must not start or end with a space")
	}
	for _, r := range name {
		if r == ':' || !unicode.IsPrint(r) {
			return "", apierr.New(apierr.Invalid, "user name must not contain ':' or control characters")
		}
	}
	d, err := names.Display(name)
	if err != nil || strings.ContainsRune(d, ':') || utf8.RuneCountInString(d) > 128 {
		return "", apierr.New(apierr.Invalid, "user name %q is not a valid name: use letters, digits and punctuation, with single spaces between words (PRECIS, RFC 8265)", strings.ToValidUTF8(name, "?"))
	}
	return d, nil
}

func (d *Directory) audit(tx store.Tx, ctx context.Context, by audit.Actor, typ, outcome, subject, detail string) error {
	return tx.InsertAudit(ctx, audit.Event(by, d.now(), typ, outcome, subject, detail))
}

// Bootstrap makes sure the predefined roles and the System org exist. It is
// idempotent and safe to run from several processes at once.
func (d *Directory) Bootstrap(ctx context.Context) error {
	// Instances starting together on one fresh PostgreSQL database race
	// to insert the same rows: the loser's unique violation means the rows
	// now exist, and a second pass finds them.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = d.bootstrap(ctx); !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err == nil {
		err = d.rekeyLegacyNames(ctx)
	}
	return storeErr(err, "role")
}

func (d *Directory) bootstrap(ctx context.Context) error {
	now := d.now()
	return d.store.Update(ctx, func(tx store.Tx) error {
		for _, pr := range PredefinedRoles() {
			r, err := tx.RoleByName(ctx, pr.Name)
			switch {
			case errors.Is(err, store.ErrNotFound):
				if err := tx.InsertRole(ctx, store.Role{ID: urn.New(), Name: pr.Name, Description: pr.Description,
					Rights: pr.Rights, Predefined: true, SystemOnly: pr.SystemOnly}); err != nil {
					return err
				}
			case err != nil:
				return err
			case r.Predefined && !sameRights(r.Rights, pr.Rights):
				// A newer cloudgate may add rights to predefined roles.
				r.Rights, r.Description, r.SystemOnly = pr.Rights, pr.Description, pr.SystemOnly
				if err := tx.UpdateRole(ctx, r); err != nil {
					return err
				}
				if err := tx.Emit(ctx, store.Change{Topic: store.TopicRoleChanged, Subject: r.ID, At: now}); err != nil {
					return err
				}
			}
		}
		if _, err := tx.OrgByName(ctx, SystemOrgName); errors.Is(err, store.ErrNotFound) {
			return tx.InsertOrg(ctx, store.Org{ID: urn.New(), Name: SystemOrgName, FullName: "Provider",
				Enabled: true, Lockout: DefaultLockout(), CreatedAt: now})
		} else if err != nil {
			return err
		}
		return nil
	})
}

func sameRights(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[string]bool{}
	for _, r := range a {
		set[r] = true
	}
	for _, r := range b {
		if !set[r] {
			return false
		}
	}
	return true
}

// EnsureAdmin creates the System org's administrator with password if no
// such user exists yet; it reports whether it created one.
func (d *Directory) EnsureAdmin(ctx context.Context, password string) (bool, error) {
	sys, err := d.store.OrgByName(ctx, SystemOrgName)
	if err != nil {
		return false, storeErr(err, "the System organization")
	}
	if _, err := d.store.UserByName(ctx, sys.ID, AdminUserName); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, storeErr(err, "user")
	}
	_, err = d.CreateUser(ctx, audit.CLI(), UserSpec{Org: SystemOrgName, Name: AdminUserName, Password: password,
		Role: RoleSystemAdmin, FullName: "System administrator"})
	if apierr.Is(err, apierr.Conflict) {
		return false, nil // another process created it concurrently
	}
	return err == nil, err
}
