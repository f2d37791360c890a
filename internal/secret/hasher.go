package secret

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// Hasher runs argon2id on a fixed set of worker goroutines. It bounds how
// many hashes run at once (each holds 19 MiB and a core for ~25 ms), makes
// excess callers wait at most MaxWait and then answers Unavailable.
//
// When Busy reports that the process is serving other requests, only the
// first worker takes jobs: hashing then holds at most one core, so a login
// flood cannot starve token validation on a small machine, while logins
// alone still use every core and reach the machine's argon2 ceiling.
type Hasher struct {
	params  Params
	maxWait time.Duration
	busy    func() bool
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
	// Busy, if set, reports whether the process is busy with other work;
	// while it is, only one worker hashes.
	Busy func() bool
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
	h := &Hasher{params: cfg.Params, maxWait: cfg.MaxWait, busy: cfg.Busy, jobs: make(chan hashJob), closing: make(chan struct{})}
	for i := 0; i < cfg.Workers; i++ {
		h.wg.Add(1)
		go h.work(i == 0)
	}
	return h
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// work runs jobs. Every worker but the first stands aside while the
// process is busy: it checks between jobs, so a hash in progress finishes.
func (h *Hasher) work(first bool) {
	defer h.wg.Done()
	pause := time.NewTicker(5 * time.Millisecond)
	defer pause.Stop()
	for {
		if !first && h.busy != nil && h.busy() {
			select {
			case <-h.closing:
				return
			case <-pause.C:
				continue
			}
		}
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
		case <-pause.C:
			// Re-check busy now and then even when no job comes.
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
