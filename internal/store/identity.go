package store

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/urn"
)

// Org is a tenant organization; the one named "System" is the provider.
type Org struct {
	ID          urn.UUID
	Name        string // unique, compared case-insensitively
	FullName    string
	Description string
	Enabled     bool
	Lockout     Lockout
	CreatedAt   time.Time
}

// Lockout is an org's password policy, with Cloud Director's field names.
type Lockout struct {
	Enabled         bool // AccountLockoutEnabled
	InvalidLogins   int  // InvalidLoginsBeforeLockout
	IntervalMinutes int  // AccountLockoutIntervalMinutes
}

// UserKind separates people from service accounts (which have a user row so
// that sessions, rights and revocation treat them alike).
type UserKind string

const (
	KindUser           UserKind = "user"
	KindServiceAccount UserKind = "serviceAccount"
)

// User is a person or service account of one org.
type User struct {
	ID           urn.UUID
	OrgID        urn.UUID
	Name         string // unique per org, compared case-insensitively
	FullName     string
	Kind         UserKind
	RoleID       urn.UUID
	PasswordHash string // argon2id PHC string; empty for service accounts
	Enabled      bool
	// Failures counts consecutive failed logins; LastFailure is the latest.
	Failures    int
	LastFailure time.Time
	// LockedUntil ends a temporary lockout; HardLocked holds until an
	// administrator unlocks the account.
	LockedUntil time.Time
	HardLocked  bool
	// ValidAfter: sessions created before this instant are dead. Changing
	// the password or disabling the user moves it forward, which ends every
	// session of the user on every instance without touching each session.
	ValidAfter time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Owner is the part of a user and its org that decides whether a session
// may be created for it.
type Owner struct {
	Kind         UserKind
	Enabled      bool
	ValidAfter   time.Time
	PasswordHash string
	OrgEnabled   bool
}

// Role is a named set of rights.
type Role struct {
	ID          urn.UUID
	Name        string // unique, compared case-insensitively
	Description string
	Rights      []string
	Predefined  bool
	// SystemOnly roles may only be held by users of the System org.
	SystemOnly bool
}

// OrgReader reads orgs and roles.
type OrgReader interface {
	OrgByID(ctx context.Context, id urn.UUID) (Org, error)
	// OrgByName matches the name case-insensitively.
	OrgByName(ctx context.Context, name string) (Org, error)
	// Orgs lists every org ordered by name.
	Orgs(ctx context.Context) ([]Org, error)
	RoleByID(ctx context.Context, id urn.UUID) (Role, error)
	// RoleByName matches the name case-insensitively.
	RoleByName(ctx context.Context, name string) (Role, error)
	// Roles lists every role ordered by name.
	Roles(ctx context.Context) ([]Role, error)
}

// OrgWriter changes orgs and roles.
type OrgWriter interface {
	// InsertOrg returns ErrConflict when the name is taken (in any case).
	InsertOrg(ctx context.Context, o Org) error
	// UpdateOrg replaces every field but ID and CreatedAt; ErrNotFound if
	// missing, ErrConflict if the new name is taken.
	UpdateOrg(ctx context.Context, o Org) error
	// InsertRole returns ErrConflict when the name is taken.
	InsertRole(ctx context.Context, r Role) error
	// UpdateRole replaces name, description, rights and flags.
	UpdateRole(ctx context.Context, r Role) error
}

// UserReader reads users.
type UserReader interface {
	UserByID(ctx context.Context, id urn.UUID) (User, error)
	// UserByName matches the name case-insensitively within the org.
	UserByName(ctx context.Context, orgID urn.UUID, name string) (User, error)
	// Users lists the users of an org (zero orgID: of every org) ordered by
	// org and name. Service accounts are included only if withServiceAccounts.
	Users(ctx context.Context, orgID urn.UUID, withServiceAccounts bool) ([]User, error)
}

// UserWriter changes users.
type UserWriter interface {
	// InsertUser returns ErrConflict when the org already has the name.
	InsertUser(ctx context.Context, u User) error
	// UpdateUser replaces every field but ID, OrgID, Kind and CreatedAt.
	UpdateUser(ctx context.Context, u User) error
	// LockUser reads a user and locks its row until the transaction ends
	// (SELECT ... FOR UPDATE where the backend has row locks), so that
	// read-modify-write of counters is atomic across instances.
	LockUser(ctx context.Context, id urn.UUID) (User, error)
	// PinUser reads a user and holds a shared lock on its row until the
	// transaction ends, so that a session is only created if the user did
	// not change (password, disable) since the credentials were checked.
	PinUser(ctx context.Context, id urn.UUID) (User, error)
	// PinOwner reads what creating a session re-checks about its user and
	// the user's org, holding shared locks on both rows until the
	// transaction ends: a concurrent disable or password change either
	// waits for the new session (and then ends it) or is seen here.
	PinOwner(ctx context.Context, userID urn.UUID) (Owner, error)
	// DeleteUser removes a user row (service accounts); its sessions must
	// have been ended first.
	DeleteUser(ctx context.Context, id urn.UUID) error
}
