package sessionapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/reqctx"
)

// envelope is the shape of every answer: links, data, meta.
type envelope struct {
	Links links `json:"_links"`
	Data  any   `json:"data"`
	Meta  meta  `json:"meta"`
}

type links struct {
	API     string `json:"api,omitempty"`
	Self    string `json:"self"`
	Session string `json:"session,omitempty"`
}

// meta: count is the number of items in data (this page); pages appears on
// paged lists; time is how long the server took; user is the caller's
// user name.
type meta struct {
	Count int    `json:"count"`
	Pages *pages `json:"pages,omitempty"`
	Time  string `json:"time"`
	User  string `json:"user,omitempty"`
}

// pages is the paging block of a list. prev_url is null on the first page
// and next_url on the last.
type pages struct {
	FirstURL string  `json:"first_url"`
	LastURL  string  `json:"last_url"`
	NextURL  *string `json:"next_url"`
	PrevURL  *string `json:"prev_url"`
	Page     int     `json:"page"`
	Pages    int     `json:"pages"`
	PerPage  int     `json:"per_page"`
	Total    int     `json:"total"`
}

// elapsed renders the time spent on r so far as the source system did
// ("0.00801s"). It is wall-clock time, not the injectable clock: it
// measures the server, not session time.
func elapsed(r *http.Request) string {
	start := reqctx.From(r.Context()).Start
	if start.IsZero() {
		return "0.00000s"
	}
	return fmt.Sprintf("%.5fs", time.Since(start).Seconds())
}

// timeLayout is how session times are shown: no zone, server-local.
const timeLayout = "2006-01-02 15:04:05"

func formatTime(t time.Time, loc *time.Location) string { return t.In(loc).Format(timeLayout) }

// timedelta renders d as Python's str(datetime.timedelta): "H:MM:SS" with
// ".ffffff" when there are microseconds, and "N day(s), " in front from
// one day on. Negative values are normalised as Python does (whole days
// negative, the rest positive: -1s is "-1 day, 23:59:59"). Resolution is
// the microsecond, rounded down.
func timedelta(d time.Duration) string {
	us := floorDiv(int64(d), int64(time.Microsecond))
	const usPerDay = int64(24 * time.Hour / time.Microsecond)
	days := floorDiv(us, usPerDay)
	rem := us - days*usPerDay // 0 <= rem < one day
	secs, micro := rem/1e6, rem%1e6
	out := fmt.Sprintf("%d:%02d:%02d", secs/3600, secs%3600/60, secs%60)
	if micro != 0 {
		out += fmt.Sprintf(".%06d", micro)
	}
	if days != 0 {
		plural := "s"
		if days == 1 || days == -1 {
			plural = ""
		}
		out = fmt.Sprintf("%d day%s, ", days, plural) + out
	}
	return out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Status maps an error kind to the dialect's HTTP status. This is the one
// place the dialect chooses a status: plain HTTP meanings, and NotFound is
// 404 (unlike Cloud Director's 403).
func Status(k apierr.Kind) int {
	switch k {
	case apierr.Invalid:
		return http.StatusBadRequest
	case apierr.Unauthenticated:
		return http.StatusUnauthorized
	case apierr.Forbidden:
		return http.StatusForbidden
	case apierr.NotFound, apierr.NoRoute:
		return http.StatusNotFound
	case apierr.Conflict:
		return http.StatusConflict
	case apierr.NotAcceptable:
		return http.StatusNotAcceptable
	case apierr.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case apierr.Unsupported:
		return http.StatusUnsupportedMediaType
	case apierr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apierr.TooMany:
		return http.StatusTooManyRequests
	case apierr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorBody is the dialect's error: the status's reason phrase, a message
// for people, and the status again.
type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// WriteError answers err in the dialect's format. Internal errors are
// logged with the request id and shown as a generic message.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := apierr.As(err)
	status := Status(e.Kind)
	if e.Kind == apierr.Internal && log != nil {
		log.Error("internal error", "request_id", reqctx.From(r.Context()).ID, "path", r.URL.Path, "err", err)
	}
	if ra := e.RetryAfterHeader(); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, errorBody{Error: http.StatusText(status), Message: e.Message, Status: status})
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, a.cfg.Log, err)
}

// writeJSON writes body as application/json (the source system's media
// type, without parameters: JSON is UTF-8 by definition).
// URLs keep their '&' (no HTML escaping: this is not HTML).
func writeJSON(w http.ResponseWriter, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		// Our own types always marshal; this is a programming error.
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	// The source system sends these on every answer (vcd-api.md §3.1).
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client left: nothing to do
}
