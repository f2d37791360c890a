package session

import "testing"

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"", 64, ""},
		{"192.0.2.1", 64, "192.0.2.1"},
		{"curl/8.5.0", 10, "curl/8.5.0"},          // exactly max: kept whole
		{"curl/8.5.0x", 10, "curl/8.5.0"},         // one over: cut
		{"a\tb\nc\x7fd", 64, "a?b?c?d"},           // control characters and DEL
		{"ok\xffno", 64, "ok?no"},                 // invalid UTF-8
		{"caf\u00e9 \ufffd", 64, "caf\u00e9 ?"},   // valid non-ASCII stays, U+FFFD does not
		{"\u00e9\u00e9\u00e9", 2, "\u00e9\u00e9"}, // max counts characters, not bytes
		{"~ !", 64, "~ !"},                        // the printable ASCII edges
	} {
		if got := clean(tc.in, tc.max); got != tc.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
