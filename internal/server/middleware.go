package server

import (
	"net/http"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/metrics"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// fixedHeaders are header values every response carries.
// X-Frame-Options is not among them: API answers are not pages; the web
// page sets its own framing policy.
type fixedHeaders struct {
	nosniff, noStore, hsts []string
}

func newFixedHeaders() fixedHeaders {
	return fixedHeaders{nosniff: []string{"nosniff"}, noStore: []string{"no-store"}, hsts: []string{"max-age=63072000"}}
}

// maxBody bounds every request body; handlers that expect less bound more.
const maxBody = 1 << 20

// middleware runs around every request: request id, client address,
// security headers, body limit, metrics, and a last-resort recover that
// answers 500 in the dialect's format instead of dropping the connection.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// One allocation for the request's context, Info, status writer and
		// request-id header value.
		st := &requestState{}
		st.ctx.Init(r.Context(), reqctx.Info{ID: reqctx.NewID(r.Header.Get(vcd.HeaderClientReqID)), ClientIP: reqctx.ClientIP(r, s.trusted), Start: start, UserAgent: r.UserAgent()})
		info := &st.ctx.Info
		st.id[0] = info.ID
		h := w.Header()
		h["X-VMWARE-VCLOUD-REQUEST-ID"] = st.id[:]
		// Fixed values share one backing slice (never appended to in place:
		// its capacity is its length) to spare allocations per request.
		h["X-Content-Type-Options"] = s.fixed.nosniff
		h["Cache-Control"] = s.fixed.noStore
		if r.TLS != nil {
			h["Strict-Transport-Security"] = s.fixed.hsts
		}
		sw := &st.sw
		sw.ResponseWriter = w
		r2 := r.WithContext(&st.ctx)
		if r.Body != nil && r.Body != http.NoBody {
			info.Body = r.Body
			r2.Body = http.MaxBytesReader(sw, r.Body, maxBody)
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "request_id", info.ID, "path", r.URL.Path, "panic", p)
				if !sw.wrote {
					writeInternal(sw, r2)
				}
			}
			route := r2.Pattern // from the route table, never the client's path
			if route == "" {
				route = metrics.UnmatchedRoute
			}
			s.metrics.Request(route, r.Method, sw.code(), time.Since(start))
		}()
		if s.refuseQueryCredential(sw, r2) {
			return
		}
		next.ServeHTTP(sw, r2)
	})
}

// requestState is what the middleware keeps per request, allocated once.
type requestState struct {
	ctx reqctx.Context
	sw  statusWriter
	id  [1]string
}

// writeInternal answers a panic in the format of the dialect that owns the
// path.
func writeInternal(w http.ResponseWriter, r *http.Request) {
	writeFor(w, r, apierr.New(apierr.Internal, "internal server error"))
}

// statusWriter records the status for metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
