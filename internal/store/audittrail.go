package store

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// AuditTrailQuery selects audit events for reading (the auditTrail API,
// `cloudgate audit`, the event stream).
type AuditTrailQuery struct {
	// OrgID limits the events to one org (an org administrator's view);
	// zero: every org, and events of no org (System administrators).
	OrgID urn.UUID
	// AfterSeq returns only events with a larger sequence number (the
	// stream's cursor); 0: from the first.
	AfterSeq int64
	// Filter is checked against AuditSchema.
	Filter fiql.Expr
	// Sort by AuditSchema fields; default newest first (by sequence).
	Sort []Sort
	// Ascending orders by sequence, oldest first, when Sort is empty (the
	// stream reads forwards).
	Ascending bool
	Page      Page
}

// AuditRow is an event with the name of its org ("" when none).
type AuditRow struct {
	AuditEvent
	OrgName string
}

// AuditTrailReader reads the audit trail.
type AuditTrailReader interface {
	// AuditTrail lists events with the total count before paging.
	// ErrInvalid: a filter or sort field AuditSchema does not know.
	AuditTrail(ctx context.Context, q AuditTrailQuery) ([]AuditRow, int, error)
	// LastAuditSeq is the sequence number of the newest event (0: none).
	LastAuditSeq(ctx context.Context) (int64, error)
}

// AuditTrailWriter prunes the audit trail (retention).
type AuditTrailWriter interface {
	// PruneAudit deletes at most limit events older than cutoff, oldest
	// first, and returns how many it deleted: retention works in bounded
	// batches, so one transaction never holds a huge delete.
	PruneAudit(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// AuditSchema is the filter and sort schema of the audit trail (alias e =
// audit, o = orgs). Selectors follow Cloud Director's AuditTrailEvents
// fields.
func AuditSchema() fiql.Schema {
	return fiql.Schema{
		"timestamp":         {Type: fiql.Time, SQL: "e.at"},
		"eventType":         {Type: fiql.String, SQL: "e.type"},
		"eventStatus":       {Type: fiql.Enum, SQL: "UPPER(e.outcome)", Values: []string{"SUCCESS", "FAILURE", "DENIED"}},
		"user.name":         {Type: fiql.String, SQL: "e.actor_name"},
		"user.id":           {Type: fiql.String, SQL: "('urn:vcloud:user:' || e.actor_id)"},
		"operatingOrg.name": {Type: fiql.String, SQL: "o.name", CaseInsensitive: true},
		"operatingOrg.id":   {Type: fiql.String, SQL: "('urn:vcloud:org:' || e.org_id)"},
		"eventEntity.id":    {Type: fiql.String, SQL: "e.subject"},
		"clientIpAddress":   {Type: fiql.String, SQL: "e.client_ip"},
		"userAgent":         {Type: fiql.String, SQL: "e.user_agent"},
		"requestId":         {Type: fiql.String, SQL: "e.request_id"},
	}
}
