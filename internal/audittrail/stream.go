package audittrail

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
)

// StreamConfig configures Stream.
type StreamConfig struct {
	Store Reader
	// Out receives one JSON object (Event) per line. Each line is one
	// Write, so a log shipper reading the file never sees half an event.
	Out io.Writer
	// After is the sequence number to start after: events newer than it
	// are written. Use LastAuditSeq to start with what comes next.
	After int64
	// Interval between polls (default 1s).
	Interval time.Duration
	// Batch bounds the events read per query (default 500).
	Batch int
	Log   *slog.Logger
}

// Stream writes every committed audit event newer than cfg.After to
// cfg.Out, oldest first, as JSON lines, until ctx ends. It reads the store
// rather than hooking the writers, so events written by other instances
// and by `cloudgate` admin commands are streamed too, and only once they
// are committed. A store error is logged and retried at the next poll; a
// write error ends the stream (the caller's file or pipe is gone). It
// returns the sequence number of the last event written.
func Stream(ctx context.Context, cfg StreamConfig) (int64, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	st := streamState{cursor: cfg.After, written: map[int64]bool{}, gaps: map[int64]time.Time{}}
	t := time.NewTicker(cfg.Interval)
	defer t.Stop()
	for {
		if err := st.poll(ctx, cfg); err != nil {
			return st.cursor, err
		}
		select {
		case <-ctx.Done():
			return st.cursor, nil
		case <-t.C:
		}
	}
}

// gapWait is how long a missing sequence number is waited for. On
// PostgreSQL numbers are taken when a row is inserted but become visible
// when its transaction commits, so a later number can be seen first; a
// number still missing after gapWait belongs to a transaction that rolled
// back.
const gapWait = 30 * time.Second

// maxGaps bounds the numbers waited for; past it the oldest are dropped.
const maxGaps = 1000

// streamState remembers what was written: every event up to cursor, and
// the ones in written above it, while the numbers in gaps are awaited.
type streamState struct {
	cursor  int64
	written map[int64]bool
	gaps    map[int64]time.Time
}

func (st *streamState) poll(ctx context.Context, cfg StreamConfig) error {
	now := time.Now()
	from := st.cursor
	for {
		rows, _, err := cfg.Store.AuditTrail(ctx, store.AuditTrailQuery{AfterSeq: from, Ascending: true,
			Page: store.Page{Limit: cfg.Batch}})
		if err != nil {
			if ctx.Err() == nil {
				cfg.Log.Warn("audit stream: reading the trail failed; retrying", "err", err)
			}
			return nil
		}
		for _, row := range rows {
			for s := from + 1; s < row.Seq && len(st.gaps) < maxGaps; s++ {
				if !st.written[s] {
					if _, ok := st.gaps[s]; !ok {
						st.gaps[s] = now
					}
				}
			}
			from = row.Seq
			if st.written[row.Seq] || row.Seq <= st.cursor {
				continue
			}
			line, err := json.Marshal(Render(row))
			if err != nil {
				return err
			}
			if _, err := cfg.Out.Write(append(line, '\n')); err != nil {
				return err
			}
			st.written[row.Seq] = true
			delete(st.gaps, row.Seq)
		}
		if len(rows) < cfg.Batch {
			break
		}
	}
	// Move the cursor over what is written and over gaps waited out.
	for {
		next := st.cursor + 1
		if st.written[next] {
			delete(st.written, next)
		} else if at, ok := st.gaps[next]; ok && now.Sub(at) >= gapWait {
			delete(st.gaps, next)
		} else if !ok && next <= from {
			// Not seen and not awaited (maxGaps reached): give it up.
		} else {
			return nil
		}
		st.cursor = next
	}
}
