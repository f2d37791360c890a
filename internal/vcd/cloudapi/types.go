// Package cloudapi is the Cloud Director OpenAPI (JSON) dialect under
// /cloudapi/1.0.0: logins, the current session, session listing and
// logout, API tokens (list, get, revoke), service accounts (list, get,
// update, revoke, delete) and their approval (deviceLookup), and the
// read-only role endpoints session-info clients call.
package cloudapi

// Ref is Cloud Director's OpenApiReference.
type Ref struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

type roleJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	BundleKey   string `json:"bundleKey"`
	ReadOnly    bool   `json:"readOnly"`
}

type rightJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Category    string `json:"category"`
	RightType   string `json:"rightType"`
}
