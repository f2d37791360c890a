package xmlapi

import (
	"encoding/xml"
	"net/http"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// vdcXML is the Vdc document the vCloud Air hand-off leads to. Only what
// its clients read is there: pyvcloud takes the org name from @name,
// govcloudair decodes types.Vdc and follows the link up to the org.
type vdcXML struct {
	XMLName   xml.Name `xml:"http://www.vmware.com/vcloud/v1.5 Vdc"`
	Name      string   `xml:"name,attr"`
	ID        string   `xml:"id,attr"`
	Href      string   `xml:"href,attr"`
	Type      string   `xml:"type,attr"`
	Status    int      `xml:"status,attr"`
	Links     []link   `xml:"Link"`
	IsEnabled bool     `xml:"IsEnabled"`
}

// vdc serves GET /api/vdc/{id} (a UUID or urn:vcloud:vdc:UUID): a virtual
// datacenter of an org the caller may act in, for a caller holding
// "Organization vDC: View". A missing VDC and another org's answer the same
// 403, as every Cloud Director GET by id does.
func (a *API) vdc(c *vcd.Call) error {
	p := &c.Session.Principal
	if err := p.Require(identity.RightVdcView); err != nil {
		return err
	}
	raw := c.R.PathValue("id")
	notFound := apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", raw)
	id, err := urn.ParseEither(raw, urn.Vdc)
	if err != nil {
		return notFound
	}
	v, err := a.env.Directory.VDC(c.R.Context(), id)
	if apierr.Is(err, apierr.NotFound) || (err == nil && !p.InOrg(v.OrgID)) {
		return notFound
	}
	if err != nil {
		return err
	}
	base := a.env.Base(c.R)
	vcd.WriteXML(c.W, http.StatusOK, mtVdc, &c.Version, vdcXML{Name: v.Name, ID: v.ID.URN(urn.Vdc),
		Href: base + "/api/vdc/" + v.ID.String(), Type: mtVdc, Status: 1, IsEnabled: true,
		Links: []link{{Rel: "up", Href: base + "/api/org/" + v.OrgID.String(), Type: mtOrg}}})
	return nil
}

// orgLinks are the links of an Org document: one per virtual datacenter of
// the org (rel="down", the Vdc media type), where pyvcloud and govcd look
// for them, shown only to callers who may read VDCs (GET /api/vdc refuses
// the others). A store failure leaves the links out (the rest of the
// document is still right) and is logged.
func (a *API) orgLinks(c *vcd.Call, o store.Org) []link {
	if !c.Session.Principal.Can(identity.RightVdcView) {
		return nil
	}
	svcs, err := a.env.Directory.Services(c.R.Context(), o.ID)
	if err != nil {
		if a.env.Log != nil {
			a.env.Log.Warn("reading the org's virtual datacenters failed; Org document sent without them", "org", o.Name, "err", err)
		}
		return nil
	}
	base := a.env.Base(c.R)
	var out []link
	for _, s := range svcs {
		for _, v := range s.VDCs {
			out = append(out, link{Rel: "down", Href: base + "/api/vdc/" + v.ID.String(), Type: mtVdc, Name: v.Name})
		}
	}
	return out
}
