package store

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// AccountStatus is where a service account is in Cloud Director's life
// cycle: CREATED (no codes, no token) → REQUESTED (device authorization
// asked for) → GRANTED (an administrator approved the user code) → ACTIVE
// (the device code was redeemed; a refresh token exists). Revocation, a
// replayed refresh token and a denied request bring it back to CREATED.
type AccountStatus string

const (
	AccountCreated   AccountStatus = "CREATED"
	AccountRequested AccountStatus = "REQUESTED"
	AccountGranted   AccountStatus = "GRANTED"
	AccountActive    AccountStatus = "ACTIVE"
)

// ServiceAccount is automation's identity in an org. Its id is also the id
// of its user row (Kind KindServiceAccount: sessions, rights and the
// change feed treat it as a user) and its OAuth client_id; the name and
// the role live in that user row. Only digests of its secrets are stored.
type ServiceAccount struct {
	ID              urn.UUID
	OrgID           urn.UUID
	SoftwareID      string
	SoftwareVersion string
	URI             string
	Status          AccountStatus
	CreatedBy       urn.UUID // zero for the command line
	CreatedAt       time.Time
	UpdatedAt       time.Time

	// The latest device authorization (RFC 8628); digests are zero when
	// there is none or it was used up. DeviceDigest stays after a deny so
	// that the device is told access_denied; UserCodeDigest is cleared by
	// the grant or the deny (a user code is used once).
	DeviceDigest   secret.Digest
	UserCodeDigest secret.Digest
	RequestedAt    time.Time
	CodeExpiresAt  time.Time
	PollInterval   int // seconds between polls; slow_down raises it
	LastPollAt     time.Time
	Denied         bool
	GrantedBy      urn.UUID
	GrantedAt      time.Time

	// The grant: its id, the digest of its one live refresh token (both
	// zero unless ACTIVE) and how many tokens it has issued. Sessions made
	// by the account carry the grant id as their TokenID, and revoking the
	// grant revokes that id: a revocation delivered late (the change feed
	// delivers a change again on its next poll, and other instances poll
	// when they poll) never touches the sessions of a later authorization.
	GrantID       urn.UUID
	RefreshDigest secret.Digest
	Generation    int64
	ActivatedAt   time.Time
	LastUsedAt    time.Time
}

// ServiceAccountRow is an account with the names lists and answers show.
type ServiceAccountRow struct {
	ServiceAccount
	Name     string // the user row's name: unique per org among users and accounts
	RoleID   urn.UUID
	RoleName string
	OrgName  string
}

// RetiredRefresh records a refresh token that rotation replaced. Presenting
// it again is a replay: someone else holds a copy of the chain.
type RetiredRefresh struct {
	Digest     secret.Digest
	AccountID  urn.UUID
	Generation int64 // the generation the token had while it was live
	RetiredAt  time.Time
}

// ServiceAccountQuery selects accounts.
type ServiceAccountQuery struct {
	OrgID  urn.UUID // zero: every org
	Filter fiql.Expr
	Sort   []Sort
	Page   Page
}

// ServiceAccountReader reads service accounts.
type ServiceAccountReader interface {
	ServiceAccountByID(ctx context.Context, id urn.UUID) (ServiceAccountRow, error)
	// ServiceAccountByDevice, ByUserCode and ByRefresh find the account
	// whose current device code, user code or refresh token has digest d.
	ServiceAccountByDevice(ctx context.Context, d secret.Digest) (ServiceAccount, error)
	ServiceAccountByUserCode(ctx context.Context, d secret.Digest) (ServiceAccountRow, error)
	ServiceAccountByRefresh(ctx context.Context, d secret.Digest) (ServiceAccount, error)
	// RetiredRefreshByDigest finds a refresh token rotation retired.
	RetiredRefreshByDigest(ctx context.Context, d secret.Digest) (RetiredRefresh, error)
	// ServiceAccounts lists accounts with the total count before paging.
	ServiceAccounts(ctx context.Context, q ServiceAccountQuery) ([]ServiceAccountRow, int, error)
}

// ServiceAccountWriter changes service accounts. Lock ordering: a
// transaction that touches an account locks its row (LockServiceAccount)
// before its user row or its sessions, so that rotation, revocation,
// update and delete of one account queue on that row and never deadlock.
type ServiceAccountWriter interface {
	// InsertServiceAccount adds the account row; its user row (same id)
	// must exist. ErrConflict when the id or a digest is taken.
	InsertServiceAccount(ctx context.Context, a ServiceAccount) error
	// LockServiceAccount reads an account and locks its row exclusively
	// until the transaction ends (SELECT ... FOR UPDATE where the backend
	// has row locks). It is never preceded by a shared lock on the same
	// row: upgrading a shared lock can deadlock on PostgreSQL.
	LockServiceAccount(ctx context.Context, id urn.UUID) (ServiceAccount, error)
	// UpdateServiceAccount replaces every field but ID, OrgID, CreatedBy and
	// CreatedAt. ErrNotFound if missing; ErrConflict if a digest is taken
	// (a user code that collides with another account's).
	UpdateServiceAccount(ctx context.Context, a ServiceAccount) error
	// RotateRefresh replaces the refresh token of an account's grant with
	// next, if presented is still that grant's token, the account is
	// ACTIVE and its org enabled; it raises the generation, sets LastUsedAt
	// and returns the generation presented had. ErrNotFound when any of
	// that does not hold (rotated by a concurrent refresh, revoked, another
	// grant, org disabled). It is one compare-and-swap UPDATE: it takes the
	// account's row lock itself, so call it before any other lock of the
	// transaction, as LockServiceAccount.
	RotateRefresh(ctx context.Context, id, grant urn.UUID, presented, next secret.Digest, at time.Time) (int64, error)
	// RetireRefresh remembers a replaced refresh token.
	RetireRefresh(ctx context.Context, r RetiredRefresh) error
	// ForgetRetired drops the retired tokens of an account (its grant
	// ended: they can no longer be told from unknown tokens usefully).
	ForgetRetired(ctx context.Context, accountID urn.UUID) (int, error)
	// PurgeRetired drops retired tokens retired before cutoff.
	PurgeRetired(ctx context.Context, cutoff time.Time) (int, error)
	// DeleteServiceAccount removes the account row and its retired tokens
	// (not the user row: delete that after). ErrNotFound if missing.
	DeleteServiceAccount(ctx context.Context, id urn.UUID) error
}
