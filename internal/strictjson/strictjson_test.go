package strictjson

import (
	"encoding/json"
	"errors"
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

func TestUnmarshalExact(t *testing.T) {
	type meta struct {
		Name   *string `json:"client_name"`
		Scope  string  `json:"scope,omitempty"`
		Plain  int
		Hidden string `json:"-"`
	}
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		body string
		want meta
	}{
		{`{"client_name":"ci","scope":"s","Plain":3}`, meta{Name: str("ci"), Scope: "s", Plain: 3}},
		{`{"Client_nAme":"ci","SCOPE":"s","plain":3}`, meta{}},
		{`{"client_name":"ci","Scope":"s"}`, meta{Name: str("ci")}},
		{`{"client_name":"ci","other":{"Client_Name":"x"}}`, meta{Name: str("ci")}},
		{`{"Hidden":"h","-":"h"}`, meta{}},
	} {
		var got meta
		if err := UnmarshalExact([]byte(tc.body), &got); err != nil {
			t.Fatalf("UnmarshalExact(%s): %v", tc.body, err)
		}
		if (got.Name == nil) != (tc.want.Name == nil) || got.Name != nil && *got.Name != *tc.want.Name ||
			got.Scope != tc.want.Scope || got.Plain != tc.want.Plain || got.Hidden != "" {
			t.Errorf("UnmarshalExact(%s) = %+v, want %+v", tc.body, got, tc.want)
		}
	}
	var got meta
	var typeErr *json.UnmarshalTypeError
	if err := UnmarshalExact([]byte(`{"client_name":1}`), &got); !errors.As(err, &typeErr) || typeErr.Field != "client_name" {
		t.Errorf("a field of the wrong type: %v, want a type error naming client_name", err)
	}
}
