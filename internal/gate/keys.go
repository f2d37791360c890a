package gate

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/cloudgate/cloudgate/internal/store"
)

// MaxAssertionLife bounds how long a signed assertion is valid.
const MaxAssertionLife = time.Minute

// MinSecretLen is the shortest key secret accepted (bytes).
const MinSecretLen = 32

// Keys owns the signing keys: it creates them, seals their private halves
// with a secret kept outside the database, and chooses the one to sign
// with. Every instance on a database signs with the same keys.
type Keys struct {
	store store.SigningKeys
	aead  cipher.AEAD
	now   func() time.Time
	log   *slog.Logger
	// activation is how long a new key is published before it signs, so
	// upstreams that cache the key set see it first.
	activation time.Duration
	// refresh is how often instances reread the keys.
	refresh   time.Duration
	cur       atomic.Pointer[keyset]
	reloading sync.Mutex
}

// keyset is one reading of the store.
type keyset struct {
	loaded time.Time // monotonic, for FreshJWKS
	kid    string
	signer jose.Signer
	jwks   []byte // {"keys":[...]} of every published key
}

// KeysConfig configures Keys.
type KeysConfig struct {
	Store store.SigningKeys
	// Secret seals the private keys (at least MinSecretLen bytes). Every
	// instance sharing the database needs the same secret.
	Secret []byte
	Now    func() time.Time
	Log    *slog.Logger
	// Activation (default 2m) and Refresh (default 30s): see Keys.
	Activation time.Duration
	Refresh    time.Duration
}

// NewKeys returns Keys; call Load before signing.
func NewKeys(c KeysConfig) (*Keys, error) {
	if len(c.Secret) < MinSecretLen {
		return nil, fmt.Errorf("signing key secret: want at least %d bytes, have %d", MinSecretLen, len(c.Secret))
	}
	key, err := hkdf.Key(sha256.New, c.Secret, nil, "cloudgate signing-key seal v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Activation < 0 {
		c.Activation = 0
	} else if c.Activation == 0 {
		c.Activation = 2 * time.Minute
	}
	if c.Refresh <= 0 {
		c.Refresh = 30 * time.Second
	}
	return &Keys{store: c.Store, aead: aead, now: c.Now, log: c.Log, activation: c.Activation, refresh: c.Refresh}, nil
}

// KeyInfo describes a stored key for listings.
type KeyInfo struct {
	ID        string
	CreatedAt time.Time
	// Signing: the key new assertions are signed with; Published: in the
	// key set; Openable: this secret opens its private half.
	Signing, Published, Openable bool
	// Until is when it stops being published (zero: not superseded).
	Until time.Time
}

// Rotate adds a new key. It is published at once and signs once it has
// been published for the activation delay; the key it supersedes stays
// published until every assertion it signed has expired. Keys past that
// are deleted. It returns the new key's id.
func (k *Keys) Rotate(ctx context.Context) (string, error) {
	id, err := k.create(ctx)
	if err != nil {
		return "", err
	}
	infos, err := k.List(ctx)
	if err != nil {
		return id, err
	}
	for _, in := range infos {
		if !in.Published {
			if err := k.store.DeleteSigningKey(ctx, in.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return id, err
			}
		}
	}
	return id, nil
}

func (k *Keys) create(ctx context.Context) (string, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	now := k.now()
	id := now.UTC().Format("20060102T150405Z") + "-" + base64.RawURLEncoding.EncodeToString(randomBytes(6))
	pub, err := json.Marshal(jose.JSONWebKey{Key: &priv.PublicKey, KeyID: id, Algorithm: string(jose.ES256), Use: "sig"})
	if err != nil {
		return "", err
	}
	nonce := randomBytes(k.aead.NonceSize())
	// The key id is the associated data: a sealed key copied onto another
	// row does not open.
	sealed := k.aead.Seal(nonce, nonce, der, []byte(id))
	if err := k.store.InsertSigningKey(ctx, store.SigningKey{ID: id, Algorithm: string(jose.ES256), Public: pub, Sealed: sealed, CreatedAt: now}); err != nil {
		return "", err
	}
	return id, nil
}

func (k *Keys) open(sk store.SigningKey) (*ecdsa.PrivateKey, error) {
	n := k.aead.NonceSize()
	if len(sk.Sealed) < n {
		return nil, errors.New("sealed key too short")
	}
	der, err := k.aead.Open(nil, sk.Sealed[:n], sk.Sealed[n:], []byte(sk.ID))
	if err != nil {
		return nil, errors.New("the key secret does not open it")
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an ECDSA key")
	}
	return ec, nil
}

