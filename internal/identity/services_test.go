package identity

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cloudgate/cloudgate/internal/apierr"
)

func TestServiceSpecNormalize(t *testing.T) {
	many := make([]string, MaxVDCsPerService+1)
	for i := range many {
		many[i] = fmt.Sprintf("v%d", i)
	}
	for _, tc := range []struct {
		spec ServiceSpec
		want string // "name|region|type|vdc,vdc" or "" for Invalid
	}{
		{ServiceSpec{Name: "acme"}, "acme|default|compute:vpc|acme"},
		{ServiceSpec{Name: "CI123456-789", Region: "US - Las Vegas", Type: "compute:dedicatedcloud", VDCs: []string{"VDC12345-6789", "b"}},
			"CI123456-789|US - Las Vegas|compute:dedicatedcloud|VDC12345-6789,b"},
		{ServiceSpec{Name: "x", Region: "Zürich"}, "x|Zürich|compute:vpc|x"},
		{ServiceSpec{Name: ""}, ""},
		{ServiceSpec{Name: "has space"}, ""},
		{ServiceSpec{Name: "-lead"}, ""},
		{ServiceSpec{Name: strings.Repeat("a", 129)}, ""},
		{ServiceSpec{Name: "x", Region: " padded"}, ""},
		{ServiceSpec{Name: "x", Region: "tab\there"}, ""},
		{ServiceSpec{Name: "x", Region: strings.Repeat("r", 129)}, ""},
		{ServiceSpec{Name: "x", Type: "storage"}, ""},
		{ServiceSpec{Name: "x", Type: "compute:"}, ""},
		{ServiceSpec{Name: "x", Type: "compute:VPC"}, ""},
		{ServiceSpec{Name: "x", VDCs: []string{"a", "A"}}, ""},
		{ServiceSpec{Name: "x", VDCs: []string{"ok", "not ok"}}, ""},
		{ServiceSpec{Name: "x", VDCs: many}, ""},
		{ServiceSpec{Name: "x", VDCs: many[:MaxVDCsPerService]}, "x|default|compute:vpc|" + strings.Join(many[:MaxVDCsPerService], ",")},
	} {
		got, err := tc.spec.normalize()
		if tc.want == "" {
			if !apierr.Is(err, apierr.Invalid) {
				t.Errorf("%+v: %v, want Invalid", tc.spec, err)
			}
			continue
		}
		s := got.Name + "|" + got.Region + "|" + got.Type + "|" + strings.Join(got.VDCs, ",")
		if err != nil || s != tc.want {
			t.Errorf("%+v: %q %v, want %q", tc.spec, s, err, tc.want)
		}
	}
	// nil is the default service; two services may not share a name.
	if specs, err := normalizeAll("acme", nil); err != nil || len(specs) != 1 || specs[0].Name != "acme" {
		t.Errorf("default: %+v %v", specs, err)
	}
	if specs, err := normalizeAll("acme", []ServiceSpec{}); err != nil || len(specs) != 0 {
		t.Errorf("none: %+v %v", specs, err)
	}
	if _, err := normalizeAll("acme", []ServiceSpec{{Name: "a"}, {Name: "A"}}); !apierr.Is(err, apierr.Invalid) {
		t.Errorf("duplicate services: %v", err)
	}
}
