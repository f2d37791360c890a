package strictjson

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		body string
		want string // substring of the error, "" for accepted
	}{
		{`{}`, ""},
		{` {"a":1,"b":[1,{"a":2}],"c":{"a":{"b":null}}} `, ""},
		{`{"a":"\ud83d\ude00 \u00e9 \\u d800 \"x\""}`, ""},
		{`{"a":1,"a":2}`, "more than once"},
		{`{"a":1,"A":2}`, "more than once"},
		{`{"x":{"a":1,"a":2}}`, "more than once"},
		{`{"x":[{"a":1,"a":2}]}`, "more than once"},
		{"{\"a\":\"\xff\"}", "UTF-8"},
		{`{"a":"\ud800"}`, "surrogate"},
		{`{"a":"\udc00\ud800"}`, "surrogate"},
		{`{"a":"\ud800\u0041"}`, "surrogate"},
		{`{"a":"\ud800`, "surrogate"},
		{`[]`, "one JSON object"},
		{`"x"`, "one JSON object"},
		{`{"a":1}{"b":2}`, "after the JSON object"},
		{`{"a":1`, "not valid JSON"},
		{``, "not valid JSON"},
		{strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40), "too deeply"},
		{`{"a":` + strings.Repeat(`[`, 40) + strings.Repeat(`]`, 40) + `}`, "too deeply"},
	} {
		err := Check([]byte(tc.body))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("Check(%q) = %v, want nil", tc.body, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !IsError(err)):
			t.Errorf("Check(%q) = %v, want an error with %q", tc.body, err, tc.want)
		}
	}
}

func TestUnmarshalTypeErrorPassesThrough(t *testing.T) {
	var v struct{ N int }
	err := Unmarshal([]byte(`{"n":"x"}`), &v)
	if err == nil || IsError(err) {
		t.Fatalf("want encoding/json's type error, got %v", err)
	}
}
