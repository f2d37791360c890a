package apitoken

import "github.com/cloudgate/cloudgate/internal/session"

// Sessions returns the session manager the service makes sessions with;
// the /oauth dialect resolves and ends the sessions it is shown through it
// (its Config names only this service and the service accounts').
func (s *Service) Sessions() *session.Manager { return s.sessions }
