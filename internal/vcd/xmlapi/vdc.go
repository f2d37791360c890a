package xmlapi

import (
	"context"
	"encoding/xml"
	"log/slog"
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

// VdcLinks returns the vcd.Env.OrgLinks hook that links an Org document to
// the org's virtual datacenters (rel="down", the Vdc media type), where
// pyvcloud and govcd look for them. A store failure leaves the links out
// (the rest of the document is still right) and is logged.
func VdcLinks(dir *identity.Directory, log *slog.Logger) func(ctx context.Context, base string, o store.Org) []vcd.Link {
	return func(ctx context.Context, base string, o store.Org) []vcd.Link {
		svcs, err := dir.Services(ctx, o.ID)
		if err != nil {
			if log != nil {
				log.Warn("reading the org's virtual datacenters failed; Org document sent without them", "org", o.Name, "err", err)
			}
			return nil
		}
		var out []vcd.Link
		for _, s := range svcs {
			for _, v := range s.VDCs {
				out = append(out, vcd.Link{Rel: "down", Href: base + "/api/vdc/" + v.ID.String(), Type: mtVdc, Name: v.Name})
			}
		}
		return out
	}
}
