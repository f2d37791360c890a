package server

import (
	"context"
	"io"

	"github.com/cloudgate/cloudgate/internal/audittrail"
)

// startAuditLog streams audit events written from now on to w as JSON
// lines (serve's --audit-log), until the server closes. Events already in
// the store are not replayed: `cloudgate audit` reads those.
func (s *Server) startAuditLog(ctx context.Context, w io.Writer) {
	if w == nil {
		return
	}
	last, err := s.store.LastAuditSeq(ctx)
	if err != nil {
		s.log.Warn("audit log: reading the newest event failed; streaming from the start of the trail", "err", err)
	}
	go func() {
		if _, err := audittrail.Stream(ctx, audittrail.StreamConfig{Store: s.store, Out: w, After: last, Log: s.log}); err != nil {
			s.log.Error("audit log: writing failed; events are no longer streamed (the audit table keeps them)", "err", err)
		}
	}()
}
