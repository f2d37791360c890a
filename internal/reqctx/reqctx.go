// Package reqctx carries per-request facts every layer needs (request id,
// client address, start time) in the request context. The server's
// middleware sets them once; handlers and the audit log read them.
package reqctx

import (
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/urn"
)

// Info describes one request.
type Info struct {
	// ID is the request id returned in X-VMWARE-VCLOUD-REQUEST-ID.
	ID       string
	ClientIP string
	Start    time.Time
	// Body is the request body as the server received it, before the
	// middleware's size limit: only the gate reads it (it streams bodies
	// of any size to upstreams).
	Body io.ReadCloser
	// UserAgent is the client's User-Agent header (for the audit log).
	UserAgent string
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// Context is a request context that carries its Info itself, so the
// middleware makes one allocation where With makes two (the Info and a
// value context); it is embedded in the middleware's per-request state.
type Context struct {
	context.Context
	Info Info
}

// Init makes c a child of parent carrying info.
func (c *Context) Init(parent context.Context, info Info) {
	c.Context, c.Info = parent, info
}

// Value answers the Info key itself and defers every other to the parent.
func (c *Context) Value(k any) any {
	if _, ok := k.(key); ok {
		return &c.Info
	}
	return c.Context.Value(k)
}

// From returns the request's Info (an empty one outside a request).
func From(ctx context.Context) *Info {
	if i, ok := ctx.Value(key{}).(*Info); ok {
		return i
	}
	return &Info{}
}

// NewID builds a request id as Cloud Director does: the client's
// X-VMWARE-VCLOUD-CLIENT-REQUEST-ID when valid (letters, digits and '-',
// at least one letter or digit, cut to 128 characters), a dash and a
// random UUID; or just the UUID. The UUID need not be unpredictable, only
// unique, so it comes from the fast per-thread generator rather than
// crypto/rand, which costs a system call on every request.
func NewID(client string) string {
	var u urn.UUID
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64()) // #nosec G404 -- unique, not secret: see above
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64()) // #nosec G404 -- unique, not secret: see above
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	if len(client) > 128 {
		client = client[:128]
	}
	if !validClientID(client) {
		return u.String()
	}
	buf := make([]byte, 0, len(client)+37)
	buf = append(buf, client...)
	buf = append(buf, '-')
	return string(u.AppendText(buf))
}

func validClientID(s string) bool {
	alnum := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			alnum = true
		case c == '-':
		default:
			return false
		}
	}
	return alnum
}

// ClientIP returns the address of the client. X-Forwarded-For is honoured
// only when the connection comes from a trusted proxy (the right-most
// address that is not itself a trusted proxy is the client), so a client
// cannot choose the address its failures are counted against.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	if len(trusted) == 0 {
		return hostOnly(r.RemoteAddr)
	}
	peer, err := netip.ParseAddr(hostOnly(r.RemoteAddr))
	if err != nil {
		return hostOnly(r.RemoteAddr)
	}
	peer = peer.Unmap()
	if !inAny(peer, trusted) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !inAny(a, trusted) {
			return a.String()
		}
	}
	return peer.String()
}

// hostOnly strips the port from a RemoteAddr ("1.2.3.4:5", "[::1]:5")
// without allocating in the common IPv4 case; an IPv4-mapped IPv6 address
// is shown in its IPv4 form.
func hostOnly(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if strings.HasPrefix(host, "::ffff:") {
		if a, err := netip.ParseAddr(host); err == nil {
			return a.Unmap().String()
		}
	}
	return host
}

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
