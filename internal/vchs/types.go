package vchs

import "encoding/xml"

// Namespace and media types of the vCloud Air (vCHS) API 5.6. Clients
// match links on rel and type, so the type strings are exact.
const (
	Version = "5.6"
	ns      = "http://www.vmware.com/vchs/v5.6"

	mtSession       = "application/xml;class=vnd.vmware.vchs.session"
	mtServiceList   = "application/xml;class=vnd.vmware.vchs.servicelist"
	mtCompute       = "application/xml;class=vnd.vmware.vchs.compute"
	mtVdcRef        = "application/xml;class=vnd.vmware.vchs.vdcref"
	mtVCloudSession = "application/xml;class=vnd.vmware.vchs.vcloudsession"
	mtError         = "application/xml;class=vnd.vmware.vchs.error"
	// mtCloudVdc is the Cloud Director media type of the hand-off target.
	mtCloudVdc = "application/vnd.vmware.vcloud.vdc+xml"
)

type linkXML struct {
	Href string `xml:"href,attr"`
	Name string `xml:"name,attr,omitempty"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type sessionXML struct {
	XMLName xml.Name  `xml:"http://www.vmware.com/vchs/v5.6 Session"`
	Href    string    `xml:"href,attr"`
	Type    string    `xml:"type,attr"`
	Links   []linkXML `xml:"Link"`
}

type serviceXML struct {
	Href        string `xml:"href,attr"`
	Region      string `xml:"region,attr"`
	ServiceID   string `xml:"serviceId,attr"`
	ServiceType string `xml:"serviceType,attr"`
	Type        string `xml:"type,attr"`
}

type servicesXML struct {
	XMLName  xml.Name     `xml:"http://www.vmware.com/vchs/v5.6 Services"`
	Href     string       `xml:"href,attr"`
	Type     string       `xml:"type,attr"`
	Services []serviceXML `xml:"Service"`
}

// vdcRefXML is a VdcRef inside a Compute (in the parent's namespace).
type vdcRefXML struct {
	Href   string    `xml:"href,attr"`
	Name   string    `xml:"name,attr"`
	Status string    `xml:"status,attr"`
	Type   string    `xml:"type,attr"`
	Links  []linkXML `xml:"Link"`
}

// vdcRefDocXML is a VdcRef as a document of its own.
type vdcRefDocXML struct {
	XMLName xml.Name `xml:"http://www.vmware.com/vchs/v5.6 VdcRef"`
	vdcRefXML
}

type computeXML struct {
	XMLName     xml.Name    `xml:"http://www.vmware.com/vchs/v5.6 Compute"`
	Href        string      `xml:"href,attr"`
	ServiceID   string      `xml:"serviceId,attr"`
	ServiceType string      `xml:"serviceType,attr"`
	Type        string      `xml:"type,attr"`
	Links       []linkXML   `xml:"Link"`
	VdcRefs     []vdcRefXML `xml:"VdcRef"`
}

// vdcLinkXML carries the Cloud Director session of the hand-off: the
// client sends authorizationToken in the authorizationHeader header to
// href.
type vdcLinkXML struct {
	AuthorizationHeader string `xml:"authorizationHeader,attr"`
	AuthorizationToken  string `xml:"authorizationToken,attr"`
	Href                string `xml:"href,attr"`
	Name                string `xml:"name,attr"`
	Rel                 string `xml:"rel,attr"`
	Type                string `xml:"type,attr"`
}

type vcloudSessionXML struct {
	XMLName xml.Name   `xml:"http://www.vmware.com/vchs/v5.6 VCloudSession"`
	Href    string     `xml:"href,attr"`
	Name    string     `xml:"name,attr"`
	Type    string     `xml:"type,attr"`
	Links   []linkXML  `xml:"Link"`
	VdcLink vdcLinkXML `xml:"VdcLink"`
}

// errorXML is the vCHS Error (ErrorType: message, majorErrorCode,
// minorErrorCode), in the vCHS namespace.
type errorXML struct {
	XMLName        xml.Name `xml:"http://www.vmware.com/vchs/v5.6 Error"`
	MajorErrorCode int      `xml:"majorErrorCode,attr"`
	MinorErrorCode string   `xml:"minorErrorCode,attr"`
	Message        string   `xml:"message,attr"`
}
