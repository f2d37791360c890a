package sessionapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Python's str(datetime.timedelta), including its normalisation of
// negative values (whole days negative, the rest positive).
func TestTimedelta(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0:00:00"},
		{time.Second, "0:00:01"},
		{13*time.Minute + 59*time.Second + 79416*time.Microsecond, "0:13:59.079416"},
		{day, "1 day, 0:00:00"},
		{2 * day, "2 days, 0:00:00"},
		{24*day + 51*time.Second + 439527*time.Microsecond, "24 days, 0:00:51.439527"},
		{day - time.Microsecond, "23:59:59.999999"},
		{10*time.Hour + 5*time.Minute, "10:05:00"},
		{1500 * time.Nanosecond, "0:00:00.000001"}, // below a microsecond: rounded down
		{999 * time.Nanosecond, "0:00:00"},
		{-time.Second, "-1 day, 23:59:59"},
		{-time.Microsecond, "-1 day, 23:59:59.999999"},
		{-time.Nanosecond, "-1 day, 23:59:59.999999"},
		{-day, "-1 day, 0:00:00"},
		{-day - time.Second, "-2 days, 23:59:59"},
		{-3 * day, "-3 days, 0:00:00"},
		{400*day + 3*time.Hour, "400 days, 3:00:00"},
	} {
		if got := timedelta(tc.d); got != tc.want {
			t.Errorf("timedelta(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	toronto := time.FixedZone("EST", -5*3600)
	at := time.Date(2016, 5, 9, 15, 58, 21, 999999000, time.UTC)
	for _, tc := range []struct {
		loc  *time.Location
		want string
	}{
		{time.UTC, "2016-05-09 15:58:21"}, // fraction dropped, not rounded
		{toronto, "2016-05-09 10:58:21"},
		{time.FixedZone("+14", 14*3600), "2016-05-10 05:58:21"},
	} {
		if got := formatTime(at, tc.loc); got != tc.want {
			t.Errorf("formatTime in %s = %q, want %q", tc.loc, got, tc.want)
		}
	}
}

func TestParsePaging(t *testing.T) {
	for _, tc := range []struct {
		query         string
		page, perPage int
		bad           bool
	}{
		{"", 1, 10, false},
		{"page=3", 3, 10, false},
		{"per_page=100", 1, 100, false},
		{"per_page=1&page=7", 7, 1, false},
		{"page=1000000", 1000000, 10, false},                 // past the end: empty, not an error
		{"page=214748365&per_page=10", 214748365, 10, false}, // offset still fits 32 bits
		{"page=214748366&per_page=10", 0, 0, true},
		{"page=99999999999999999999999", 0, 0, true},
		{"per_page=101", 0, 0, true},
		{"per_page=0", 0, 0, true},
		{"per_page=-5", 0, 0, true},
		{"page=0", 0, 0, true},
		{"page=-1", 0, 0, true},
		{"page=abc", 0, 0, true},
		{"page=1.5", 0, 0, true},
		{"page=1&page=2", 0, 0, true},
		{"per_page=10&per_page=10", 0, 0, true},
		{"other=ignored", 1, 10, false},
	} {
		q, _ := url.ParseQuery(tc.query)
		p, err := parsePaging(q)
		if tc.bad {
			if !apierr.Is(err, apierr.Invalid) {
				t.Errorf("%q: err = %v, want Invalid", tc.query, err)
			}
			continue
		}
		if err != nil || p.page != tc.page || p.perPage != tc.perPage {
			t.Errorf("%q: %+v, %v; want page %d per_page %d", tc.query, p, err, tc.page, tc.perPage)
		}
	}
}

func TestPagesBlock(t *testing.T) {
	const base = "https://h/v2/session"
	str := func(s *string) string {
		if s == nil {
			return "null"
		}
		return *s
	}
	for _, tc := range []struct {
		page, perPage, total int
		pages                int
		last, next, prev     string
	}{
		{1, 10, 0, 0, base + "?page=1&per_page=10", "null", "null"},
		{1, 10, 10, 1, base + "?page=1&per_page=10", "null", "null"},
		{1, 10, 11, 2, base + "?page=2&per_page=10", base + "?page=2&per_page=10", "null"},
		{2, 10, 11, 2, base + "?page=2&per_page=10", "null", base + "?page=1&per_page=10"},
		{2, 3, 9, 3, base + "?page=3&per_page=3", base + "?page=3&per_page=3", base + "?page=1&per_page=3"},
		{9, 5, 12, 3, base + "?page=3&per_page=5", "null", base + "?page=3&per_page=5"},
		{4, 5, 0, 0, base + "?page=1&per_page=5", "null", base + "?page=1&per_page=5"},
	} {
		b := paging{tc.page, tc.perPage}.block(base, tc.total)
		if b.Pages != tc.pages || b.Page != tc.page || b.PerPage != tc.perPage || b.Total != tc.total ||
			b.FirstURL != base+"?page=1&per_page="+itoa(tc.perPage) || b.LastURL != tc.last ||
			str(b.NextURL) != tc.next || str(b.PrevURL) != tc.prev {
			t.Errorf("page %d/%d of %d: %+v next %s prev %s", tc.page, tc.perPage, tc.total, b, str(b.NextURL), str(b.PrevURL))
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// The fixed window: limit, remaining and reset; a refusal at the limit; a
// fresh window after reset; per-user independence; live setting changes.
func TestLimiter(t *testing.T) {
	l := newLimiter()
	alice, bob := urn.New(), urn.New()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	type step struct {
		who       urn.UUID
		at        time.Duration
		limit     int
		per       time.Duration
		allowed   bool
		remaining int
		reset     time.Duration
	}
	for i, s := range []step{
		{alice, 0, 3, time.Minute, true, 2, time.Minute},
		{alice, time.Second, 3, time.Minute, true, 1, time.Minute},
		{bob, 2 * time.Second, 3, time.Minute, true, 2, time.Minute + 2*time.Second},
		{alice, 30 * time.Second, 3, time.Minute, true, 0, time.Minute},
		{alice, 59 * time.Second, 3, time.Minute, false, 0, time.Minute},
		{alice, 60 * time.Second, 3, time.Minute, true, 2, 2 * time.Minute}, // new window
		{alice, 61 * time.Second, 2, time.Minute, true, 0, 2 * time.Minute}, // lowered limit applies at once
		{alice, 62 * time.Second, 2, time.Minute, false, 0, 2 * time.Minute},
		{bob, 30 * time.Second, 5, time.Hour, true, 3, time.Minute + 2*time.Second}, // a longer window: from the next one on
		{bob, 62 * time.Second, 5, time.Hour, true, 4, 62*time.Second + time.Hour},
	} {
		d := l.take(s.who, t0.Add(s.at), s.limit, s.per)
		if d.allowed != s.allowed || d.remaining != s.remaining || d.limit != s.limit || !d.reset.Equal(t0.Add(s.reset)) {
			t.Fatalf("step %d: %+v; want allowed %v remaining %d reset +%v", i, d, s.allowed, s.remaining, s.reset)
		}
	}
	// A refund gives the slot back in the same window only.
	d := l.take(alice, t0.Add(63*time.Second), 2, time.Minute)
	if d.allowed {
		t.Fatal("over the limit")
	}
	l.refund(alice, d.start)
	if d := l.take(alice, t0.Add(64*time.Second), 2, time.Minute); !d.allowed || d.remaining != 0 {
		t.Fatalf("after refund: %+v", d)
	}
	// Ended windows are pruned.
	l.take(urn.New(), t0.Add(5*time.Hour), 1, time.Minute)
	if len(l.windows) != 1 {
		t.Fatalf("%d windows kept after all but one ended", len(l.windows))
	}
}

func TestCeilUnix(t *testing.T) {
	if got := ceilUnix(time.Unix(100, 0)); got != 100 {
		t.Errorf("whole second: %d", got)
	}
	if got := ceilUnix(time.Unix(100, 1)); got != 101 {
		t.Errorf("just past: %d", got)
	}
}

func TestStatus(t *testing.T) {
	for k, want := range map[apierr.Kind]int{
		apierr.Invalid: 400, apierr.Unauthenticated: 401, apierr.Forbidden: 403, apierr.NotFound: 404,
		apierr.MethodNotAllowed: 405, apierr.TooMany: 429, apierr.Unavailable: 503, apierr.Internal: 500,
	} {
		if got := Status(k); got != want {
			t.Errorf("Status(%v) = %d, want %d", k, got, want)
		}
	}
}

func TestDecodeBasic(t *testing.T) {
	for _, tc := range []struct {
		header     string
		user, pass string
		present    bool
		ok         bool
	}{
		{"", "", "", false, false},
		{"Basic YWxpY2VAYWNtZTpwdzpwdw==", "alice@acme", "pw:pw", true, true}, // password keeps its colons
		{"basic dG9rOg==", "tok", "", true, true},                             // scheme in any case
		{"Basic dG9rOg", "", "", true, false},                                 // bad padding
		{"Basic !!!", "", "", true, false},
		{"Basic bm9jb2xvbg==", "", "", true, false}, // "nocolon"
		{"Basic /w==", "", "", true, false},         // not UTF-8
		{"Bearer abc", "", "", true, false},
		{"Basic", "", "", true, false},
	} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Authorization", tc.header)
		}
		user, pass, present, ok := basicCredentials(h)
		if user != tc.user || pass != tc.pass || present != tc.present || ok != tc.ok {
			t.Errorf("%q: %q %q %v %v", tc.header, user, pass, present, ok)
		}
	}
	h := http.Header{"Authorization": {"Basic dG9rOg==", "Basic dG9rOg=="}}
	if _, _, present, ok := basicCredentials(h); !present || ok {
		t.Error("two Authorization headers accepted")
	}
}

// The envelope's exact JSON: key order as the source system's (sorted),
// null prev/next links, no "pages" outside lists, no "user" where there is
// no caller, '&' in URLs unescaped.
func TestEnvelopeJSON(t *testing.T) {
	next := "https://h/v2/session?page=2&per_page=1"
	for _, tc := range []struct {
		name string
		env  envelope
		want string
	}{
		{"list", envelope{Links: links{API: "https://h/v2/", Self: "https://h/v2/session"},
			Data: []sessionItem{{Links: links{Self: "https://h/v2/session/k"}, Key: "k", Username: `acme\alice`}},
			Meta: meta{Count: 1, Time: "0.00801s", User: "alice", Pages: &pages{FirstURL: "https://h/v2/session?page=1&per_page=1",
				LastURL: next, NextURL: &next, Page: 1, Pages: 2, PerPage: 1, Total: 2}}},
			`{"_links":{"api":"https://h/v2/","self":"https://h/v2/session"},"data":[{"_links":{"self":"https://h/v2/session/k"},"key":"k","username":"acme\\alice"}],` +
				`"meta":{"count":1,"pages":{"first_url":"https://h/v2/session?page=1&per_page=1","last_url":"https://h/v2/session?page=2&per_page=1",` +
				`"next_url":"https://h/v2/session?page=2&per_page=1","prev_url":null,"page":1,"pages":2,"per_page":1,"total":2},"time":"0.00801s","user":"alice"}}`},
		{"empty list", envelope{Links: links{API: "a", Self: "s"}, Data: []sessionItem{}, Meta: meta{Time: "0.00001s", User: "bob",
			Pages: &pages{FirstURL: "f", LastURL: "f", PerPage: 10, Page: 1}}},
			`{"_links":{"api":"a","self":"s"},"data":[],"meta":{"count":0,"pages":{"first_url":"f","last_url":"f","next_url":null,"prev_url":null,"page":1,"pages":0,"per_page":10,"total":0},"time":"0.00001s","user":"bob"}}`},
		{"detail", envelope{Links: links{Self: "https://h/v2/session/k", Session: "https://h/v2/session"},
			Data: []sessionDetail{{Domain: "acme", IP: "192.0.2.1", LastActiveTime: "2016-05-09 10:58:21", LastActiveTimeDelta: "0:13:59.079416",
				LoginTime: "2016-04-15 11:11:28", LoginTimeDelta: "24 days, 0:00:51.439527", UserAgent: "VMware VI Client/4.0", Username: `acme\alice`}},
			Meta: meta{Count: 1, Time: "0.03858s", User: "alice"}},
			`{"_links":{"self":"https://h/v2/session/k","session":"https://h/v2/session"},"data":[{"domain":"acme","ip":"192.0.2.1",` +
				`"lastActiveTime":"2016-05-09 10:58:21","lastActiveTimeDelta":"0:13:59.079416","loginTime":"2016-04-15 11:11:28",` +
				`"loginTimeDelta":"24 days, 0:00:51.439527","userAgent":"VMware VI Client/4.0","username":"acme\\alice"}],"meta":{"count":1,"time":"0.03858s","user":"alice"}}`},
		{"options", envelope{Links: links{API: "a", Self: "s"}, Data: map[string]int{}, Meta: meta{Count: 0, Time: "0.00000s"}},
			`{"_links":{"api":"a","self":"s"},"data":{},"meta":{"count":0,"time":"0.00000s"}}`},
	} {
		w := httptest.NewRecorder()
		writeJSON(w, 200, tc.env)
		if got := strings.TrimSuffix(w.Body.String(), "\n"); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	w := httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("GET", "/v2/x", nil), nil, apierr.New(apierr.NotFound, "Session not found."))
	if got := strings.TrimSpace(w.Body.String()); w.Code != 404 || got != `{"error":"Not Found","message":"Session not found.","status":404}` {
		t.Errorf("error: %d %s", w.Code, got)
	}
}
