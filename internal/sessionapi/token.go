package sessionapi

import (
	"github.com/cloudgate/cloudgate/internal/audit"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// tokenBody is the answer of POST /auth/request-token.
type tokenBody struct {
	Duration int64  `json:"duration"` // seconds the token lives
	Exp      int64  `json:"exp"`      // Unix seconds
	ExpDate  string `json:"exp_date"` // the same, as shown in session details
	Token    string `json:"token"`
	Type     string `json:"type"`
}

// requestToken serves POST /auth/request-token: Basic "user@org:password"
// (split at the last '@', as every cloudgate login) for a token that is a
// session like any other: no idle timeout, the vss-token-lifetime setting
// as its lifetime. Each user may get vss-rate-limit tokens per
// vss-rate-window; the X-RateLimit-* headers say where the caller stands.
//
// The limit counts tokens issued, after the password check: counting
// attempts by the claimed name would let anyone use up a victim's quota
// with wrong passwords, and failures are already bounded by the lockout
// and the per-address throttle.
func (a *API) requestToken(c *call) error {
	ctx := c.r.Context()
	info := reqctx.From(ctx)
	// Every refusal of credentials is the same 401 with the Basic challenge.
	c.w.Header().Set("WWW-Authenticate", `Basic realm="VSS"`)
	user, pass, present, ok := basicCredentials(c.r.Header)
	if !present {
		a.cfg.Metrics.Login(Dialect, "no_credentials")
		return apierr.New(apierr.Unauthenticated, "This operation needs credentials: send Authorization: Basic base64(user@org:password).")
	}
	at := strings.LastIndexByte(user, '@')
	if !ok || at <= 0 || at == len(user)-1 {
		a.cfg.Metrics.Login(Dialect, identity.OutcomeBadPassword)
		return identity.ErrBadCredentials
	}
	acct, outcome, err := a.cfg.Directory.Authenticate(ctx, identity.Credentials{Org: user[at+1:], User: user[:at],
		Password: pass, ClientIP: info.ClientIP, RequestID: info.ID, Dialect: Dialect, UserAgent: c.r.UserAgent()})
	a.cfg.Metrics.Login(Dialect, outcome)
	if err != nil {
		return err
	}
	c.w.Header().Del("WWW-Authenticate")

	set := a.cfg.Settings.Get()
	now := a.cfg.Now()
	d := a.limiter.take(acct.User.ID, now, set.VSSRateLimit, set.VSSRateWindow)
	h := c.w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilUnix(d.reset), 10))
	if !d.allowed {
		return &apierr.Error{Kind: apierr.TooMany, RetryAfter: max(d.reset.Sub(now), time.Second),
			Message: "Too many token requests: " + strconv.Itoa(d.limit) + " per " + set.VSSRateWindow.String() + "; try again after the time in X-RateLimit-Reset."}
	}
	issued, err := a.cfg.Sessions.Create(ctx, session.Spec{User: acct.User, Org: acct.Org, Role: acct.Role,
		Origin: store.OriginPassword, Dialect: Dialect, ClientIP: info.ClientIP, UserAgent: c.r.UserAgent(),
		NoIdle: true, Lifetime: set.VSSLifetime,
		Audit: []store.AuditEvent{audit.Event(audit.Actor{ID: acct.User.ID, Name: acct.User.Name, OrgID: acct.Org.ID,
			ClientIP: info.ClientIP, RequestID: info.ID, UserAgent: info.UserAgent}, now, "login", audit.Success, "", Dialect)}})
	if err != nil {
		// No token was issued: the request does not count.
		a.limiter.refund(acct.User.ID, d.start)
		h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining+1))
		if apierr.Is(err, apierr.Unauthenticated) {
			// The account changed after the password check (disabled,
			// new password): a refusal of the credentials like any other.
			h.Set("WWW-Authenticate", `Basic realm="VSS"`)
		}
		return err
	}
	s := issued.Session
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	writeJSON(c.w, http.StatusOK, tokenBody{Duration: int64(s.Expires.Sub(s.Created) / time.Second), Exp: s.Expires.Unix(),
		ExpDate: formatTime(s.Expires, a.cfg.Location), Token: issued.Token, Type: "ACCESS"})
	return nil
}

// ceilUnix is t in Unix seconds rounded up, so that a client waiting
// until that second finds the window over.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// limiter is a fixed-window counter per user. It lives in memory: with
// several instances each counts its own requests (see docs/dialects.md).
// Windows that ended are dropped at most once per window length, so memory
// stays bounded by the users active in one window.
type limiter struct {
	mu        sync.Mutex
	windows   map[urn.UUID]*window
	lastPrune time.Time
}

// window is one user's current window; end is fixed when it starts, so a
// changed window length applies from the next window on.
type window struct {
	start, end time.Time
	used       int
}

// decision is the outcome of one take.
type decision struct {
	allowed          bool
	limit, remaining int
	start, reset     time.Time
}

func newLimiter() *limiter { return &limiter{windows: map[urn.UUID]*window{}} }

// take counts one request of key at now against limit per window, unless
// the window's limit is reached. The settings are read on every call, so a
// changed limit applies at once and a changed window from the next window.
func (l *limiter) take(key urn.UUID, now time.Time, limit int, per time.Duration) decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastPrune) >= per {
		for k, w := range l.windows {
			if !now.Before(w.end) {
				delete(l.windows, k)
			}
		}
		l.lastPrune = now
	}
	w := l.windows[key]
	if w == nil || !now.Before(w.end) || now.Before(w.start) {
		w = &window{start: now, end: now.Add(per)}
		l.windows[key] = w
	}
	d := decision{limit: limit, start: w.start, reset: w.end}
	if w.used >= limit {
		return d
	}
	w.used++
	d.allowed, d.remaining = true, limit-w.used
	return d
}

// refund gives back a request counted in the window that began at start.
func (l *limiter) refund(key urn.UUID, start time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w := l.windows[key]; w != nil && w.start.Equal(start) && w.used > 0 {
		w.used--
	}
}
