package main

import "testing"

func TestGCPercentFor(t *testing.T) {
	const floor = 64 << 20
	const mib = 1 << 20
	for _, tc := range []struct {
		name      string
		live      uint64
		goal      uint64
		cur, want int
	}{
		{"nothing read yet", 0, 0, 100, 100},
		{"2 MiB live, goal 4 MiB at GOGC 100", 2 * mib, 4 * mib, 100, 3100},
		{"1 MiB live, 3 MiB of roots", 1 * mib, 4 * mib, 100, 2100},
		{"already lifted: stays", 2 * mib, 64 * mib, 3100, 3100},
		{"live heap grew: back towards GOGC 100", 40 * mib, 2000 * mib, 3100, 100},
		{"16 MiB live", 16 * mib, 32 * mib, 100, 300},
		{"large heap: GOGC as usual", 430 * mib, 860 * mib, 100, 100},
		{"nearly empty: capped", 1 << 10, 4 << 10, 100, 10000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := gcPercentFor(tc.live, tc.goal, floor, tc.cur, 100)
			if got != tc.want {
				t.Errorf("gcPercentFor(%d, %d, cur %d) = %d, want %d", tc.live, tc.goal, tc.cur, got, tc.want)
			}
		})
	}
}
