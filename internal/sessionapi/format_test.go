package sessionapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"cloudgate/internal/apierr"
	"cloudgate/internal/urn"
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
