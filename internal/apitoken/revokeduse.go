package apitoken

import (
	"context"

	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// auditRevokedUse records that a revoked API token was presented for
// exchange: whoever sent it holds a real token that its owner gave up, so
// it has likely leaked. Only a token whose digest matched is recorded (a
// guess never is), and the caller's address spends its failure budget on
// every attempt, which bounds the rows one source can cause. A store
// failure is logged: the exchange is refused either way.
func (s *Service) auditRevokedUse(ctx context.Context, t store.APIToken, c grant.Client) {
	by := audit.Actor{OrgID: t.OrgID, ClientIP: c.IP, RequestID: c.RequestID, UserAgent: c.UserAgent}
	ev := audit.Event(by, s.now(), "token.use", audit.Denied, t.ID.URN(urn.Token), "revoked API token presented")
	if err := s.store.Update(ctx, func(tx store.Tx) error { return tx.InsertAudit(ctx, ev) }); err != nil {
		s.log.Warn("audit write failed", "err", err)
	}
}
