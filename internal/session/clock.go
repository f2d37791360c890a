package session

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// maxClockStep is how far a session's creation or last activity may lie
// ahead of the clock (instances' clocks differ by a little, and the store
// keeps the latest activity any of them saw) before this instance takes
// its clock to have gone back.
const maxClockStep = time.Minute

// clockWentBack reports whether e was created or last used more than
// maxClockStep after us. The session's idle and absolute limits count
// from those times; when the clock has gone back, an unknown amount of
// real time has passed since, and checking the limits against the new
// clock would let the session live longer than they allow (for as long
// as the clock was ahead). Such a session ends, as an idle one does.
func clockWentBack(e *entry, us int64) bool {
	step := maxClockStep.Microseconds()
	return e.created-us > step || e.last.Load()-us > step
}

// endForClock ends a session clockWentBack refused, everywhere.
func (m *Manager) endForClock(ctx context.Context, e *entry) error {
	m.log.Warn("the clock went back: ending a session created or used after the current time",
		"session", e.id.String(), "max_step", maxClockStep)
	if err := m.end(ctx, e.id, "clock", nil); err != nil && !apierr.Is(err, apierr.Unauthenticated) {
		m.log.Warn("could not record the end of a session", "session", e.id.String(), "err", err)
	}
	m.dropEntry(e)
	return ErrInvalid
}