// List describes the stored keys, newest first.
func (k *Keys) List(ctx context.Context) ([]KeyInfo, error) {
	keys, err := k.store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	return k.describe(keys), nil
}

// describe decides, for keys newest first, which signs and which are
// published. A key this instance cannot open is always published. The signing key is the newest that opens and has been
// published for the activation delay (or, when none has, the oldest that
// opens: a fresh installation signs at once). A key is published until
// the key that superseded it has signed for longer than an instance may
// take to notice, plus the life of an assertion.
func (k *Keys) describe(keys []store.SigningKey) []KeyInfo {
	now := k.now()
	out := make([]KeyInfo, len(keys))
	signing := -1
	for i, sk := range keys {
		out[i] = KeyInfo{ID: sk.ID, CreatedAt: sk.CreatedAt}
		_, err := k.open(sk)
		out[i].Openable = err == nil
		if out[i].Openable && signing < 0 && !now.Before(sk.CreatedAt.Add(k.activation)) {
			signing = i
		}
	}
	if signing < 0 {
		for i := len(keys) - 1; i >= 0; i-- {
			if out[i].Openable {
				signing = i
				break
			}
		}
	}
	grace := k.refresh + MaxAssertionLife + time.Minute
	var supersededAt time.Time // when the newest key older than i began to be superseded
	for i := range out {
		switch {
		case !out[i].Openable:
			// Another secret seals it: an instance with that secret may
			// sign with it, and this one cannot tell until when.
			out[i].Published = true
		case i == signing:
			out[i].Signing, out[i].Published = true, true
			// A key signing before its activation time (a fresh
			// installation) superseded the older ones just now.
			supersededAt = keys[i].CreatedAt.Add(k.activation)
			if supersededAt.After(now) {
				supersededAt = now
			}
		case i < signing:
			out[i].Published = true // newer, not signing yet
		default:
			out[i].Until = supersededAt.Add(grace)
			out[i].Published = now.Before(out[i].Until)
			supersededAt = keys[i].CreatedAt.Add(k.activation)
		}
	}
	return out
}

// Load rereads the keys and chooses the signing key, creating the first
// key when there is none that this instance can open.
func (k *Keys) Load(ctx context.Context) error {
	keys, err := k.store.SigningKeys(ctx)
	if err != nil {
		return err
	}
	infos := k.describe(keys)
	si := -1
	for i, in := range infos {
		if in.Signing {
			si = i
		}
	}
	if si < 0 {
		if len(keys) > 0 {
			// Still correct (every instance publishes every key it cannot
			// open), but each secret adds a key.
			k.log.Info("no signing key in the store opens with this instance's secret; creating one (instances sharing a database should share --signing-secret-file)")
		}
		if _, err := k.create(ctx); err != nil {
			return fmt.Errorf("creating a signing key: %w", err)
		}
		return k.Load(ctx)
	}
	priv, err := k.open(keys[si])
	if err != nil {
		return err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: keys[si].ID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return err
	}
	var pub []json.RawMessage
	for i, in := range infos {
		if in.Published {
			pub = append(pub, json.RawMessage(keys[i].Public))
		}
	}
	jwks, err := json.Marshal(struct {
		Keys []json.RawMessage `json:"keys"`
	}{pub})
	if err != nil {
		return err
	}
	k.cur.Store(&keyset{loaded: time.Now(), kid: keys[si].ID, signer: signer, jwks: append(jwks, '\n')})
	return nil
}

// run rereads the keys every refresh interval until ctx ends.
func (k *Keys) run(ctx context.Context) {
	t := time.NewTicker(k.refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := k.Load(ctx); err != nil && ctx.Err() == nil {
				k.log.Warn("rereading signing keys", "err", err)
			}
		}
	}
}

// JWKS returns the published key set (JSON).
func (k *Keys) JWKS() []byte { return k.cur.Load().jwks }

// jwksMaxAge bounds how stale the served key set may be: an upstream
// fetches it when it meets an unknown key id, which may be the key of an
// instance that started a moment ago. Key set requests are rare
// (upstreams cache the set), so rereading for them costs little.
const jwksMaxAge = 200 * time.Millisecond

// FreshJWKS returns the key set, rereading the store first when the last
// reading is older than jwksMaxAge (one reader at a time; a failed reread
// serves the last set).
func (k *Keys) FreshJWKS(ctx context.Context) []byte {
	if time.Since(k.cur.Load().loaded) > jwksMaxAge && k.reloading.TryLock() {
		if err := k.Load(ctx); err != nil {
			k.log.Warn("rereading signing keys for the key set", "err", err)
		}
		k.reloading.Unlock()
	}
	return k.JWKS()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}
