package oauth

import (
	"net/http"
	"time"

	"github.com/cloudgate/cloudgate/internal/grant"
)

// deviceResponse is RFC 8628 §3.2 and govcd's ServiceAccountAuthParams.
// verification_uri_complete is not sent: it would put the user code in a
// URL, where logs and browser histories keep it.
type deviceResponse struct {
	DeviceCode      string `json:"device_code"`
	UserCode        string `json:"user_code"`
	VerificationURI string `json:"verification_uri"`
	ExpiresIn       int64  `json:"expires_in"`
	Interval        int64  `json:"interval"`
}

// deviceAuthorization serves POST /oauth/{tenant/{org}|provider}/
// device_authorization (RFC 8628 §3.1): form client_id, the service
// account's id. Like the token endpoint it ignores Authorization (govcd
// sends the creating administrator's; the device needs none), reads only
// the form body, and refuses credentials in the URL.
func (a *API) deviceAuthorization(w http.ResponseWriter, r *http.Request, realm grant.Realm) error {
	form, err := grant.ReadForm(w, r)
	if err != nil {
		return err
	}
	auth, err := a.accounts.Authorize(r.Context(), realm, form["client_id"], clientOf(r))
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusOK, deviceResponse{DeviceCode: auth.DeviceCode, UserCode: auth.UserCode,
		VerificationURI: a.verificationURI(r, realm), ExpiresIn: int64(auth.ExpiresIn / time.Second),
		Interval: int64(auth.Interval / time.Second)})
	return nil
}

// verificationURI is where Cloud Director's UI approves service accounts
// (the page its device authorizations name). cloudgate has no UI: an
// administrator approves with POST /cloudapi/1.0.0/deviceLookup/grant; the
// URI keeps the shape Cloud Director clients print and parse.
func (a *API) verificationURI(r *http.Request, realm grant.Realm) string {
	return a.base(r) + "/" + realm.String() + "/administration/settings/service-accounts"
}
