package gate

import (
	"errors"
	"io"
	"time"
)

// errStalled is why a proxied exchange was cut: a streamed body, one way
// or the other, made no progress for the idle timeout.
var errStalled = errors.New("a streamed body made no progress within the idle timeout")

// guardBody cuts a proxied exchange whose body stops moving. Once an
// upstream's headers have been relayed there is no status left to answer
// with, and the server's own read and write deadlines are lifted for
// proxied requests (a 200 MB upload or a long download must not hit them),
// so without this an upstream that stops halfway through its body, or a
// client that stops halfway through its upload, would hold a connection
// and two goroutines for ever.
//
// Each Read must return within idle, or stalled is called, which must
// abort the read and the exchange (with errStalled as the cause).
// Only time spent inside a Read counts: a client slow to take what the
// upstream sent does not make the upstream's body stall. Each body has its
// own timer because the two directions are read concurrently. Upgraded
// connections (WebSocket) are never guarded: an idle console is normal.
func guardBody(rc io.ReadCloser, idle time.Duration, stalled func()) io.ReadCloser {
	t := time.AfterFunc(idle, stalled)
	t.Stop()
	return &guardedBody{ReadCloser: rc, idle: idle, timer: t}
}

// guardedBody is read by one goroutine at a time (the transport for a
// request body, the proxy's copy loop for a response body).
type guardedBody struct {
	io.ReadCloser
	idle  time.Duration
	timer *time.Timer
}

func (b *guardedBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.idle)
	n, err := b.ReadCloser.Read(p)
	b.timer.Stop()
	return n, err
}

func (b *guardedBody) Close() error {
	b.timer.Stop()
	return b.ReadCloser.Close()
}
