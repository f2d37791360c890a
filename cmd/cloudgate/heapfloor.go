package main

// ballastBytes is the size of the heap ballast serve keeps: with GOGC's
// usual 100 it puts the collector's goal at twice the live heap plus
// 64 MiB.
//
// Why a floor at all: the collector starts a cycle when the heap reaches
// live×(1+GOGC/100), with a 4 MiB minimum. A server at rest holds 1-3 MiB
// live and every request leaves about 2 KiB of garbage, so under load it
// collected 26 times a second (one cycle per ~800 validations), each with
// its stop-the-world phases and stack scans: a few µs of CPU per request,
// more than any handler step.
//
// Why a ballast and not a raised GOGC: a percentage multiplies whatever
// is live when a cycle marks, and a server that verifies passwords swings
// by 19 MiB per argon2id hash in progress. A GOGC picked for 7 MiB live
// (800) put the goal at 400 MiB once a cycle caught two hashes running;
// each later hash then took fresh pages from the kernel (4,864 page faults,
// ~14 µs each on this VM), and when GOGC came down the scavenger returned
// them. Logins cost 3-4 ms of CPU more than a bare argon2id server for
// that alone. The ballast adds a constant instead: the goal follows the
// live heap smoothly, and the pages a hash frees are reused by the next.
//
// The ballast is a pointer-free slice that is never written: the
// collector marks it in constant time, and its pages are never touched, so
// it costs address space, not memory (TestServeBallastCostsNoMemory).
const ballastBytes = 32 << 20

// heapBallast returns the ballast for serve to keep reachable while it
// serves, or nil when the operator tunes the collector: GOGC or
// GOMEMLIMIT in the environment stand as they are (a memory limit counts
// the ballast's address space as heap, so it would fire 32 MiB early).
func heapBallast(getenv func(string) string) []byte {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return nil
	}
	return make([]byte, ballastBytes)
}
