package identity

import "time"

// live reports whether the failure window is still open at now. A window
// that starts after now was opened before the clock went back; it is
// closed, not kept open for as long as the clock was ahead (which could
// block an address for years). The address may then fail again up to the
// limit, once per jump of the clock.
func (w *ipWindow) live(now time.Time, window time.Duration) bool {
	d := now.Sub(w.start)
	return d >= 0 && d < window
}
