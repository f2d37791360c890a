// Package audittrail makes the audit log readable: who may read which
// events (System administrators everything, org administrators their org),
// the one JSON shape events take everywhere (the auditTrail API, `cloudgate
// audit`, the JSON-lines stream), and the stream itself. Events are
// written by the code that does what they record (package audit), in the
// same transaction; this package only reads.
package audittrail

import (
	"context"
	"encoding/binary"
	"strings"

	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Reader is the store access the trail needs: it only reads.
type Reader interface {
	store.AuditTrailReader
}

// Service reads the trail for API callers.
type Service struct {
	Store Reader
}

// List returns the events p may see that match q, with the total before
// paging. A System administrator sees every event; a principal holding
// "Audit: View" (Organization Administrators) sees its own org's; anyone
// else is Forbidden. Invalid: a filter or sort the schema does not know.
func (s *Service) List(ctx context.Context, p *authz.Principal, q store.AuditTrailQuery) ([]store.AuditRow, int, error) {
	if !p.SystemAdmin() {
		if err := p.Require(identity.RightAuditView); err != nil {
			return nil, 0, err
		}
		q.OrgID = p.OrgID
	}
	rows, total, err := s.Store.AuditTrail(ctx, q)
	return rows, total, store.APIError(err, "audit event")
}

// Ref is Cloud Director's OpenApiReference.
type Ref struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// Event is an audit event in Cloud Director's AuditTrailEvents shape (the
// fields govcd's own tests read), with cloudgate's details in
// additionalProperties.
type Event struct {
	EventID              string            `json:"eventId"`
	Description          string            `json:"description"`
	OperatingOrg         Ref               `json:"operatingOrg"`
	User                 Ref               `json:"user"`
	EventEntity          Ref               `json:"eventEntity"`
	TaskID               *string           `json:"taskId"`
	TaskCellID           *string           `json:"taskCellId"`
	CellID               string            `json:"cellId"`
	EventType            string            `json:"eventType"`
	ServiceNamespace     string            `json:"serviceNamespace"`
	EventStatus          string            `json:"eventStatus"`
	Timestamp            string            `json:"timestamp"`
	External             bool              `json:"external"`
	AdditionalProperties map[string]string `json:"additionalProperties"`
}

// Namespace is every event's serviceNamespace.
const Namespace = "cloudgate"

// EventID is the id of the event with sequence number seq: a UUID (version
// 8, RFC 9562) whose last 8 bytes are seq, so ids are stable and unique
// per database without a column of their own.
func EventID(seq int64) string {
	var u urn.UUID
	binary.BigEndian.PutUint64(u[8:], uint64(seq)) // #nosec G115 -- seq is a database sequence number, never negative
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	return "urn:vcloud:audit:" + u.String()
}

// Timestamp is the format of timestamps (and of FIQL timestamp values, as
// govcd writes them).
const Timestamp = "2006-01-02T15:04:05.000Z"

// Render returns row in the Event shape. The status is upper case, as
// Cloud Director's (SUCCESS, FAILURE, DENIED); filters compare it that way.
func Render(row store.AuditRow) Event {
	e := Event{
		EventID:          EventID(row.Seq),
		Description:      row.Detail,
		OperatingOrg:     Ref{Name: row.OrgName},
		User:             Ref{Name: row.ActorName},
		EventType:        row.Type,
		ServiceNamespace: Namespace,
		EventStatus:      strings.ToUpper(row.Outcome),
		Timestamp:        row.At.UTC().Format(Timestamp),
		AdditionalProperties: map[string]string{
			"currentContext.user.clientIpAddress": row.ClientIP,
			"currentContext.user.userAgent":       row.UserAgent,
			"requestId":                           row.RequestID,
			"sequence":                            itoa(row.Seq),
		},
	}
	if !row.OrgID.IsZero() {
		e.OperatingOrg.ID = row.OrgID.URN(urn.Org)
	}
	if !row.ActorID.IsZero() {
		e.User.ID = row.ActorID.URN(urn.User)
	}
	if strings.HasPrefix(row.Subject, "urn:") {
		e.EventEntity.ID = row.Subject
	} else {
		e.EventEntity.Name = row.Subject
	}
	return e
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
