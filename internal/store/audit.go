package store

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/urn"
)

// AuditEvent is one security-relevant event. It never holds a secret.
type AuditEvent struct {
	Seq       int64
	At        time.Time
	Type      string // e.g. "login", "logout", "token.revoke"
	Outcome   string // "success", "failure", "denied"
	OrgID     urn.UUID
	ActorID   urn.UUID // user or service account acting; zero if unknown
	ActorName string
	Subject   string // what was acted on (URN or name)
	ClientIP  string
	UserAgent string // the client's User-Agent, bounded (see audit.Event)
	RequestID string
	Detail    string // short reason code, never secret material
}

// AuditQuery selects events, newest first.
type AuditQuery struct {
	OrgID urn.UUID // zero: every org
	Type  string   // empty: every type
	Since time.Time
	Page  Page
}

// AuditReader reads the audit log.
type AuditReader interface {
	AuditEvents(ctx context.Context, q AuditQuery) ([]AuditEvent, int, error)
}

// AuditWriter appends to the audit log (there is no update or delete).
type AuditWriter interface {
	InsertAudit(ctx context.Context, e AuditEvent) error
}
