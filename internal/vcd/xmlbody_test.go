package vcd

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

type testUser struct {
	Name     string `xml:"name,attr"`
	FullName string `xml:"FullName"`
}

func TestReadXML(t *testing.T) {
	const ns = NamespaceVCloud
	ok := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<User xmlns="` + ns + `" name="bob"><FullName>Bob &amp; co</FullName></User>`
	for _, tc := range []struct {
		name, ct, body string
		kind           apierr.Kind // 0: accepted
	}{
		{"accepted", "application/vnd.vmware.admin.user+xml", ok, 0},
		{"no content type", "", ok, 0},
		{"comment before and after", "application/xml", "<!-- a -->" + ok[strings.Index(ok, "<User"):] + "\n<!-- b -->\n", 0},
		{"JSON media type", "application/json", ok, apierr.Unsupported},
		{"bad media type", "a b", ok, apierr.Unsupported},
		{"DOCTYPE", "application/xml", `<!DOCTYPE User [<!ENTITY x "y">]><User xmlns="` + ns + `" name="&x;"/>`, apierr.Invalid},
		{"billion laughs", "application/xml", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><User xmlns="` + ns + `" name="&lol2;"/>`, apierr.Invalid},
		{"external entity", "application/xml", `<!DOCTYPE User SYSTEM "file:///etc/passwd"><User xmlns="` + ns + `"/>`, apierr.Invalid},
		{"directive inside the root", "application/xml", `<User xmlns="` + ns + `"><!DOCTYPE x></User>`, apierr.Invalid},
		{"undefined entity", "application/xml", `<User xmlns="` + ns + `" name="&x;"/>`, apierr.Invalid},
		{"wrong element", "application/xml", `<Group xmlns="` + ns + `" name="bob"/>`, apierr.Invalid},
		{"wrong namespace", "application/xml", `<User xmlns="http://example.com/other" name="bob"/>`, apierr.Invalid},
		{"no namespace", "application/xml", `<User name="bob"/>`, apierr.Invalid},
		{"two roots", "application/xml", `<User xmlns="` + ns + `"/><User xmlns="` + ns + `"/>`, apierr.Invalid},
		{"text after root", "application/xml", `<User xmlns="` + ns + `"/>junk`, apierr.Invalid},
		{"processing instruction", "application/xml", `<User xmlns="` + ns + `"><?php x?></User>`, apierr.Invalid},
		{"other encoding", "application/xml", `<?xml version="1.0" encoding="ISO-8859-1"?><User xmlns="` + ns + `"/>`, apierr.Invalid},
		{"unclosed", "application/xml", `<User xmlns="` + ns + `">`, apierr.Invalid},
		{"empty", "application/xml", ``, apierr.Invalid},
		{"too large", "application/xml", `<User xmlns="` + ns + `">` + strings.Repeat(" ", MaxXMLBody) + `</User>`, apierr.TooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/api/x", strings.NewReader(tc.body))
			if tc.ct != "" {
				r.Header.Set("Content-Type", tc.ct)
			}
			var u testUser
			err := ReadXML(r, MaxXMLBody, ns, "User", &u)
			if tc.kind == 0 {
				if err != nil || u.Name != "bob" || u.FullName != "Bob & co" {
					t.Fatalf("got %+v, %v", u, err)
				}
				return
			}
			if !apierr.Is(err, tc.kind) {
				t.Fatalf("got %v, want kind %v", err, tc.kind)
			}
		})
	}
}

// FuzzDecodeXML: whatever the body, DecodeXML returns nil or an Invalid
// error, never panics, and accepts nothing holding a directive.
func FuzzDecodeXML(f *testing.F) {
	f.Add([]byte(`<User xmlns="` + NamespaceVCloud + `" name="a"><FullName>x</FullName></User>`))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY b "c">]><User xmlns="` + NamespaceVCloud + `"/>`))
	f.Add([]byte(`<?xml version="1.0"?><User xmlns="` + NamespaceVCloud + `"><!-- c --></User>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var u testUser
		err := DecodeXML(body, NamespaceVCloud, "User", &u)
		if err != nil && !apierr.Is(err, apierr.Invalid) {
			t.Fatalf("error of kind other than Invalid: %v", err)
		}
		if err == nil {
			dec := xml.NewDecoder(strings.NewReader(string(body)))
			for {
				tok, err := dec.Token()
				if err != nil {
					break
				}
				if _, ok := tok.(xml.Directive); ok {
					t.Fatalf("accepted a body with a directive: %q", body)
				}
			}
		}
	})
}
