package session

import (
	"testing"
	"time"
)

// The staleness of the change feed is real elapsed time whatever clock the
// manager runs on: a production clock's own monotonic reading serves, a
// set clock (no monotonic reading) is not used.
func TestSinceReal(t *testing.T) {
	synced := time.Now().Add(-3 * time.Second)
	for _, tc := range []struct {
		name     string
		now      time.Time
		min, max time.Duration
	}{
		{"real clock", time.Now(), 3 * time.Second, 4 * time.Second},
		{"set clock far in the future", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), 3 * time.Second, 4 * time.Second},
		{"set clock far in the past", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 3 * time.Second, 4 * time.Second},
		{"real clock without its monotonic reading", time.Now().Round(0), 3 * time.Second, 4 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := sinceReal(tc.now, synced); d < tc.min || d > tc.max {
				t.Errorf("sinceReal = %v, want between %v and %v", d, tc.min, tc.max)
			}
		})
	}
}
