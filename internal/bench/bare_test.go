package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The exchange references answer like the exchange they stand for, and
// the durable one has each session's record on disk before it answers.
func TestBareExchanges(t *testing.T) {
	const apiToken = "api-token-secret"
	log, err := os.Create(filepath.Join(t.TempDir(), "sessions.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	for _, ref := range []struct {
		name string
		h    http.Handler
		log  *os.File
	}{
		{"in memory", BareExchange(apiToken), nil},
		{"durable", BareDurableExchange(apiToken, log), log},
	} {
		t.Run(ref.name, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				form url.Values
				want int
			}{
				{"refresh_token grant", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {apiToken}}, http.StatusOK},
				{"another grant type", url.Values{"grant_type": {"password"}, "refresh_token": {apiToken}}, http.StatusBadRequest},
				{"unknown token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"not-the-token"}}, http.StatusBadRequest},
			} {
				t.Run(tc.name, func(t *testing.T) {
					req := httptest.NewRequest(http.MethodPost, "/oauth/tenant/acme/token", strings.NewReader(tc.form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					rec := httptest.NewRecorder()
					ref.h.ServeHTTP(rec, req)
					if rec.Code != tc.want {
						t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
					}
					if tc.want != http.StatusOK {
						return
					}
					var body struct {
						AccessToken string `json:"access_token"`
					}
					if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.AccessToken == "" {
						t.Fatalf("answer %q: %v", rec.Body, err)
					}
					if ref.log == nil {
						return
					}
					onDisk, err := os.ReadFile(ref.log.Name())
					if err != nil {
						t.Fatal(err)
					}
					digest := sha256.Sum256([]byte(body.AccessToken))
					if len(onDisk) != 48 || !bytes.Equal(onDisk[:32], digest[:]) {
						t.Fatalf("log holds %d bytes, want the 48-byte record of the new session", len(onDisk))
					}
				})
			}
		})
	}
}
