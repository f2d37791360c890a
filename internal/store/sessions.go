package store

import (
	"context"
	"errors"
	"time"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Origin says how a session was made. Sessions made from API tokens and
// service accounts are restricted (see internal/authz).
type Origin string

const (
	OriginPassword       Origin = "password"
	OriginAPIToken       Origin = "apiToken"
	OriginServiceAccount Origin = "serviceAccount"
	// OriginHandoff: made from another session of the same user (the vCloud
	// Air hand-off to a Cloud Director session).
	OriginHandoff Origin = "handoff"
)

// Session is one login. Only digests of its tokens are stored.
type Session struct {
	ID           urn.UUID
	Digest       secret.Digest // SHA-256 of the bearer token
	LegacyDigest secret.Digest // SHA-256 of the 32-hex legacy key; zero if none
	UserID       urn.UUID
	OrgID        urn.UUID
	Origin       Origin
	// Dialect names the API that made it: "api", "cloudapi", "oauth", "vss", "vchs".
	Dialect string
	// TokenID is the API token or the service-account grant the session
	// came from (zero for password sessions). Revoking it ends the session.
	TokenID urn.UUID
	// ParentID is the session a hand-off session was made from.
	ParentID   urn.UUID
	ClientIP   string
	UserAgent  string
	CreatedAt  time.Time
	LastActive time.Time
	ExpiresAt  time.Time // absolute end of life
	Idle       bool      // subject to the idle timeout setting
	EndedAt    time.Time // zero while the session lives
	EndReason  string
}

// SessionGuard is what must still hold when a session is inserted: its
// user (Session.UserID) is enabled, in an enabled org, with the password
// hash and valid-after time the caller checked the credentials against;
// and, when TokenDigest is set, the API token Session.TokenID is live
// (not revoked) with that digest.
type SessionGuard struct {
	ValidAfter   time.Time
	PasswordHash string
	TokenDigest  secret.Digest
}

// GuardPins are the reads Pin locks its rows with.
type GuardPins interface {
	PinOwner(ctx context.Context, userID urn.UUID) (Owner, error)
	PinToken(ctx context.Context, id urn.UUID) (APIToken, error)
}

// Pin checks g for session s inside a transaction, locking the rows it
// names as CreateSession does: it is CreateSession's guard for a session
// inserted with other writes (Update, then InsertSession). It reports
// false when g does not hold; an error only when the store fails.
func (g SessionGuard) Pin(ctx context.Context, tx GuardPins, s Session) (bool, error) {
	cur, err := tx.PinOwner(ctx, s.UserID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !cur.Enabled || !cur.OrgEnabled || !cur.ValidAfter.Equal(g.ValidAfter) || cur.PasswordHash != g.PasswordHash {
		return false, nil
	}
	if g.TokenDigest.IsZero() {
		return true, nil
	}
	t, err := tx.PinToken(ctx, s.TokenID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return t.RevokedAt.IsZero() && secret.Equal(t.Digest, g.TokenDigest), nil
}

// Touch records activity on a session for write-behind.
type Touch struct {
	ID urn.UUID
	At time.Time
}

// SessionQuery selects live sessions (not ended, not past ExpiresAt at Now).
// Idle expiry depends on a setting and is applied by the caller.
type SessionQuery struct {
	UserID urn.UUID // zero: any
	OrgID  urn.UUID // zero: any
	Now    time.Time
	// IdleBefore, when set, also leaves out sessions subject to the idle
	// timeout whose LastActive is before it (idle-expired, not yet ended
	// by a sweep), so that paging and totals count only live sessions.
	IdleBefore time.Time
	Filter     fiql.Expr // optional, over SessionSchema
	Sort       []Sort
	Page       Page
}

// SessionSelector picks the live sessions EndSessions ends. Exactly one of
// the ids is set; CreatedBefore, when set, further limits to older sessions.
type SessionSelector struct {
	UserID        urn.UUID
	OrgID         urn.UUID
	TokenID       urn.UUID
	CreatedBefore time.Time
}

// SessionRow is a session with the names list endpoints show.
type SessionRow struct {
	Session
	UserName string
	OrgName  string
}

// SessionReader reads sessions.
type SessionReader interface {
	// SessionByLegacyDigest finds a session by the digest of its legacy
	// key, ended or not. (Bearer tokens carry their session's id: they are
	// found with SessionByID and their digest compared to Digest.)
	SessionByLegacyDigest(ctx context.Context, d secret.Digest) (Session, error)
	SessionByID(ctx context.Context, id urn.UUID) (Session, error)
	// Sessions lists live sessions with the total count before paging.
	Sessions(ctx context.Context, q SessionQuery) ([]SessionRow, int, error)
}

// SessionWriter changes sessions.
type SessionWriter interface {
	// InsertSession returns ErrConflict if the id or the legacy digest is
	// taken.
	InsertSession(ctx context.Context, s Session) error
	// EndSession marks one live session ended; it reports false when the
	// session was missing or already ended.
	EndSession(ctx context.Context, id urn.UUID, at time.Time, reason string) (bool, error)
	// EndSessions ends every live session matching sel and returns their ids.
	EndSessions(ctx context.Context, sel SessionSelector, at time.Time, reason string) ([]urn.UUID, error)
	// TouchSessions raises LastActive to each Touch.At if it is later (never
	// lowers it: instances write behind concurrently and the maximum wins).
	TouchSessions(ctx context.Context, touches []Touch) error
}
