package gate

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/reqctx"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// xmlPath reports whether a path's refusals are Cloud Director XML errors
// (/api); every other path gets the /cloudapi JSON error.
func xmlPath(path string) bool { return path == "/api" || strings.HasPrefix(path, "/api/") }

// refuse answers err for a request to path as cloudgate's own endpoints
// under that path would: the Cloud Director dialect's status table and
// error format.
func refuse(w http.ResponseWriter, r *http.Request, err error) { refuseFor(w, r, r.URL.Path, err) }

func refuseFor(w http.ResponseWriter, r *http.Request, path string, err error) {
	if apierr.Is(err, apierr.Unauthenticated) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vCloud"`)
	}
	if xmlPath(path) {
		vcd.WriteXMLError(w, r, nil, nil, err)
	} else {
		vcd.WriteJSONError(w, r, nil, nil, err)
	}
}

// The upstream's failures are the gate's own statuses (502, 504), which
// the dialects' status tables have no kind for; they are rendered in the
// same two formats.
type xmlError struct {
	XMLName        xml.Name `xml:"http://www.vmware.com/vcloud/v1.5 Error"`
	MajorErrorCode int      `xml:"majorErrorCode,attr"`
	MinorErrorCode string   `xml:"minorErrorCode,attr"`
	Message        string   `xml:"message,attr"`
}

type jsonError struct {
	MinorErrorCode string  `json:"minorErrorCode"`
	Message        string  `json:"message"`
	StackTrace     *string `json:"stackTrace"`
}

func writeUpstreamError(w http.ResponseWriter, r *http.Request, status int, minor, msg string) {
	h := w.Header()
	h["Cache-Control"] = []string{"no-store"}
	var body []byte
	if xmlPath(r.URL.Path) {
		out, _ := xml.Marshal(xmlError{MajorErrorCode: status, MinorErrorCode: minor, Message: msg})
		body = append([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"), out...)
		h["Content-Type"] = []string{"application/vnd.vmware.vcloud.error+xml"}
	} else {
		body, _ = json.Marshal(jsonError{MinorErrorCode: minor, Message: "[ " + reqctx.From(r.Context()).ID + " ] " + msg})
		h["Content-Type"] = []string{"application/json"}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client left
}
