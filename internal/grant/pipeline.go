package grant

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Request is one grant request as the pipeline sees it.
type Request struct {
	// Form holds the parameters; one sent empty is absent.
	Form   map[string]string
	Realm  Realm
	Client Client
}

// Handler is one grant of the token endpoint: what it declares, and Find.
// The pipeline answers with the declared errors, so a grant's own code is
// only how to read its credential and how to issue.
type Handler struct {
	// Type is the grant_type it serves and Label its name in metrics.
	Type  string
	Label string
	// Claims, when set, says whether this handler serves a request of its
	// Type; grants sharing a type (refresh tokens of API tokens and of
	// service accounts) tell their requests apart with it. The first
	// handler of the type whose Claims is nil or true serves.
	Claims func(r Request) bool
	// Needs are the parameters the grant cannot do without; Usage is the
	// invalid_request message when one is missing.
	Needs []string
	Usage string
	// ClientKind is the URN kind a client_id is read as (RFC 6749 §6: a
	// credential is bound to the client it was issued to).
	ClientKind string
	// Unbound answers a client_id naming another client than the
	// credential's; Foreign (a format with the realm for %s) a credential
	// of another org than the endpoint's; Disabled one whose owner or org
	// is disabled; Invalid any other failure about the credential or its
	// owner, including a credential that names nothing (Miss).
	Unbound  error
	Foreign  string
	Disabled error
	Invalid  error
	// Find reads what the credential in r names. It returns Miss(err) for
	// a credential that names nothing (it counts in the failure budget),
	// another error to refuse the request without counting. fresh asks it
	// to bypass any cache: the store refused Issue because what Find read
	// went stale.
	Find func(ctx context.Context, r Request, fresh bool) (Found, error)
}

// Found is what a grant's credential names.
type Found struct {
	// Client is the client (API token, service account) the credential
	// was issued to, and Account the account whose session is made.
	Client  urn.UUID
	Account identity.Account
	// Issuer makes the session (and whatever else the grant writes) once
	// the shared checks passed.
	Issuer Issuer
}

// Issuer is a grant's own write. The store re-checks the account in the
// transaction that makes the session; a change committed since Find fails
// Issue Unauthenticated. (An interface rather than a closure: the hot
// grant keeps what it found in one struct, one allocation.)
type Issuer interface {
	Issue(ctx context.Context) (Result, error)
}

// IssueFunc makes a function an Issuer.
type IssueFunc func(ctx context.Context) (Result, error)

// Issue calls f.
func (f IssueFunc) Issue(ctx context.Context) (Result, error) { return f(ctx) }

// missError marks a credential that names nothing.
type missError struct{ err error }

func (m *missError) Error() string { return m.err.Error() }
func (m *missError) Unwrap() error { return m.err }

// Miss marks err as the answer to a credential that names nothing
// (unknown, malformed, revoked): the pipeline counts it in the caller's
// failure budget and answers err.
func Miss(err error) error { return &missError{err: err} }

// Config wires a Pipeline.
type Config struct {
	// Failures is the failure budget per client address, shared by every
	// grant of the token endpoint (and its device authorization endpoint).
	Failures *Limiter
	// Observe, when set, records the outcome of each token request (a
	// grant label and "success" or an OAuth error code).
	Observe func(grant, outcome string)
	Now     func() time.Time
	Log     *slog.Logger
}

// Pipeline runs the grants of a token endpoint. Every request goes
// through the same steps in the same order:
//
//  1. the form: credentials refused in the URL, the body's rules, a
//     grant_type this endpoint serves, the handler's required parameters;
//  2. the failure budget: an address that used it is answered ErrThrottled;
//  3. Find, the grant's own read (a Miss counts in the budget);
//  4. client_id, when sent, must name the credential's client;
//  5. the credential's org must be the endpoint's realm;
//  6. its owner and org must be enabled;
//  7. Issue, the grant's own write; if the store refuses it because what
//     Find read went stale (the account changed, the cached token was
//     revoked), steps 3 to 7 run once more with fresh reads;
//  8. every failure is answered through Refuse with the grant's catch-all,
//     and the outcome is recorded under the grant's label.
type Pipeline struct {
	fails    *Limiter
	observe  func(grant, outcome string)
	now      func() time.Time
	log      *slog.Logger
	handlers []*Handler
	types    string // for the unsupported_grant_type message
}

