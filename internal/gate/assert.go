package gate

import (
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Claims are the identity assertion's claims beyond the registered ones
// (iss, aud, sub = user URN, iat, nbf, exp, jti). docs/gate.md lists them.
type Claims struct {
	jwt.Claims
	Name       string   `json:"name"`
	Org        OrgClaim `json:"org"`
	Roles      []string `json:"roles"`
	SessionID  string   `json:"sid"`
	Token      string   `json:"token,omitempty"`           // API token URN
	Account    string   `json:"service_account,omitempty"` // service account URN
	Restricted bool     `json:"restricted"`
	Provider   bool     `json:"provider"`
	Dialect    string   `json:"dialect"`
	Origin     string   `json:"origin"`
	AuthTime   int64    `json:"auth_time"`
}

// OrgClaim names the session's org.
type OrgClaim struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// reuseMargin: an assertion is signed again when less than this is left
// of its life, so an upstream never receives one about to expire.
const reuseMargin = 15 * time.Second

// assertions signs assertions and reuses each until shortly before it
// expires: signing (an ECDSA signature) is far dearer than a map lookup,
// and a session's requests would otherwise each pay for one.
type assertions struct {
	keys *Keys
	now  func() time.Time

	mu        sync.RWMutex
	byKey     map[assertKey]*signed
	lastPrune time.Time
}

type assertKey struct {
	session  urn.UUID
	aud, iss string
}

// signed is one signed assertion; it stays valid for a session view (the
// session manager builds a new *session.Session when the user, org or
// role changes) and a signing key.
type signed struct {
	view     *session.Session
	aud, iss string
	kid      string
	jwt      string
	fresh    int64 // unix nanos after which it is signed again
	// hdr are the identity headers, built once: requests assign these
	// slices and never modify them.
	hdr []headerValues
}

type headerValues struct {
	name string
	v    []string
}

func newAssertions(keys *Keys, now func() time.Time) *assertions {
	return &assertions{keys: keys, now: now, byKey: map[assertKey]*signed{}}
}

// get returns the assertion of s for audience aud from issuer iss, with
// its identity headers.
//
// The one last used for a session is kept on its view (session.Memo): a
// session's requests then find it without the shared map, whose read lock
// is a write to one cache line for every request on every core. The map
// keeps the others (a session that reaches routes with different
// audiences).
func (a *assertions) get(s *session.Session, aud, iss string) (*signed, error) {
	now := a.now()
	ks := a.keys.cur.Load()
	if c, _ := s.Memo().(*signed); c != nil && c.aud == aud && c.iss == iss && c.kid == ks.kid && now.UnixNano() < c.fresh {
		return c, nil
	}
	k := assertKey{s.ID, aud, iss}
	a.mu.RLock()
	c := a.byKey[k]
	a.mu.RUnlock()
	if c != nil && c.view == s && c.kid == ks.kid && now.UnixNano() < c.fresh {
		s.SetMemo(c)
		return c, nil
	}
	tok, exp, err := sign(ks, s, aud, iss, now)
	if err != nil {
		return nil, err
	}
	c = &signed{view: s, aud: aud, iss: iss, kid: ks.kid, jwt: tok, fresh: exp.Add(-reuseMargin).UnixNano(), hdr: identity(s, tok)}
	s.SetMemo(c)
	a.mu.Lock()
	a.byKey[k] = c
	if now.Sub(a.lastPrune) > MaxAssertionLife {
		a.lastPrune = now
		for key, v := range a.byKey {
			if now.UnixNano() >= v.fresh {
				delete(a.byKey, key)
				// Its view lets go of it too, or a session idle since would
				// keep a dead assertion (about 1.5 KB) for the rest of its
				// life. A fresher one stored meanwhile may go as well: it is
				// signed again on the next request.
				if m, _ := v.view.Memo().(*signed); m == v {
					v.view.SetMemo((*signed)(nil))
				}
			}
		}
	}
	a.mu.Unlock()
	return c, nil
}

func sign(ks *keyset, s *session.Session, aud, iss string, now time.Time) (string, time.Time, error) {
	exp := now.Add(MaxAssertionLife)
	if s.Expires.Before(exp) {
		exp = s.Expires
	}
	p := s.Principal
	c := Claims{
		Claims: jwt.Claims{Issuer: iss, Audience: jwt.Audience{aud}, Subject: p.UserID.URN(urn.User),
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(exp),
			ID: urn.New().String()},
		Name: p.UserName, Org: OrgClaim{ID: p.OrgID.URN(urn.Org), Name: p.OrgName},
		SessionID: s.ID.URN(urn.Session), Restricted: p.Restricted, Provider: p.Provider,
		Dialect: s.Dialect, Origin: string(s.Origin), AuthTime: s.Created.Unix(),
	}
	if s.RoleName != "" {
		c.Roles = []string{s.RoleName}
	} else {
		c.Roles = []string{}
	}
	switch {
	case s.Origin == store.OriginServiceAccount || p.ServiceAccount:
		// A service account is its own principal (the session's TokenID
		// is its grant).
		c.Account = p.UserID.URN(urn.ServiceAccount)
	case !p.TokenID.IsZero():
		c.Token = p.TokenID.URN(urn.Token)
	}
	tok, err := jwt.Signed(ks.signer).Claims(c).Serialize()
	return tok, exp, err
}
