package settings

import (
	"testing"
	"time"
)

func TestParseAndDefaults(t *testing.T) {
	d := Defaults()
	if d.IdleTimeout != 30*time.Minute || d.MaxLifetime != 24*time.Hour || d.VSSLifetime != 24*time.Hour || d.VSSRateLimit != 5 {
		t.Fatalf("defaults %+v", d)
	}
	v, err := fromMap(map[string]string{"session-idle-timeout": "45m", "session-max-lifetime": "bogus", "future-key": "x"})
	if v.IdleTimeout != 45*time.Minute || v.MaxLifetime != 24*time.Hour || err == nil {
		t.Fatalf("fromMap = %+v, %v; a bad stored value keeps its default and is reported", v, err)
	}
	for _, tc := range []struct {
		key, value string
		good       bool
	}{
		{"session-idle-timeout", "1m", true},
		{"session-idle-timeout", "59s", false},
		{"session-idle-timeout", "60h", true},
		{"session-idle-timeout", "61h", false},
		{"session-idle-timeout", "1.5s", false},
		{"session-idle-timeout", "30", false},
		{"vss-rate-limit", "0", false},
		{"vss-rate-limit", "10", true},
		{"vss-rate-limit", "ten", false},
	} {
		k, _ := lookup(tc.key)
		if _, err := k.parse(tc.value); (err == nil) != tc.good {
			t.Errorf("%s=%s: %v", tc.key, tc.value, err)
		}
	}
}
