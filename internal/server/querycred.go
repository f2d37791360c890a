package server

import (
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/oauth"
	"github.com/cloudgate/cloudgate/internal/querycred"
	"github.com/cloudgate/cloudgate/internal/sessionapi"
	"github.com/cloudgate/cloudgate/internal/vcd"
	"github.com/cloudgate/cloudgate/internal/vchs"
)

// refuseQueryCredential answers 400, in the format of the dialect that owns
// the path, when the query names a credential (see querycred), and reports
// whether it did. It runs for every request before routing, so no handler,
// paging link or log line ever sees such a URL as valid. The value is
// neither echoed nor logged. It does not allocate unless it refuses.
func (s *Server) refuseQueryCredential(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.RawQuery == "" {
		return false
	}
	name, ok := querycred.Find(r.URL.RawQuery)
	if !ok {
		return false
	}
	writeFor(w, r, apierr.New(apierr.Invalid,
		"query parameter %q looks like a credential: credentials are never accepted in a URL (send them in a header or a form body); treat the value as leaked and revoke it", name))
	return true
}

// writeFor renders err in the format of the dialect that owns r's path
// (for answers the middleware gives before routing).
func writeFor(w http.ResponseWriter, r *http.Request, err error) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/vchs/"):
		vchs.WriteError(w, r, nil, err)
	case strings.HasPrefix(p, "/api/"):
		vcd.WriteXMLError(w, r, nil, nil, err)
	case strings.HasPrefix(p, "/v2/") || strings.HasPrefix(p, "/auth/"):
		sessionapi.WriteError(w, r, nil, err)
	case strings.HasPrefix(p, "/oauth/"):
		oauth.WriteError(w, r, nil, err)
	default:
		vcd.WriteJSONError(w, r, nil, nil, err)
	}
}
