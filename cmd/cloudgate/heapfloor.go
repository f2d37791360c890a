package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// heapFloor is the smallest heap goal serve lets the collector aim for.
//
// The collector starts a cycle when the heap reaches live×(1+GOGC/100),
// with a 4 MiB minimum. A server at rest holds 1-3 MiB live, and every
// request leaves about 2 KiB of garbage, so under load it collected
// 26 times a second (one cycle per ~800 validations), each cycle with its
// stop-the-world phases and its stack scans: a few µs of CPU per request,
// more than any handler step. Keeping the goal at 64 MiB or above cuts
// that to a cycle every few tens of thousands of requests. It costs at
// most that much garbage held between cycles, and nothing once the live
// heap is large (a million cached sessions are ~430 MiB): then GOGC's
// usual 100 applies.
const heapFloor = 64 << 20

// gcPercentFor is the GOGC that puts the heap goal at floor, or base if
// that is higher, at most 10000. The runtime's goal is live plus GOGC
// percent of live heap, stacks and globals; rather than redo that sum, the
// current goal under the current GOGC (cur) says what one percent is worth.
func gcPercentFor(live, goal, floor uint64, cur, base int) int {
	if cur <= 0 || goal <= live {
		return base
	}
	perPercent := float64(goal-live) / float64(cur)
	if live >= floor || float64(live)+perPercent*float64(base) >= float64(floor) {
		return base
	}
	return min(int(float64(floor-live)/perPercent), 10000)
}

// keepHeapFloor adjusts GOGC once a second to the live heap (read from
// runtime/metrics, which does not stop the world) until ctx ends. An
// operator's GOGC stands: with GOGC in the environment nothing is tuned.
// GOMEMLIMIT, if set, still bounds the heap as usual.
func keepHeapFloor(ctx context.Context) {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	const base = 100
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/goal:bytes"}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	cur := base
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 && sample[1].Value.Kind() == metrics.KindUint64 {
			// Small changes are left alone: a goal that moves every
			// second helps nobody.
			if pct := gcPercentFor(sample[0].Value.Uint64(), sample[1].Value.Uint64(), heapFloor, cur, base); pct < cur*9/10 || pct > cur*11/10 {
				debug.SetGCPercent(pct)
				cur = pct
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