// New returns a pipeline serving handlers, tried in order for a
// grant_type (put a handler with Claims before the catch-all one of the
// same type).
func New(cfg Config, handlers ...*Handler) *Pipeline {
	if cfg.Failures == nil {
		cfg.Failures = NewLimiter(-1, 0)
	}
	if cfg.Observe == nil {
		cfg.Observe = func(string, string) {}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	var types []string
	for _, h := range handlers {
		if !slices.Contains(types, h.Type) {
			types = append(types, h.Type)
		}
	}
	list := strings.Join(types, ", ")
	if i := strings.LastIndex(list, ", "); i >= 0 {
		list = list[:i] + " or " + list[i+2:]
	}
	return &Pipeline{fails: cfg.Failures, observe: cfg.Observe, now: cfg.Now, log: cfg.Log, handlers: handlers, types: list}
}

// Token serves one request of the token endpoint (steps 1 to 8) and
// returns the result to render, or the error to answer.
func (p *Pipeline) Token(w http.ResponseWriter, r *http.Request, realm Realm, c Client) (Result, error) {
	label := "none"
	res, err := p.token(w, r, Request{Realm: realm, Client: c}, &label)
	outcome := "success"
	if err != nil {
		outcome = CodeOf(err)
	}
	p.observe(label, outcome)
	return res, err
}

func (p *Pipeline) token(w http.ResponseWriter, r *http.Request, req Request, label *string) (Result, error) {
	form, err := ReadForm(w, r)
	if err != nil {
		return Result{}, err
	}
	req.Form = form
	typ := form["grant_type"]
	if typ == "" {
		return Result{}, Error(CodeInvalidRequest, "grant_type is required")
	}
	h := p.pick(typ, req)
	if h == nil {
		*label = "unsupported"
		return Result{}, Error(CodeUnsupportedGrantType, "grant_type is not supported here; use %s", p.types)
	}
	*label = h.Label
	return p.Run(r.Context(), h, req)
}

// pick returns the handler serving a request of grant type typ, or nil.
func (p *Pipeline) pick(typ string, req Request) *Handler {
	for _, h := range p.handlers {
		if h.Type == typ && (h.Claims == nil || h.Claims(req)) {
			return h
		}
	}
	return nil
}

// Run runs grant h for req from step 1's required parameters on: the
// token endpoint calls it after reading the form, services call it for
// a grant made outside that endpoint (the token page's mint).
func (p *Pipeline) Run(ctx context.Context, h *Handler, req Request) (Result, error) {
	for _, name := range h.Needs {
		if req.Form[name] == "" {
			return Result{}, Error(CodeInvalidRequest, "%s", h.Usage)
		}
	}
	now := p.now()
	if p.fails.Blocked(req.Client.IP, now) {
		return Result{}, ErrThrottled
	}
	res, err := p.attempt(ctx, h, req, now, false)
	if err != nil {
		return Result{}, Refuse(err, h.Invalid)
	}
	return res, nil
}

// attempt runs steps 3 to 7 once, and once more with fresh reads after a
// stale refusal.
func (p *Pipeline) attempt(ctx context.Context, h *Handler, req Request, now time.Time, fresh bool) (Result, error) {
	f, err := h.Find(ctx, req, fresh)
	if err != nil {
		var miss *missError
		if errors.As(err, &miss) {
			p.fails.Fail(req.Client.IP, now)
			return Result{}, miss.err
		}
		return Result{}, err
	}
	if id := req.Form["client_id"]; id != "" {
		if got, err := urn.ParseEither(id, h.ClientKind); err != nil || got != f.Client {
			return Result{}, h.Unbound
		}
	}
	if !req.Realm.Admits(f.Account.Org.Name) {
		// Not counted: whoever sent it holds a real credential, good at
		// its own org's endpoint.
		return Result{}, Error(CodeInvalidGrant, h.Foreign, req.Realm)
	}
	if !f.Account.User.Enabled || !f.Account.Org.Enabled {
		p.log.Info("grant of a disabled account refused", "grant", h.Label, "client", f.Client.String(),
			"user", f.Account.User.Name, "org", f.Account.Org.Name)
		return Result{}, h.Disabled
	}
	res, err := f.Issuer.Issue(ctx)
	if err != nil && !fresh && apierr.Is(err, apierr.Unauthenticated) {
		// The store refused: the credential was revoked or the account
		// changed (a password change, say) after Find read it, possibly
		// from a cache the change feed had not updated yet. Read again.
		return p.attempt(ctx, h, req, now, true)
	}
	return res, err
}
