package oauth

import (
	"encoding/json"
	"testing"
)

// The token response is encoded by hand; its bytes must be json.Marshal's.
func TestTokenResponseJSON(t *testing.T) {
	refresh := "cga_rAnd0m-_.~token"
	odd := "a\"b\\c<d>e&f\x01g\u00e9h\u2028i\xff"
	for _, tc := range []tokenResponse{
		{AccessToken: "cgs_0123456789abcdef-_", TokenType: "Bearer", ExpiresIn: 86400},
		{AccessToken: "cgs_x", TokenType: "Bearer", ExpiresIn: 0, RefreshToken: &refresh},
		{AccessToken: odd, TokenType: odd, ExpiresIn: -5, RefreshToken: &odd},
		{},
	} {
		want, err := json.Marshal(tc)
		if err != nil {
			t.Fatal(err)
		}
		if got := tc.appendJSON(nil); string(got) != string(want) {
			t.Errorf("appendJSON = %s\n json.Marshal = %s", got, want)
		}
	}
}
