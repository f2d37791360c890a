// Package settings owns the provider-wide settings (session timeouts and
// the like): stored in the database so every instance sees one value,
// changed through the change feed, read lock-free on hot paths.
package settings

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/feed"
	"github.com/cloudgate/cloudgate/internal/store"
)

// Values are the settings in effect.
type Values struct {
	// IdleTimeout ends a session after this long without a request
	// (Cloud Director's SessionTimeoutMinutes).
	IdleTimeout time.Duration
	// MaxLifetime ends a session this long after login whatever its use
	// (AbsoluteSessionTimeoutMinutes).
	MaxLifetime time.Duration
	// VSSLifetime is the lifetime of session-listing dialect tokens (no
	// idle timeout there, as in the source system).
	VSSLifetime time.Duration
	// VSSRateLimit is how many tokens a user may request per
	// VSSRateWindow from /auth/request-token.
	VSSRateLimit  int
	VSSRateWindow time.Duration
	// AuditRetention is how long audit events are kept; older ones are
	// pruned by the background sweeper in bounded batches.
	AuditRetention time.Duration
}

// Key describes one setting.
type Key struct {
	Name    string
	Help    string
	Default string
	kind    string // "duration" or "int"
	min     int64  // seconds or count
	max     int64
	set     func(*Values, int64)
}

// Keys lists the settings in name order.
func Keys() []Key {
	keys := []Key{
		{"session-idle-timeout", "end a session after this long without a request", "30m", "duration", 60, 3600 * 60,
			func(v *Values, n int64) { v.IdleTimeout = time.Duration(n) * time.Second }},
		{"session-max-lifetime", "end a session this long after login", "24h", "duration", 60, 43200 * 60,
			func(v *Values, n int64) { v.MaxLifetime = time.Duration(n) * time.Second }},
		{"vss-token-lifetime", "lifetime of /auth/request-token tokens", "24h", "duration", 60, 43200 * 60,
			func(v *Values, n int64) { v.VSSLifetime = time.Duration(n) * time.Second }},
		{"vss-rate-limit", "tokens a user may request per window from /auth/request-token", "5", "int", 1, 100000,
			func(v *Values, n int64) { v.VSSRateLimit = int(n) }},
		{"vss-rate-window", "window of the /auth/request-token rate limit", "1m", "duration", 1, 86400,
			func(v *Values, n int64) { v.VSSRateWindow = time.Duration(n) * time.Second }},
		{"audit-retention", "keep audit events this long (e.g. 90d, 2160h); older ones are pruned", "90d", "duration", 3600, 3650 * 86400,
			func(v *Values, n int64) { v.AuditRetention = time.Duration(n) * time.Second }},
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
	return keys
}

func lookup(name string) (Key, bool) {
	for _, k := range Keys() {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// parse validates value for k and returns seconds (durations) or the count.
func (k Key) parse(value string) (int64, error) {
	var n int64
	if k.kind == "duration" {
		d, err := parseDuration(value)
		if err != nil {
			return 0, fmt.Errorf("%s: %q is not a duration (examples: 90s, 30m, 12h, 90d)", k.Name, value)
		}
		if d%time.Second != 0 {
			return 0, fmt.Errorf("%s: %q must be a whole number of seconds", k.Name, value)
		}
		n = int64(d / time.Second)
	} else {
		v, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q is not a whole number", k.Name, value)
		}
		n = v
	}
	if n < k.min || n > k.max {
		if k.kind == "duration" {
			return 0, fmt.Errorf("%s must be between %v and %v", k.Name, time.Duration(k.min)*time.Second, time.Duration(k.max)*time.Second)
		}
		return 0, fmt.Errorf("%s must be between %d and %d", k.Name, k.min, k.max)
	}
	return n, nil
}

// parseDuration is time.ParseDuration plus whole days ("90d"), the unit
// retention periods are spoken in.
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok && days != "" {
		n, err := strconv.ParseInt(days, 10, 32)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad number of days %q", days)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// Defaults returns the values used when nothing is stored.
func Defaults() Values {
	v, _ := fromMap(nil)
	return v
}

// fromMap builds Values from stored text; unknown keys are ignored (a newer
// cloudgate may have written them) and unparsable ones fall back to the
// default with an error.
func fromMap(m map[string]string) (Values, error) {
	var v Values
	var firstErr error
	for _, k := range Keys() {
		n, _ := k.parse(k.Default)
		if s, ok := m[k.Name]; ok {
			if parsed, err := k.parse(s); err == nil {
				n = parsed
			} else if firstErr == nil {
				firstErr = err
			}
		}
		k.set(&v, n)
	}
	return v, firstErr
}

// Store is the part of the store a Holder uses.
type Store interface {
	store.SettingsReader
	store.Updater
}

// Holder keeps the current Values.
type Holder struct {
	cur   atomic.Pointer[Values]
	store Store
	feed  feed.Publisher
	now   func() time.Time
}

// Load reads the stored settings.
func Load(ctx context.Context, s Store, pub feed.Publisher, now func() time.Time) (*Holder, error) {
	if now == nil {
		now = time.Now
	}
	if pub == nil {
		pub = feed.Discard{}
	}
	h := &Holder{store: s, feed: pub, now: now}
	if err := h.reload(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// Fixed returns a Holder with fixed values (tests and tools).
func Fixed(v Values) *Holder {
	h := &Holder{now: time.Now}
	h.cur.Store(&v)
	return h
}

func (h *Holder) reload(ctx context.Context) error {
	m, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	v, _ := fromMap(m) // a bad stored value keeps its default
	h.cur.Store(&v)
	return nil
}

// Get returns the values in effect; callers must not modify them.
func (h *Holder) Get() *Values { return h.cur.Load() }

// Set validates and stores one setting, and applies it on every instance.
func (h *Holder) Set(ctx context.Context, by audit.Actor, name, value string) error {
	k, ok := lookup(name)
	if !ok {
		return apierr.New(apierr.Invalid, "unknown setting %q", name)
	}
	if _, err := k.parse(value); err != nil {
		return apierr.New(apierr.Invalid, "%s", err.Error())
	}
	now := h.now()
	change := store.Change{Topic: store.TopicSettings, At: now}
	err := h.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.SetSetting(ctx, name, value); err != nil {
			return err
		}
		if err := tx.Emit(ctx, change); err != nil {
			return err
		}
		return tx.InsertAudit(ctx, audit.Event(by, now, "settings.set", audit.Success, name, value))
	})
	if full := store.FullError(err); full != nil {
		return full
	}
	if err != nil {
		return apierr.Wrap(apierr.Unavailable, err, "could not store the setting")
	}
	h.feed.Publish(ctx, change)
	return nil
}

// Stored returns every setting with its value in effect and whether it was
// set explicitly.
func (h *Holder) Stored(ctx context.Context) ([][3]string, error) {
	m, err := h.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var out [][3]string
	for _, k := range Keys() {
		v, src := k.Default, "default"
		if s, ok := m[k.Name]; ok {
			v, src = s, "set"
		}
		out = append(out, [3]string{k.Name, v, src})
	}
	return out, nil
}

// Apply is the feed handler: it reloads on a settings change or resync.
func (h *Holder) Apply(ctx context.Context, c store.Change) error {
	if c.Topic != store.TopicSettings && c.Topic != store.TopicResync {
		return nil
	}
	return h.reload(ctx)
}
