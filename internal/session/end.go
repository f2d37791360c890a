package session

import (
	"context"
	"errors"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// End ends the session with id durably, on every instance. reason is kept
// in the store ("logout", "admin", ...). It fails Unauthenticated when the
// session is already gone.
func (m *Manager) End(ctx context.Context, id urn.UUID, reason string) error {
	return m.end(ctx, id, reason, nil)
}

// EndAs is End recording who ended the session in the audit log ("logout"
// when it is the caller's own session, "session.end" otherwise).
func (m *Manager) EndAs(ctx context.Context, id urn.UUID, reason string, by audit.Actor, own bool) error {
	typ := "session.end"
	if own {
		typ = "logout"
	}
	ev := audit.Event(by, m.now(), typ, audit.Success, id.URN(urn.Session), reason)
	return m.end(ctx, id, reason, &ev)
}

func (m *Manager) end(ctx context.Context, id urn.UUID, reason string, ev *store.AuditEvent) error {
	now := m.now()
	change := store.Change{Topic: store.TopicSessionEnded, Subject: id, At: now}
	var ended bool
	err := m.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if ended, err = tx.EndSession(ctx, id, now, reason); err != nil || !ended {
			return err
		}
		if ev != nil {
			if err := tx.InsertAudit(ctx, *ev); err != nil {
				return err
			}
		}
		return tx.Emit(ctx, change)
	})
	if err != nil {
		return storeErr(err)
	}
	// Apply locally before answering, so the caller's next request (to
	// this instance) is refused; other instances follow through the feed.
	m.feed.Publish(ctx, change)
	if !ended {
		return ErrInvalid
	}
	return nil
}

// Lookup returns a live session by id, for listing and ending sessions by
// id. It does not count as activity. ErrNotFound-kind when missing, ended
// or expired.
func (m *Manager) Lookup(ctx context.Context, id urn.UUID) (store.Session, error) {
	rec, err := m.store.SessionByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return rec, apierr.New(apierr.NotFound, "session does not exist")
	}
	if err != nil {
		return rec, storeErr(err)
	}
	now := m.now()
	if !m.live(rec, now) {
		return rec, apierr.New(apierr.NotFound, "session does not exist")
	}
	if e := m.cache.byIDGet(id); e != nil {
		if last := store.FromMicros(e.last.Load()); last.After(rec.LastActive) {
			rec.LastActive = last
		}
	}
	return rec, nil
}

// live reports whether rec is live at now by the store's view, merged with
// this instance's activity.
func (m *Manager) live(rec store.Session, now time.Time) bool {
	if !rec.EndedAt.IsZero() || !now.Before(rec.ExpiresAt) {
		return false
	}
	if rec.Idle {
		last := rec.LastActive
		if e := m.cache.byIDGet(rec.ID); e != nil {
			if l := store.FromMicros(e.last.Load()); l.After(last) {
				last = l
			}
		}
		if now.Sub(last) > m.settings.Get().IdleTimeout {
			return false
		}
	}
	return true
}

// List returns live sessions matching q (q.Now and q.IdleBefore are set
// here) with the total. Sessions past the idle timeout are left out even if
// the sweeper has not ended them yet: by the store's view in the query (so
// pages and totals agree), then by this instance's, which may know of
// activity not yet written behind.
func (m *Manager) List(ctx context.Context, q store.SessionQuery) ([]store.SessionRow, int, error) {
	now := m.now()
	q.Now = now
	// The store's last activity lags by at most the write-behind delay; a
	// session that old is idle by any instance's view.
	q.IdleBefore = now.Add(-m.settings.Get().IdleTimeout - m.flushEv - time.Duration(m.granule)*time.Microsecond)
	rows, total, err := m.store.Sessions(ctx, q)
	if err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return nil, 0, apierr.Wrap(apierr.Invalid, err, "%s", err.Error())
		}
		return nil, 0, storeErr(err)
	}
	out := rows[:0]
	for _, r := range rows {
		if m.live(r.Session, now) {
			if e := m.cache.byIDGet(r.ID); e != nil {
				if l := store.FromMicros(e.last.Load()); l.After(r.LastActive) {
					r.LastActive = l
				}
			}
			out = append(out, r)
		} else {
			total--
		}
	}
	return out, total, nil
}
