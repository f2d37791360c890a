// Package bench holds cloudgate's throughput benchmarks and the bare
// reference servers they are measured against. Figures are ratios measured
// side by side in one run (absolute numbers move with the machine):
//
//	go test -run=^$ -bench=. -benchtime=3s ./internal/bench
//	CLOUDGATE_WRK=1 go test -run=Wrk -v ./internal/bench   (needs wrk)
package bench

import (
	"crypto/subtle"
	"net/http"
)

// BareValidation is the reference for bearer validation: a handler that
// checks one bearer token and returns fixed bytes, the least work a
// token-checking endpoint can do.
func BareValidation(token string, body []byte) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json;version=37.0")
		w.Write(body)
	})
}
