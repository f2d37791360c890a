// Package bench holds cloudgate's throughput benchmarks and the bare
// reference servers they are measured against. Figures are ratios measured
// side by side in one run (absolute numbers move with the machine):
//
//	go test -run=^$ -bench=. -benchtime=3s ./internal/bench
//	CLOUDGATE_WRK=1 go test -run=Wrk -v ./internal/bench   (needs wrk)
package bench

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
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
		_, _ = w.Write(body)
	})
}

// BareExchange is the reference for the API-token exchange: parse the
// form, SHA-256 the token, look it up, make 32 random bytes into a session
// token, insert it into a map, answer. Nothing is durable; cloudgate's
// exchange makes every session it acknowledges survive a crash.
func BareExchange(apiToken string) http.Handler {
	return bareExchange(apiToken, nil)
}

// BareDurableExchange is BareExchange made durable the cheapest way a
// server can: each session's record (its token digest, its owner, its
// creation time) is appended to log, and one goroutine writes whatever
// has queued with one write and one fsync before acknowledging all of it
// (group commit, as cloudgate's store does). No index, no page format, no
// recovery, no listing: the least a durable exchange costs on this disk.
// TestFigures sets cloudgate's exchange beside it as well as beside the
// in-memory one.
func BareDurableExchange(apiToken string, log *os.File) http.Handler {
	return bareExchange(apiToken, groupAppend(log))
}

// bareExchange answers refresh_token grants for apiToken; persist, when
// set, must make the new session durable before the answer.
func bareExchange(apiToken string, persist func(digest [32]byte, owner uint64) error) http.Handler {
	tokens := map[[32]byte]uint64{sha256.Sum256([]byte(apiToken)): 1}
	var mu sync.Mutex
	sessions := map[[32]byte]uint64{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "refresh_token" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		owner, ok := tokens[sha256.Sum256([]byte(r.PostForm.Get("refresh_token")))]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var raw [32]byte
		rand.Read(raw[:])
		tok := base64.RawURLEncoding.EncodeToString(raw[:])
		digest := sha256.Sum256([]byte(tok))
		if persist != nil {
			if err := persist(digest, owner); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		mu.Lock()
		sessions[digest] = owner
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`{"access_token":"` + tok + `","token_type":"Bearer","expires_in":86400,"refresh_token":null}`))
	})
}

// groupAppend returns a function that appends a 48-byte record of a
// session to log and returns once it is on disk. One goroutine writes
// whatever has queued with one write and one fsync.
func groupAppend(log *os.File) func(digest [32]byte, owner uint64) error {
	type record struct {
		b    [48]byte
		done chan error
	}
	queue := make(chan *record, 1024)
	go func() {
		var buf []byte
		var batch []*record
		for r := range queue {
			batch = append(batch[:0], r)
		fill:
			for {
				select {
				case r := <-queue:
					batch = append(batch, r)
				default:
					break fill
				}
			}
			buf = buf[:0]
			for _, r := range batch {
				buf = append(buf, r.b[:]...)
			}
			_, err := log.Write(buf)
			if err == nil {
				err = log.Sync()
			}
			for _, r := range batch {
				r.done <- err
			}
		}
	}()
	return func(digest [32]byte, owner uint64) error {
		r := &record{done: make(chan error, 1)}
		copy(r.b[:32], digest[:])
		binary.LittleEndian.PutUint64(r.b[32:], owner)
		binary.LittleEndian.PutUint64(r.b[40:], uint64(time.Now().UnixMicro()))
		queue <- r
		return <-r.done
	}
}

// BareLogin is the reference for password logins: decode Basic
// credentials, verify the password against one stored argon2id hash (the
// default parameters, as cloudgate's), make a session token and answer with
// fixed bytes. Its CPU per login is the argon2id ceiling plus the least
// HTTP a login can cost. Hashes run at most one per core, as cloudgate's
// do: more at once only adds 19 MiB buffers for the collector to recycle.
func BareLogin(user, phc string, body []byte) http.Handler {
	var mu sync.Mutex
	sessions := map[[32]byte]string{}
	cores := make(chan struct{}, runtime.NumCPU())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, pw, ok := r.BasicAuth()
		if !ok || name != user {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		cores <- struct{}{}
		good, _, err := secret.VerifyPassword(phc, pw, secret.DefaultParams())
		<-cores
		if err != nil || !good {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var raw [32]byte
		rand.Read(raw[:])
		tok := base64.RawURLEncoding.EncodeToString(raw[:])
		mu.Lock()
		sessions[sha256.Sum256([]byte(tok))] = name
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json;version=37.0")
		w.Header().Set("X-VMWARE-VCLOUD-ACCESS-TOKEN", tok)
		_, _ = w.Write(body)
	})
}
