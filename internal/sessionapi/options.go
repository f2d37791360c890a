package sessionapi

import (
	"net/http"
)

// OPTIONS on each resource answers 200 with Allow and a description of
// each method: what it does, how to authenticate, its parameters and its
// statuses. It needs no token (a description is not a secret, and a
// client must be able to read it before it has a token).

type resourceDoc map[string]methodDoc

type methodDoc struct {
	Description    string              `json:"description"`
	Authentication string              `json:"authentication"`
	Parameters     map[string]paramDoc `json:"parameters"`
	Responses      map[string]string   `json:"responses"`
}

type paramDoc struct {
	In          string `json:"in"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Default     any    `json:"default,omitempty"`
	Minimum     int    `json:"minimum,omitempty"`
	Maximum     int    `json:"maximum,omitempty"`
	Description string `json:"description"`
}

const (
	authToken   = "Authorization: Bearer <token>, or Basic with the token as user name and an empty password"
	authNone    = "none"
	respUnauth  = "missing, invalid, expired or ended token"
	respOptions = "this description"
)

// The descriptions are built per call: no package state to mutate.

func optionsMethod() methodDoc {
	return methodDoc{Description: "Describe the methods of this resource.", Authentication: authNone,
		Parameters: map[string]paramDoc{}, Responses: map[string]string{"200": respOptions}}
}

func requestTokenDoc() resourceDoc {
	return resourceDoc{
		http.MethodPost: {Description: "Request an access token for the user (valid 24 hours by default; request a new one when it expires).",
			Authentication: "Authorization: Basic base64(user@org:password)",
			Parameters:     map[string]paramDoc{},
			Responses: map[string]string{"200": "the token: {duration, exp, exp_date, token, type}",
				"401": "wrong or missing credentials", "429": "too many tokens requested; see X-RateLimit-Reset"}},
		http.MethodOptions: optionsMethod(),
	}
}

func rootDoc() resourceDoc {
	return resourceDoc{
		http.MethodGet: {Description: "List the resources of the API.", Authentication: authToken,
			Parameters: map[string]paramDoc{}, Responses: map[string]string{"200": "resource URLs", "401": respUnauth}},
		http.MethodOptions: optionsMethod(),
	}
}

func listDoc() resourceDoc {
	return resourceDoc{
		http.MethodGet: {Description: "List the caller's active sessions, whichever API created them, newest first.",
			Authentication: authToken,
			Parameters: map[string]paramDoc{
				"page":     {In: "query", Type: "integer", Default: 1, Minimum: 1, Description: "page number"},
				"per_page": {In: "query", Type: "integer", Default: DefaultPerPage, Minimum: 1, Maximum: MaxPerPage, Description: "sessions per page"},
			},
			Responses: map[string]string{"200": "sessions: {_links.self, key, username}", "400": "invalid page or per_page", "401": respUnauth}},
		http.MethodOptions: optionsMethod(),
	}
}

func itemDoc() resourceDoc {
	key := map[string]paramDoc{"key": {In: "path", Type: "string", Required: true, Description: "session key from GET /v2/session"}}
	return resourceDoc{
		http.MethodGet: {Description: "Show one of the caller's sessions: domain, ip, lastActiveTime, lastActiveTimeDelta, loginTime, loginTimeDelta, userAgent, username.",
			Authentication: authToken, Parameters: key,
			Responses: map[string]string{"200": "the session", "401": respUnauth, "404": "no such session of the caller"}},
		http.MethodDelete: {Description: "End a session: one of the caller's, or as an organization administrator any of the organization's.",
			Authentication: authToken, Parameters: key,
			Responses: map[string]string{"204": "ended; its token is refused from now on", "401": respUnauth, "404": "no such session the caller may end"}},
		http.MethodOptions: optionsMethod(),
	}
}

// options answers OPTIONS with doc (Allow is already set by the route).
func (a *API) options(w http.ResponseWriter, r *http.Request, doc resourceDoc) {
	base := a.cfg.Base(r)
	writeJSON(w, http.StatusOK, envelope{Links: links{API: base + "/v2/", Self: base + r.URL.Path}, Data: doc,
		Meta: meta{Count: len(doc), Time: elapsed(r)}})
}
