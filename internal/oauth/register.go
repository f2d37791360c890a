package oauth

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/apitoken"
	"github.com/cloudgate/cloudgate/internal/authz"
	"github.com/cloudgate/cloudgate/internal/grant"
	"github.com/cloudgate/cloudgate/internal/serviceaccount"
	"github.com/cloudgate/cloudgate/internal/strictjson"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// maxRegisterBytes bounds a registration body.
const maxRegisterBytes = 64 << 10

// registerRequest is the part of RFC 7591 client metadata API tokens and
// service accounts use. Unknown fields are ignored (RFC 7591 §2).
// software_id makes the registration a service account, with client_uri,
// software_version and scope (its role). expires_in is cloudgate's
// extension for API tokens: a lifetime in seconds for a token that should
// not live forever.
type registerRequest struct {
	ClientName      *string `json:"client_name"`
	SoftwareID      string  `json:"software_id"`
	SoftwareVersion string  `json:"software_version"`
	ClientURI       string  `json:"client_uri"`
	Scope           string  `json:"scope"`
	ExpiresIn       *int64  `json:"expires_in"`
}

// registerResponse is govcd's ApiTokenParams. client_id is the bare
// lowercase UUID govcd turns into urn:vcloud:token:{client_id} or
// urn:vcloud:serviceAccount:{client_id}. A service account's answer
// echoes its metadata.
type registerResponse struct {
	ClientName              string   `json:"client_name"`
	ClientID                string   `json:"client_id"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	GrantTypes              []string `json:"grant_types"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	ExpiresIn               int64    `json:"expires_in,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	SoftwareID              string   `json:"software_id,omitempty"`
	SoftwareVersion         string   `json:"software_version,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
}

// register serves POST /oauth/{tenant/{org}|provider}/register: a password
// session registers a named API token for its user, or, with software_id,
// a service account of the path's org. 200 as in govcd's and Cloud
// Director's examples (govcd accepts only 200 or 201).
func (a *API) register(w http.ResponseWriter, r *http.Request, realm grant.Realm) error {
	caller, err := a.caller(r)
	if err != nil {
		return err
	}
	req, err := readRegistration(w, r)
	if err != nil {
		return err
	}
	if req.SoftwareID != "" {
		return a.registerAccount(w, r, realm, caller, req)
	}
	if req.ClientName == nil {
		return apierr.New(apierr.Invalid, "client_name is required").WithCode(grant.CodeInvalidClientMeta)
	}
	spec := apitoken.RegisterSpec{Name: *req.ClientName}
	if req.ExpiresIn != nil {
		if *req.ExpiresIn <= 0 || *req.ExpiresIn > int64(apitoken.MaxLifetime/time.Second) {
			return apierr.New(apierr.Invalid, "expires_in must be a positive number of seconds up to %d", int64(apitoken.MaxLifetime/time.Second)).
				WithCode(grant.CodeInvalidClientMeta)
		}
		spec.Lifetime = time.Duration(*req.ExpiresIn) * time.Second
	}
	t, err := a.tokens.Register(r.Context(), caller, realm, spec, clientOf(r))
	if err != nil {
		return err
	}
	body := registerResponse{ClientName: t.Name, ClientID: t.ID.String(), ClientIDIssuedAt: t.CreatedAt.Unix(),
		GrantTypes: []string{grant.TypeRefreshToken}, TokenEndpointAuthMethod: "none"}
	if !t.ExpiresAt.IsZero() {
		body.ExpiresIn = int64(t.ExpiresAt.Sub(t.CreatedAt) / time.Second)
	}
	a.writeJSON(w, http.StatusOK, body)
	return nil
}

// registerAccount registers a service account: status CREATED, id
// urn:vcloud:serviceAccount:{client_id}. It may use the device grant and
// the refresh_token grant (its refresh tokens rotate).
func (a *API) registerAccount(w http.ResponseWriter, r *http.Request, realm grant.Realm, caller *authz.Principal, req registerRequest) error {
	meta := func(format string, args ...any) error {
		return apierr.New(apierr.Invalid, format, args...).WithCode(grant.CodeInvalidClientMeta)
	}
	if req.ClientName == nil {
		return meta("client_name is required")
	}
	if req.ExpiresIn != nil {
		return meta("expires_in is not supported for service accounts; revoke or delete the account to end its access")
	}
	row, err := a.accounts.Register(r.Context(), caller, realm, serviceaccount.RegisterSpec{Name: *req.ClientName,
		SoftwareID: req.SoftwareID, SoftwareVersion: req.SoftwareVersion, ClientURI: req.ClientURI, Scope: req.Scope}, clientOf(r))
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusOK, registerResponse{ClientName: row.Name, ClientID: row.ID.String(), ClientIDIssuedAt: row.CreatedAt.Unix(),
		GrantTypes: []string{grant.TypeDeviceCode, grant.TypeRefreshToken}, TokenEndpointAuthMethod: "none",
		ClientURI: row.URI, SoftwareID: row.SoftwareID, SoftwareVersion: row.SoftwareVersion, Scope: req.Scope})
	return nil
}

// caller resolves the principal of the session named by the usual Cloud
// Director token headers (401 without one).
func (a *API) caller(r *http.Request) (*authz.Principal, error) {
	tok, err := vcd.SessionToken(r.Header)
	if err != nil {
		return nil, err
	}
	return a.tokens.Caller(r.Context(), tok)
}

// readRegistration reads one JSON object: 415 for another media type, 413
// for an oversized body, invalid_request for malformed JSON (a key given
// twice, invalid UTF-8 and anything but one object included: strictjson),
// invalid_client_metadata for fields of the wrong type.
func readRegistration(w http.ResponseWriter, r *http.Request) (registerRequest, error) {
	var req registerRequest
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return req, apierr.New(apierr.Unsupported, "the request body must be application/json")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRegisterBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, apierr.New(apierr.TooLarge, "the request body is larger than %d bytes", maxRegisterBytes)
		}
		return req, apierr.New(apierr.Invalid, "the request body could not be read")
	}
	if err := strictjson.Check(raw); err == strictjson.ErrNotObject {
		return req, apierr.New(apierr.Invalid, "%s", err.Error()).WithCode(grant.CodeInvalidClientMeta)
	} else if err != nil {
		return req, apierr.New(apierr.Invalid, "%s", err.Error())
	}
	// Metadata names are case-sensitive (RFC 7591 §2): "Client_Name" is
	// an unknown member, ignored, not client_name.
	if err := strictjson.UnmarshalExact(raw, &req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			field := typeErr.Field
			if field == "" {
				field = "the body"
			}
			return req, apierr.New(apierr.Invalid, "%s has the wrong type; want %s", printable(field), typeErr.Type.String()).
				WithCode(grant.CodeInvalidClientMeta)
		}
		return req, apierr.New(apierr.Invalid, "the request body is not valid JSON")
	}
	return req, nil
}
