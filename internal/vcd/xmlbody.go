package vcd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

// MaxXMLBody bounds an /api request body. The largest document a client
// sends us (an AdminOrg with its settings) is a few kilobytes.
const MaxXMLBody = 64 << 10

// NamespaceVCloud is the namespace of Cloud Director's XML documents.
const NamespaceVCloud = "http://www.vmware.com/vcloud/v1.5"

// ReadXML decodes the request body into v after checking it is one XML
// document whose root element is {ns}local. It is the only way an /api
// handler reads a body, so every refusal below holds everywhere:
//
//   - a media type other than XML: Unsupported (415);
//   - more than limit bytes: TooLarge (413);
//   - a document type declaration or any other directive (<!DOCTYPE,
//     <!ENTITY): Invalid. DTDs are where entity-expansion and external
//     entity attacks live; Cloud Director's clients never send one;
//   - a root element of another name or namespace, malformed XML, a
//     second root, or text after the root: Invalid.
//
// Nothing in v may be trusted on error.
func ReadXML(r *http.Request, limit int64, ns, local string, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "text/xml" || mt == "application/xml" || strings.HasSuffix(mt, "+xml")) {
			return apierr.New(apierr.Unsupported, "the request body must be XML (Content-Type application/vnd.vmware...+xml), not %q", ct)
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apierr.New(apierr.TooLarge, "the request body is larger than %d bytes", limit)
		}
		return apierr.New(apierr.Invalid, "the request body could not be read")
	}
	if int64(len(body)) > limit {
		return apierr.New(apierr.TooLarge, "the request body is larger than %d bytes", limit)
	}
	return DecodeXML(body, ns, local, v)
}

// DecodeXML is ReadXML's check and decode of a body already read. The
// whole document is checked first (a directive is refused wherever it is,
// also inside the root), then the root is decoded.
func DecodeXML(body []byte, ns, local string, v any) error {
	root, err := checkXML(body, ns, local)
	if err != nil {
		return err
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err != nil {
			return apierr.New(apierr.Invalid, "the request body is not well-formed XML")
		}
		if t, ok := tok.(xml.StartElement); ok && t.Name == root {
			if err := dec.DecodeElement(v, &t); err != nil {
				return apierr.New(apierr.Invalid, "the %s element is not valid: %s", local, err.Error())
			}
			return nil
		}
	}
}

// checkXML walks every token of body: one root element {ns}local, no
// directive anywhere, no processing instruction but the XML declaration,
// nothing but whitespace and comments outside the root.
func checkXML(body []byte, ns, local string) (xml.Name, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	// No CharsetReader: a document declaring another encoding than UTF-8
	// is refused by the decoder. No Entity map: only XML's five entities.
	var root xml.Name
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return root, apierr.New(apierr.Invalid, "the request body is not well-formed XML: %s", err.Error())
		}
		switch t := tok.(type) {
		case xml.Directive:
			return root, apierr.New(apierr.Invalid, "the request body must not contain a document type declaration or other <!...> directive")
		case xml.ProcInst:
			if roots > 0 || depth > 0 || t.Target != "xml" {
				return root, apierr.New(apierr.Invalid, "the request body must not contain processing instructions")
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return root, apierr.New(apierr.Invalid, "the request body has text outside its root element")
			}
		case xml.StartElement:
			if depth == 0 {
				if roots++; roots > 1 {
					return root, apierr.New(apierr.Invalid, "the request body has more than one root element")
				}
				if t.Name.Local != local || t.Name.Space != ns {
					return root, apierr.New(apierr.Invalid, "the request body must be a %s element in namespace %s, not %s in namespace %q", local, ns, t.Name.Local, t.Name.Space)
				}
				root = t.Name
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots == 0 {
		return root, apierr.New(apierr.Invalid, "the request body is empty; a %s element is required", local)
	}
	return root, nil
}
