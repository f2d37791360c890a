// Package xmlapi is the Cloud Director XML dialect under /api: versions,
// the legacy login, the Session resource, the org list and orgs, and the
// admin views session-info clients read.
package xmlapi

import "encoding/xml"

const (
	mtSession  = "application/vnd.vmware.vcloud.session+xml"
	mtOrgList  = "application/vnd.vmware.vcloud.orgList+xml"
	mtOrg      = "application/vnd.vmware.vcloud.org+xml"
	mtAdminOrg = "application/vnd.vmware.admin.organization+xml"
	mtVCloud   = "application/vnd.vmware.admin.vcloud+xml"
	mtVersions = "application/vnd.vmware.vcloud.versions+xml"
	mtVdc      = "application/vnd.vmware.vcloud.vdc+xml"
	mtQuery    = "application/vnd.vmware.vcloud.query.queryList+xml"
	mtEntity   = "application/vnd.vmware.vcloud.entity+xml"
)

type link struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
	Name string `xml:"name,attr,omitempty"`
}

type versionInfo struct {
	Deprecated       bool   `xml:"deprecated,attr"`
	Version          string `xml:"Version"`
	LoginURL         string `xml:"LoginUrl"`
	ProviderLoginURL string `xml:"ProviderLoginUrl,omitempty"`
}

type supportedVersions struct {
	XMLName  xml.Name      `xml:"http://www.vmware.com/vcloud/versions SupportedVersions"`
	Versions []versionInfo `xml:"VersionInfo"`
}

type location struct {
	LocationID      string `xml:"LocationId"`
	SiteName        string `xml:"SiteName"`
	OrgName         string `xml:"OrgName"`
	RestAPIEndpoint string `xml:"RestApiEndpoint"`
	UIEndpoint      string `xml:"UIEndpoint"`
	AuthContext     string `xml:"AuthContext"`
}

type sessionXML struct {
	XMLName             xml.Name   `xml:"http://www.vmware.com/vcloud/v1.5 Session"`
	Href                string     `xml:"href,attr"`
	Type                string     `xml:"type,attr"`
	User                string     `xml:"user,attr"`
	Org                 string     `xml:"org,attr"`
	UserID              string     `xml:"userId,attr"`
	Roles               string     `xml:"roles,attr"`
	LocationID          string     `xml:"locationId,attr"`
	Links               []link     `xml:"Link"`
	AuthorizedLocations []location `xml:"AuthorizedLocations>Location"`
}

type orgRef struct {
	Href string `xml:"href,attr"`
	Name string `xml:"name,attr"`
	Type string `xml:"type,attr"`
}

type orgListXML struct {
	XMLName xml.Name `xml:"http://www.vmware.com/vcloud/v1.5 OrgList"`
	Href    string   `xml:"href,attr"`
	Type    string   `xml:"type,attr"`
	Orgs    []orgRef `xml:"Org"`
}

type orgXML struct {
	XMLName     xml.Name `xml:"http://www.vmware.com/vcloud/v1.5 Org"`
	Name        string   `xml:"name,attr"`
	ID          string   `xml:"id,attr"`
	Href        string   `xml:"href,attr"`
	Type        string   `xml:"type,attr"`
	Links       []link   `xml:"Link"`
	Description string   `xml:"Description"`
	FullName    string   `xml:"FullName"`
	IsEnabled   bool     `xml:"IsEnabled"`
}

type vcloudXML struct {
	XMLName     xml.Name `xml:"http://www.vmware.com/vcloud/v1.5 VCloud"`
	Href        string   `xml:"href,attr"`
	Type        string   `xml:"type,attr"`
	Name        string   `xml:"name,attr"`
	Links       []link   `xml:"Link"`
	Description string   `xml:"Description"`
}
