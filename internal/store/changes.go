package store

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/urn"
)

// Change is one entry of the change feed: a fact other instances (and a
// server whose store an admin command edited) must apply to what they keep
// in memory. Entries are written in the same transaction as the change they
// describe, so a committed change is never missing from the feed.
type Change struct {
	Seq     int64
	Topic   string
	Subject urn.UUID
	At      time.Time
}

// Change topics.
const (
	TopicSessionEnded  = "session.ended"  // Subject: session id
	TopicUserChanged   = "user.changed"   // Subject: user id (disabled, password, role, lock)
	TopicOrgChanged    = "org.changed"    // Subject: org id
	TopicTokenRevoked  = "token.revoked"  // Subject: API token or service account id
	TopicSettings      = "settings"       // Subject: zero
	TopicRoleChanged   = "role.changed"   // Subject: role id
	TopicAccountChange = "account.change" // Subject: service account id
	// TopicResync is never stored: the feed delivers it when a reader fell
	// behind the retention window and must re-read everything it keeps.
	TopicResync = "resync"
)

// ChangeReader reads the feed.
type ChangeReader interface {
	// Changes returns entries with Seq > after, plus entries whose Seq is in
	// also (sequence numbers skipped earlier: on PostgreSQL a transaction
	// may commit after a later-numbered one), in Seq order, at most limit.
	Changes(ctx context.Context, after int64, also []int64, limit int) ([]Change, error)
	// ChangeBounds returns the lowest Seq still kept and the highest Seq
	// written (0, 0 if the feed is empty), so a reader can tell it fell
	// behind the retention window.
	ChangeBounds(ctx context.Context) (first, last int64, err error)
}

// ChangeWriter appends to the feed.
type ChangeWriter interface {
	// Emit appends a change; it becomes visible when the transaction commits.
	Emit(ctx context.Context, c Change) error
}
