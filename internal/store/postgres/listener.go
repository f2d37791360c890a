package postgres

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// listener holds one dedicated connection that LISTENs on the changes
// channel and turns every notification into a wake-up of the change feed.
// Notifications carry no data: the feed reads from its cursor, so one
// wake-up covers any number of changes, and a lost one costs at most a poll
// interval. After the connection drops, the listener reconnects with
// capped, jittered backoff and wakes the feed once it listens again: what
// was committed while it was deaf is then read from the cursor.
type listener struct {
	cfg     *pgx.ConnConfig
	channel string
	backoff time.Duration
	log     *slog.Logger
	wake    chan struct{}

	cancel context.CancelFunc
	done   sync.WaitGroup
}

// How long the listener waits for a notification before checking that its
// connection still answers: a peer that vanished without closing the
// socket is noticed within about this long.
const listenCheckEvery = 15 * time.Second

func newListener(cfg *pgx.ConnConfig, channel string, maxBackoff time.Duration, log *slog.Logger) *listener {
	if maxBackoff <= 0 {
		maxBackoff = 5 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{cfg: cfg, channel: channel, backoff: maxBackoff, log: log, wake: make(chan struct{}, 1), cancel: cancel}
	l.done.Add(1)
	go l.run(ctx)
	return l
}

func (l *listener) signal() {
	select {
	case l.wake <- struct{}{}:
	default: // a wake-up is pending already; one is enough
	}
}

func (l *listener) run(ctx context.Context) {
	defer l.done.Done()
	delay := 50 * time.Millisecond
	failures := 0
	for ctx.Err() == nil {
		started := time.Now()
		err := l.listen(ctx, func() {
			if failures > 0 {
				l.log.Info("change notifications restored", "channel", l.channel)
			}
			failures = 0
			delay = 50 * time.Millisecond
			// Changes committed while this instance was not listening
			// sent notifications nobody received: read them now.
			l.signal()
		})
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			delay = 50 * time.Millisecond
		}
		failures++
		if failures == 1 {
			l.log.Warn("change notifications lost; polling until reconnected", "channel", l.channel, "err", err)
		}
		// Full jitter, so that instances do not reconnect in lockstep.
		wait := time.Duration(rand.Int64N(int64(delay))) + delay/2 // #nosec G404 -- jitter needs spread, not secrecy
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		delay = min(2*delay, l.backoff)
	}
}

// listen connects, LISTENs and relays notifications until the connection
// fails or ctx ends. up runs once the channel is listened to.
func (l *listener) listen(ctx context.Context, up func()) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, l.cfg)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx) // the connection is dropped either way
	}()
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err = conn.Exec(qctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize())
	cancel()
	if err != nil {
		return err
	}
	up()
	for {
		wctx, cancel := context.WithTimeout(ctx, listenCheckEvery)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			l.signal()
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case wctx.Err() == nil || conn.IsClosed():
			return err
		}
		// Quiet for a while: make sure the connection is still alive.
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return err
		}
	}
}

// close stops the listener and waits for it.
func (l *listener) close() error {
	l.cancel()
	l.done.Wait()
	return nil
}
