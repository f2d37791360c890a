package secret

import (
	"context"
	"runtime"
	"sync"
	"time"

	"cloudgate/internal/apierr"
)

// Hasher runs argon2id on a fixed set of worker goroutines. It bounds how
// many hashes run at once (each holds 19 MiB and a core for ~25 ms), makes
// excess callers wait at most MaxWait and then answers Unavailable, and, on
// Linux, runs the workers on OS threads with the lowest scheduling priority.
//
// The priority matters on small machines: with GOMAXPROCS raised by the
// number of workers (see ExtraProcs), request goroutines keep their own
// processors and the kernel gives hashing only the CPU that requests leave
// idle. A login flood then saturates the cores without starving token
// validation, while logins alone still reach the machine's argon2 ceiling.
type Hasher struct {
	params  Params
	maxWait time.Duration
	jobs    chan hashJob
	wg      sync.WaitGroup
	closing chan struct{}
	once    sync.Once
}

type hashJob struct {
	verify bool
	phc    string
	pw     string
	done   chan hashResult
}

type hashResult struct {
	phc       string
	ok, again bool
	err       error
}

// HasherConfig configures NewHasher.
type HasherConfig struct {
	Params  Params
	Workers int           // default runtime.NumCPU()
	MaxWait time.Duration // default 2s
	// LowPriority lowers the workers' OS thread priority (Linux only).
	LowPriority bool
}

// NewHasher starts the workers. Close stops them.
func NewHasher(cfg HasherConfig) *Hasher {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 2 * time.Second
	}
	if cfg.Params == (Params{}) {
		cfg.Params = DefaultParams()
	}
	h := &Hasher{params: cfg.Params, maxWait: cfg.MaxWait, jobs: make(chan hashJob), closing: make(chan struct{})}
	for i := 0; i < cfg.Workers; i++ {
		h.wg.Add(1)
		go h.work(cfg.LowPriority)
	}
	return h
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

func (h *Hasher) work(low bool) {
	defer h.wg.Done()
	if low {
		// The thread keeps its lowered priority for life: the goroutine never
		// unlocks it, so the runtime discards the thread when the worker
		// exits instead of reusing it for ordinary goroutines.
		runtime.LockOSThread()
		lowerThreadPriority()
	}
	for {
		select {
		case <-h.closing:
			return
		case j := <-h.jobs:
			var r hashResult
			if j.verify {
				r.ok, r.again, r.err = VerifyPassword(j.phc, j.pw, h.params)
			} else {
				r.phc = HashPassword(j.pw, h.params)
			}
			j.done <- r
		}
	}
}

// Hash returns a PHC string for pw. It fails with apierr.Unavailable when no
// worker frees up within MaxWait.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	r, err := h.run(ctx, hashJob{pw: pw})
	return r.phc, err
}

// Verify checks pw against phc. rehash reports that phc uses other
// parameters than new hashes would.
func (h *Hasher) Verify(ctx context.Context, phc, pw string) (ok, rehash bool, err error) {
	r, err := h.run(ctx, hashJob{verify: true, phc: phc, pw: pw})
	if err != nil {
		return false, false, err
	}
	return r.ok, r.again, r.err
}

func (h *Hasher) run(ctx context.Context, j hashJob) (hashResult, error) {
	j.done = make(chan hashResult, 1)
	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case h.jobs <- j:
	case <-t.C:
		return hashResult{}, &apierr.Error{Kind: apierr.Unavailable, Message: "too many logins in progress, retry shortly", RetryAfter: time.Second}
	case <-ctx.Done():
		return hashResult{}, apierr.Wrap(apierr.Unavailable, ctx.Err(), "request cancelled")
	case <-h.closing:
		return hashResult{}, apierr.New(apierr.Unavailable, "server is shutting down")
	}
	// A worker has the job; it takes a few tens of milliseconds, so the
	// caller waits for the answer rather than abandoning it half way.
	return <-j.done, nil
}

// Close stops the workers after the jobs in progress.
func (h *Hasher) Close() {
	h.once.Do(func() { close(h.closing) })
	h.wg.Wait()
}
