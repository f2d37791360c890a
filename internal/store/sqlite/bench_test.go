package sqlite

import (
	"context"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// BenchmarkCreateSession measures durable session creation as the session
// manager does it (pin the user, insert the session), from many goroutines
// at once so that group commit batches them.
func BenchmarkCreateSession(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	user, tok := benchOwner(ctx, b, s, now, secret.Digest{})
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, d := secret.NewToken(secret.PrefixSession)
			rec := store.Session{ID: urn.New(), Digest: d, UserID: user.ID, OrgID: user.OrgID, Origin: store.OriginAPIToken,
				Dialect: "oauth", TokenID: tok.ID, ClientIP: "192.0.2.1", UserAgent: "bench", CreatedAt: now, LastActive: now,
				ExpiresAt: now.Add(time.Hour), Idle: true}
			err := s.Update(ctx, func(tx store.Tx) error {
				if _, err := tx.PinToken(ctx, tok.ID); err != nil {
					return err
				}
				if _, err := tx.PinUser(ctx, user.ID); err != nil {
					return err
				}
				return tx.InsertSession(ctx, rec)
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
}

// BenchmarkCreateSessionGuarded measures the path of an API-token
// exchange in the store: CreateSession with the owner and token guards,
// from 32 goroutines (the figures' wrk -c32) so that group commit batches
// them. cpu-ns/op is the process's CPU time per session, the figure the
// exchange goal is judged by.
func BenchmarkCreateSessionGuarded(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	_, td := secret.NewToken(secret.PrefixAPIToken)
	user, tok := benchOwner(ctx, b, s, now, td)
	g := store.SessionGuard{ValidAfter: user.ValidAfter, PasswordHash: user.PasswordHash, TokenDigest: td}
	b.SetParallelism((32 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	cpu := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			at := time.Now()
			id := urn.NewTimeOrdered(at)
			_, d := secret.NewSessionToken(id)
			rec := store.Session{ID: id, Digest: d, UserID: user.ID, OrgID: user.OrgID, Origin: store.OriginAPIToken,
				Dialect: "oauth", TokenID: tok.ID, ClientIP: "192.0.2.1", UserAgent: "bench", CreatedAt: at, LastActive: at,
				ExpiresAt: at.Add(time.Hour), Idle: true}
			ok, err := s.CreateSession(ctx, rec, g)
			if err != nil || !ok {
				b.Error(ok, err)
				return
			}
		}
	})
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
}

// processCPU is the user+system CPU time of this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchOwner stores an org, a role, a user with a password hash and an
// API token of that user with digest td.
func benchOwner(ctx context.Context, b testing.TB, s store.Store, now time.Time, td secret.Digest) (store.User, store.APIToken) {
	b.Helper()
	org := store.Org{ID: urn.New(), Name: "acme", Enabled: true, CreatedAt: now}
	role := store.Role{ID: urn.New(), Name: "r"}
	user := store.User{ID: urn.New(), OrgID: org.ID, Name: "bob", Kind: store.KindUser, RoleID: role.ID, Enabled: true,
		PasswordHash: "hash", CreatedAt: now, UpdatedAt: now}
	tok := store.APIToken{ID: urn.New(), Name: "t", Digest: td, OwnerID: user.ID, OrgID: org.ID, Type: store.TokenTypeRefresh, CreatedAt: now}
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertOrg(ctx, org); err != nil {
			return err
		}
		if err := tx.InsertRole(ctx, role); err != nil {
			return err
		}
		if err := tx.InsertUser(ctx, user); err != nil {
			return err
		}
		return tx.InsertToken(ctx, tok)
	})
	if err != nil {
		b.Fatal(err)
	}
	return user, tok
}
