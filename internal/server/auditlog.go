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
	s.auditLog = make(chan struct{})
	go func() {
		defer close(s.auditLog)
		if _, err := audittrail.Stream(ctx, audittrail.StreamConfig{Store: s.store, Out: w, After: last, Log: s.log}); err != nil {
			s.log.Error("audit log: writing failed; events are no longer streamed (the audit table keeps them)", "err", err)
		}
	}()
}

// waitAuditLog waits for the stream to stop (after the background context
// is cancelled), so nothing is written once Close returns and the caller
// closes the file.
func (s *Server) waitAuditLog() {
	if s.auditLog != nil {
		<-s.auditLog
	}
}
