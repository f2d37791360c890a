// Package audit builds the security events cloudgate records (logins,
// lockouts, revocations, administrative changes). Events go to the store in
// the same transaction as the change they describe and never hold secrets.
package audit

import (
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Actor is who did something, and from where.
type Actor struct {
	ID        urn.UUID // zero for the command line or an unknown caller
	Name      string
	OrgID     urn.UUID
	ClientIP  string
	RequestID string
	// UserAgent is the client's User-Agent; Event bounds it.
	UserAgent string
}

// CLI is the actor for administrative commands run on the server's host.
func CLI() Actor { return Actor{Name: "cli"} }

// Outcomes.
const (
	Success = "success"
	Failure = "failure"
	Denied  = "denied"
)

// Event returns an audit event by a.
func Event(a Actor, at time.Time, typ, outcome, subject, detail string) store.AuditEvent {
	return store.AuditEvent{At: at, Type: typ, Outcome: outcome, OrgID: a.OrgID, ActorID: a.ID, ActorName: a.Name,
		Subject: subject, ClientIP: a.ClientIP, RequestID: a.RequestID, Detail: detail, UserAgent: bound(a.UserAgent)}
}

// maxUserAgent bounds the client-chosen User-Agent kept per event.
const maxUserAgent = 256

// bound cuts s to maxUserAgent bytes of valid UTF-8 (PostgreSQL refuses
// invalid UTF-8 in text columns).
func bound(s string) string {
	if len(s) > maxUserAgent {
		s = s[:maxUserAgent]
	}
	return strings.ToValidUTF8(s, "?")
}
