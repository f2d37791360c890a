package session

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/settings"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// BenchmarkSessionMemory measures the heap an active session costs this
// instance: one million sessions of 1,000 users in 10 orgs, a tenth made
// from 1,000 API tokens, half with a legacy key, clients from 10,000
// addresses. Target: at most 1 KiB per session.
//
//	go test -run=^$ -bench=SessionMemory -benchtime=1x ./internal/session
func BenchmarkSessionMemory(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("CLOUDGATE_SESSIONS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	m := New(Config{Settings: settings.Fixed(settings.Defaults())})
	roles := make([]store.Role, 5)
	for i := range roles {
		roles[i] = store.Role{ID: urn.New(), Name: fmt.Sprint("role", i), Rights: identity.PredefinedRoles()[1].Rights}
	}
	orgs := make([]store.Org, 10)
	for i := range orgs {
		orgs[i] = store.Org{ID: urn.New(), Name: fmt.Sprint("org", i), Enabled: true}
	}
	users := make([]store.User, 1000)
	for i := range users {
		users[i] = store.User{ID: urn.New(), OrgID: orgs[i%10].ID, Name: fmt.Sprint("user", i), RoleID: roles[i%5].ID, Enabled: true}
	}
	tokens := make([]urn.UUID, 1000)
	for i := range tokens {
		tokens[i] = urn.New()
	}
	ctx := context.Background()
	now := time.Now()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < n; i++ {
		u := users[i%len(users)]
		rec := store.Session{ID: urn.New(), UserID: u.ID, OrgID: u.OrgID, Origin: store.OriginPassword, Dialect: "cloudapi",
			ClientIP: "192.0.2." + strconv.Itoa(i%10000), UserAgent: "go-vcloud-director", CreatedAt: now, LastActive: now,
			ExpiresAt: now.Add(24 * time.Hour), Idle: true}
		rec.Digest = secret.DigestOf(rec.ID.String())
		if i%2 == 0 {
			rec.LegacyDigest = secret.DigestOf("legacy" + rec.ID.String())
		}
		if i%10 == 0 {
			rec.Origin, rec.TokenID = store.OriginAPIToken, tokens[i%len(tokens)]
		}
		if _, err := m.insert(ctx, rec, principalRecs{u, orgs[i%len(users)%10], roles[i%len(users)%5]}, m.gen.Load()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if m.Active() != int64(n) {
		b.Fatalf("%d sessions cached, want %d", m.Active(), n)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "B/session")
	runtime.KeepAlive(m)
}
