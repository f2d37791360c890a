package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/cloudgate/cloudgate/internal/testserver"
)

// FuzzJSONBodies posts whatever JSON (or not) the fuzzer makes to every
// endpoint that reads a JSON body, on a real server over HTTPS, as a
// logged-in System administrator: /oauth/provider/register (API tokens and
// service accounts) and /cloudapi/1.0.0/deviceLookup (user codes). Each
// answer is a success only for a body that is one JSON object, and
// otherwise a 4xx in the dialect's own error format: never a 5xx, never a
// body that is not the dialect's JSON. What register accepts is what the
// body says. Seeds: testdata/fuzz/FuzzJSONBodies.
func FuzzJSONBodies(f *testing.F) {
	srv := testserver.Start(f)
	hc := srv.Client()
	tok := loginProvider(f, srv)
	post := func(t *testing.T, path string, body []byte, contentType string) (int, map[string]any) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", jsonAccept)
		req.Header.Set("Content-Type", contentType)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("POST %s: reading the answer: %v", path, err)
		}
		var m map[string]any
		if resp.StatusCode != http.StatusNoContent {
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("POST %s %q: %d with a body that is not a JSON object: %q", path, body, resp.StatusCode, raw)
			}
		}
		return resp.StatusCode, m
	}
	f.Fuzz(func(t *testing.T, body []byte, charset bool) {
		ct := "application/json"
		if charset {
			ct += ";charset=UTF-8"
		}
		var obj map[string]any
		isObject := json.Unmarshal(body, &obj) == nil && obj != nil

		st, m := post(t, "/oauth/provider/register", body, ct)
		switch {
		case st >= 500:
			t.Fatalf("register %q: %d %v", body, st, m)
		case st == http.StatusOK:
			if !isObject {
				t.Fatalf("register accepted %q, not a JSON object", body)
			}
			if name, _ := obj["client_name"].(string); m["client_name"] != name || m["client_id"] == "" {
				t.Fatalf("register %q answered %v", body, m)
			}
		case st < 400:
			t.Fatalf("register %q: status %d", body, st)
		default:
			if e, _ := m["error"].(string); e == "" || m["error_description"] == nil {
				t.Fatalf("register %q: %d without an OAuth error: %v", body, st, m)
			}
		}

		st, m = post(t, "/cloudapi/1.0.0/deviceLookup", body, ct)
		switch {
		case st >= 500:
			t.Fatalf("deviceLookup %q: %d %v", body, st, m)
		case st == http.StatusSeeOther:
			if !isObject {
				t.Fatalf("deviceLookup accepted %q, not a JSON object", body)
			}
		case st < 400:
			t.Fatalf("deviceLookup %q: status %d", body, st)
		default:
			if c, _ := m["minorErrorCode"].(string); c == "" || m["message"] == nil {
				t.Fatalf("deviceLookup %q: %d without a Cloud Director error: %v", body, st, m)
			}
		}
	})
}

func loginProvider(tb testing.TB, srv *testserver.Server) string {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/cloudapi/1.0.0/sessions/provider", nil)
	req.SetBasicAuth("administrator@System", testserver.AdminPassword)
	req.Header.Set("Accept", jsonAccept)
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	tok := resp.Header.Get("X-Vmware-Vcloud-Access-Token")
	if resp.StatusCode != http.StatusOK || tok == "" {
		tb.Fatalf("provider login: %d", resp.StatusCode)
	}
	return tok
}
