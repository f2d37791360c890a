package xmlapi

import (
	"encoding/xml"
	"net/http"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// roleXML is the admin Role document the RoleReference hrefs of an
// AdminOrg and a User lead to: the role and the names of its rights.
type roleXML struct {
	XMLName     xml.Name   `xml:"http://www.vmware.com/vcloud/v1.5 Role"`
	Name        string     `xml:"name,attr"`
	ID          string     `xml:"id,attr"`
	Href        string     `xml:"href,attr"`
	Type        string     `xml:"type,attr"`
	Description string     `xml:"Description"`
	Rights      []rightRef `xml:"RightReferences>RightReference"`
}

// rightRef names a right; rights have no /api resource of their own (the
// catalog is GET /cloudapi/1.0.0/rights).
type rightRef struct {
	Name string `xml:"name,attr"`
	Type string `xml:"type,attr"`
}

// role serves GET /api/admin/role/{id}: the caller's own role, or any
// role for holders of "Role: View" (authz.ReadRoles).
func (a *API) role(c *vcd.Call) error {
	id, err := pathID(c, urn.Role)
	if err != nil {
		return err
	}
	notFound := apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", id.URN(urn.Role))
	if id != c.Session.RoleID && c.Session.Principal.ReadRoles() != nil {
		return notFound
	}
	r, err := a.env.Directory.Role(c.R.Context(), id)
	if apierr.Is(err, apierr.NotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	out := roleXML{Name: r.Name, ID: r.ID.URN(urn.Role), Href: a.env.Base(c.R) + "/api/admin/role/" + r.ID.String(),
		Type: mtRole, Description: r.Description}
	for _, name := range r.Rights {
		if rt, ok := identity.LookupRight(name); ok {
			out.Rights = append(out.Rights, rightRef{Name: rt.Name, Type: "application/vnd.vmware.admin.right+xml"})
		}
	}
	vcd.WriteXML(c.W, http.StatusOK, mtRole, &c.Version, out)
	return nil
}
