package gate

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// forward is what the proxy's Rewrite needs to know about a request.
type forward struct {
	identity  *signed
	trusted   bool
	requestID string
	// stalled cuts the exchange (guardBody).
	stalled context.CancelCauseFunc
}

type forwardKey struct{}

// serveProxy passes r to its route's upstream once it carries a live
// session that may make it.
func (g *Gate) serveProxy(w http.ResponseWriter, r *http.Request, rt *route) {
	// The metrics label of every proxied request (a closed set: not the path).
	r.Pattern = "gate"
	s, err := g.authorize(r, r.Method, r.URL.Path, r.URL.RawQuery)
	if err != nil {
		refuse(w, r, err)
		return
	}
	iss := g.issuerOf(r)
	id, err := g.assert.get(s, g.audienceOf(r.URL.Path, iss), iss)
	if err != nil {
		refuse(w, r, apierr.Wrap(apierr.Internal, err, "signing the identity assertion"))
		return
	}
	info := reqctx.From(r.Context())
	// The body goes upstream unbounded and unbuffered: the server's
	// 1 MiB limit is for cloudgate's own endpoints.
	if info.Body != nil {
		r.Body = info.Body
	}
	// The server's read and write deadlines fit cloudgate's own answers,
	// not a large upload, a long download or a WebSocket; the upstream
	// timeouts bound waiting on the upstream instead.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	// The upstream's caching policy applies to its answers.
	delete(w.Header(), "Cache-Control")
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	if r.Body != nil && r.Body != http.NoBody {
		// Cancelling is not enough here: the transport waits for its
		// Read of the client's body to return, so the read is cut too.
		r.Body = guardBody(r.Body, g.cfg.IdleTimeout, func() {
			cancel(errStalled)
			_ = rc.SetReadDeadline(time.Now())
		})
	}
	ctx = context.WithValue(ctx, forwardKey{}, &forward{identity: id, trusted: g.trusted(r), requestID: info.ID, stalled: cancel})
	rt.proxy.ServeHTTP(w, r.WithContext(ctx))
}

// authorize resolves the session of a request to method path?rawQuery and
// applies the restriction table. Its errors are the refusals of the
// path's dialect.
func (g *Gate) authorize(r *http.Request, method, path, rawQuery string) (*session.Session, error) {
	if queryCredential(rawQuery) {
		return nil, apierr.New(apierr.Invalid, "Credentials are not accepted in the URL; send the session token in a header.")
	}
	tok, err := sessionToken(r.Header)
	if err != nil {
		return nil, err
	}
	if tok == "" {
		return nil, session.ErrInvalid
	}
	s, err := g.cfg.Sessions.Resolve(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	if s.Principal.Restricted && restricted(method, path) {
		return nil, errViewOnly
	}
	return s, nil
}

// rewrite builds the outgoing request: the route's URL, no credentials,
// cloudgate's identity headers, X-Forwarded-*.
func (g *Gate) rewrite(rt *route) func(*httputil.ProxyRequest) {
	return func(pr *httputil.ProxyRequest) {
		f := pr.In.Context().Value(forwardKey{}).(*forward)
		pr.SetURL(rt.Upstream)
		h := pr.Out.Header
		scrub(h)
		setIdentity(h, f.identity)
		// The upstream's request id then carries cloudgate's.
		h[vcd.HeaderClientReqID] = []string{f.requestID}

		// ReverseProxy removed the incoming X-Forwarded-* and Forwarded
		// before Rewrite; they are believed only from a trusted proxy.
		in := pr.In
		peer, _, err := net.SplitHostPort(in.RemoteAddr)
		if err != nil {
			peer = in.RemoteAddr
		}
		xff := peer
		proto, host := "http", in.Host
		if in.TLS != nil {
			proto = "https"
		}
		if f.trusted {
			if prior := in.Header.Values("X-Forwarded-For"); len(prior) > 0 {
				xff = strings.Join(prior, ", ") + ", " + peer
			}
			if v := in.Header.Get("X-Forwarded-Proto"); v == "http" || v == "https" {
				proto = v
			}
			if v := in.Header.Get("X-Forwarded-Host"); v != "" {
				host = v
			}
		}
		h["X-Forwarded-For"] = []string{xff}
		h["X-Forwarded-Proto"] = []string{proto}
		h["X-Forwarded-Host"] = []string{host}
	}
}

// modifyResponse drops the upstream's request id: the answer carries
// cloudgate's (which the upstream received as its client request id). It
// guards the body against a stall, except on an upgraded connection.
func (g *Gate) modifyResponse(res *http.Response) error {
	delete(res.Header, vcd.HeaderRequestID)
	if res.StatusCode != http.StatusSwitchingProtocols && res.Body != nil && res.Body != http.NoBody {
		if f, ok := res.Request.Context().Value(forwardKey{}).(*forward); ok {
			res.Body = guardBody(res.Body, g.cfg.IdleTimeout, func() { f.stalled(errStalled) })
		}
	}
	return nil
}

// upstreamFailed answers a failed upstream exchange: 504 when it did not
// answer in time, 502 otherwise, in the path's dialect. A client that went
// away gets nothing.
func (g *Gate) upstreamFailed(w http.ResponseWriter, r *http.Request, err error) {
	id := reqctx.From(r.Context()).ID
	if errors.Is(context.Cause(r.Context()), errStalled) {
		// Before the upstream answered, only the client's upload can
		// have stalled.
		g.cfg.Log.Warn("request body stalled", "request_id", id, "path", r.URL.Path, "idle_timeout", g.cfg.IdleTimeout)
		// The rest of the body is not coming: net/http would otherwise
		// try to read it before sending the answer (and, its deadline
		// lifted, wait for ever). The connection closes after the answer.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now())
		w.Header().Set("Connection", "close")
		writeUpstreamError(w, r, http.StatusRequestTimeout, "REQUEST_TIMEOUT", "The request body stopped arriving; nothing was sent for too long.")
		return
	}
	if r.Context().Err() != nil {
		return
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		g.cfg.Log.Warn("upstream timed out", "request_id", id, "path", r.URL.Path, "err", err)
		writeUpstreamError(w, r, http.StatusGatewayTimeout, "GATEWAY_TIMEOUT", "The upstream service did not answer in time.")
		return
	}
	g.cfg.Log.Warn("upstream failed", "request_id", id, "path", r.URL.Path, "err", err)
	writeUpstreamError(w, r, http.StatusBadGateway, "BAD_GATEWAY", "The upstream service is unavailable.")
}
