package cloudapi

import (
	"encoding/json"
	"errors"
	"github.com/cloudgate/cloudgate/internal/strictjson"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// userCodeBody is the body of every /deviceLookup request. Note the
// camelCase: the device authorization answer calls it user_code.
type userCodeBody struct {
	UserCode *string `json:"userCode"`
}

func (a *API) userCode(c *vcd.Call) (string, urn.UUID, error) {
	var body userCodeBody
	if err := readJSON(c, &body); err != nil {
		return "", urn.UUID{}, err
	}
	if body.UserCode == nil || *body.UserCode == "" {
		return "", urn.UUID{}, apierr.New(apierr.Invalid, "userCode is required")
	}
	org, err := a.tenantContext(c)
	return *body.UserCode, org, err
}

// deviceLookup serves POST /deviceLookup {"userCode"}: 303 See Other with
// the Location of the service account the code belongs to, so that the
// approving administrator sees which account asks (RFC 8628 §5.4); the
// body is that account too, for clients that do not follow redirects.
// Nothing changes.
func (a *API) deviceLookup(c *vcd.Call) error {
	code, org, err := a.userCode(c)
	if err != nil {
		return err
	}
	row, err := a.accounts.Lookup(c.R.Context(), &c.Session.Principal, org, code, tokenClient(c))
	if err != nil {
		return err
	}
	c.W.Header().Set("Location", a.env.Base(c.R)+root+"/serviceAccounts/"+row.ID.URN(urn.ServiceAccount))
	c.W.Header().Set("Cache-Control", "no-store")
	vcd.WriteJSON(c.W, http.StatusSeeOther, &c.Version, accountBody(row))
	return nil
}

// deviceGrant serves POST /deviceLookup/grant and /deviceLookup/deny:
// 204 once the decision is durable.
func (a *API) deviceGrant(grant bool) vcd.HandlerFunc {
	return func(c *vcd.Call) error {
		code, org, err := a.userCode(c)
		if err != nil {
			return err
		}
		decide := a.accounts.Deny
		if grant {
			decide = a.accounts.Grant
		}
		if err := decide(c.R.Context(), &c.Session.Principal, org, code, tokenClient(c)); err != nil {
			return err
		}
		c.W.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// maxJSONBytes bounds a JSON request body of this dialect.
const maxJSONBytes = 64 << 10

// readJSON reads one JSON object into v: 415 unless the body is
// application/json (UTF-8), 413 past maxJSONBytes, 400 for malformed JSON,
// anything but one object, a key given twice (in any case: encoding/json
// matches field names ignoring case, so "userCode" and "usercode" are the
// same field), invalid UTF-8 (strictjson.Check), or a field of the wrong
// type. Unknown fields are ignored.
func readJSON(c *vcd.Call, v any) error {
	mt, params, err := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return apierr.New(apierr.Unsupported, "the request body must be application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return apierr.New(apierr.Unsupported, "the request body must be UTF-8")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.W, c.R.Body, maxJSONBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apierr.New(apierr.TooLarge, "the request body is larger than %d bytes", maxJSONBytes)
		}
		return apierr.New(apierr.Invalid, "the request body could not be read")
	}
	if err := strictjson.Check(raw); err != nil {
		return apierr.New(apierr.Invalid, "the request body must be one JSON object in UTF-8 with distinct keys: %s", err.Error())
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return apierr.New(apierr.Invalid, "%s has the wrong type; want %s", printableID(typeErr.Field), typeErr.Type.String())
		}
		return apierr.New(apierr.Invalid, "the request body is not valid JSON")
	}
	return nil
}
