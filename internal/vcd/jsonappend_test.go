package vcd

import (
	"encoding/json"
	"testing"

	"github.com/cloudgate/cloudgate/internal/urn"
)

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "alice", `quo"te\`, "<script>&amp;</script>", "tab\there\nnl\r\x00\x1f\x7f",
		"ünïcödé 日本", "\u2028\u2029", "bad\xffutf8\xc3", "emoji 🙂", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendJSONString(%q) = %s, encoding/json gives %s", s, got, want)
		}
	})
}

func TestAppendRef(t *testing.T) {
	id := urn.New()
	var got struct{ Name, ID string }
	if err := json.Unmarshal(AppendRef(nil, `a"b<c>`, urn.User, id), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != `a"b<c>` || got.ID != id.URN(urn.User) {
		t.Fatalf("%+v", got)
	}
}
