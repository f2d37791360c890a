package xmlapi

import "encoding/xml"

// The admin documents govcd's AdminOrg, OrgUser and Task read and write
// (types.AdminOrg, types.User, types.Task of go-vcloud-director v3.1.1).
// Elements appear in Cloud Director's order.

const (
	mtAdminUser   = "application/vnd.vmware.admin.user+xml"
	mtRole        = "application/vnd.vmware.admin.role+xml"
	mtTask        = "application/vnd.vmware.vcloud.task+xml"
	mtMetadata    = "application/vnd.vmware.vcloud.metadata+xml"
	mtOrgSettings = "application/vnd.vmware.admin.orgSettings+xml"
	mtGeneral     = "application/vnd.vmware.admin.organizationGeneralSettings+xml"
	mtVAppLease   = "application/vnd.vmware.admin.vAppLeaseSettings+xml"
	mtTmplLease   = "application/vnd.vmware.admin.vAppTemplateLeaseSettings+xml"
	mtPwdPolicy   = "application/vnd.vmware.admin.organizationPasswordPolicySettings+xml"
	nsXSI         = "http://www.w3.org/2001/XMLSchema-instance"
)

// ref is a Reference (href, id, type, name).
type ref struct {
	Href string `xml:"href,attr"`
	ID   string `xml:"id,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Name string `xml:"name,attr,omitempty"`
}

type generalXML struct {
	Href                     string `xml:"href,attr,omitempty"`
	Type                     string `xml:"type,attr,omitempty"`
	CanPublishCatalogs       bool   `xml:"CanPublishCatalogs"`
	CanPublishExternally     bool   `xml:"CanPublishExternally"`
	CanSubscribe             bool   `xml:"CanSubscribe"`
	DeployedVMQuota          int    `xml:"DeployedVMQuota"`
	StoredVMQuota            int    `xml:"StoredVmQuota"`
	UseServerBootSequence    bool   `xml:"UseServerBootSequence"`
	DelayAfterPowerOnSeconds int    `xml:"DelayAfterPowerOnSeconds"`
}

// vAppLeaseXML has pointer fields so that a request can leave one out
// (govcd's own type does); answers always carry every field.
type vAppLeaseXML struct {
	Href                             string `xml:"href,attr,omitempty"`
	Type                             string `xml:"type,attr,omitempty"`
	DeleteOnStorageLeaseExpiration   *bool  `xml:"DeleteOnStorageLeaseExpiration"`
	DeploymentLeaseSeconds           *int   `xml:"DeploymentLeaseSeconds"`
	StorageLeaseSeconds              *int   `xml:"StorageLeaseSeconds"`
	PowerOffOnRuntimeLeaseExpiration *bool  `xml:"PowerOffOnRuntimeLeaseExpiration"`
}

type templateLeaseXML struct {
	Href                           string `xml:"href,attr,omitempty"`
	Type                           string `xml:"type,attr,omitempty"`
	DeleteOnStorageLeaseExpiration *bool  `xml:"DeleteOnStorageLeaseExpiration"`
	StorageLeaseSeconds            *int   `xml:"StorageLeaseSeconds"`
}

type passwordPolicyXML struct {
	Href                          string `xml:"href,attr,omitempty"`
	Type                          string `xml:"type,attr,omitempty"`
	AccountLockoutEnabled         bool   `xml:"AccountLockoutEnabled"`
	InvalidLoginsBeforeLockout    int    `xml:"InvalidLoginsBeforeLockout"`
	AccountLockoutIntervalMinutes int    `xml:"AccountLockoutIntervalMinutes"`
}

type settingsXML struct {
	Href           string             `xml:"href,attr,omitempty"`
	Type           string             `xml:"type,attr,omitempty"`
	General        *generalXML        `xml:"OrgGeneralSettings"`
	VAppLease      *vAppLeaseXML      `xml:"VAppLeaseSettings"`
	TemplateLease  *templateLeaseXML  `xml:"VAppTemplateLeaseSettings"`
	PasswordPolicy *passwordPolicyXML `xml:"OrgPasswordPolicySettings"`
}

// list elements are always present, empty or not: govcd ranges over
// AdminOrg.Vdcs.Vdcs, .Catalogs.Catalog and .Networks.Networks without a
// nil check.
type userRefs struct {
	Users []ref `xml:"UserReference"`
}
type groupRefs struct {
	Groups []ref `xml:"GroupReference"`
}
type catalogRefs struct {
	Catalogs []ref `xml:"CatalogReference"`
}
type vdcRefs struct {
	Vdcs []ref `xml:"Vdc"`
}
type networkRefs struct {
	Networks []ref `xml:"Network"`
}
type roleRefs struct {
	Roles []ref `xml:"RoleReference"`
}

type adminOrgXML struct {
	XMLName        xml.Name    `xml:"http://www.vmware.com/vcloud/v1.5 AdminOrg"`
	Name           string      `xml:"name,attr"`
	ID             string      `xml:"id,attr"`
	Href           string      `xml:"href,attr"`
	Type           string      `xml:"type,attr"`
	Links          []link      `xml:"Link"`
	Description    string      `xml:"Description"`
	FullName       string      `xml:"FullName"`
	IsEnabled      bool        `xml:"IsEnabled"`
	Users          userRefs    `xml:"Users"`
	Groups         groupRefs   `xml:"Groups"`
	Catalogs       catalogRefs `xml:"Catalogs"`
	Settings       settingsXML `xml:"Settings"`
	Vdcs           vdcRefs     `xml:"Vdcs"`
	Networks       networkRefs `xml:"Networks"`
	RoleReferences roleRefs    `xml:"RoleReferences"`
}

// adminOrgIn is an AdminOrg request body (create, update). Pointers tell
// an absent element from an empty one.
type adminOrgIn struct {
	Name        string       `xml:"name,attr"`
	Description string       `xml:"Description"`
	FullName    string       `xml:"FullName"`
	IsEnabled   bool         `xml:"IsEnabled"`
	Settings    *settingsXML `xml:"Settings"`
}

type userXML struct {
	XMLName         xml.Name  `xml:"http://www.vmware.com/vcloud/v1.5 User"`
	Name            string    `xml:"name,attr"`
	ID              string    `xml:"id,attr"`
	Href            string    `xml:"href,attr"`
	Type            string    `xml:"type,attr"`
	Links           []link    `xml:"Link"`
	Description     string    `xml:"Description,omitempty"`
	FullName        string    `xml:"FullName"`
	EmailAddress    string    `xml:"EmailAddress"`
	Telephone       string    `xml:"Telephone"`
	IsEnabled       bool      `xml:"IsEnabled"`
	IsLocked        bool      `xml:"IsLocked"`
	IM              string    `xml:"IM"`
	NameInSource    string    `xml:"NameInSource"`
	IsExternal      bool      `xml:"IsExternal"`
	ProviderType    string    `xml:"ProviderType"`
	IsGroupRole     bool      `xml:"IsGroupRole"`
	StoredVMQuota   int       `xml:"StoredVmQuota"`
	DeployedVMQuota int       `xml:"DeployedVmQuota"`
	Role            ref       `xml:"Role"`
	GroupReferences groupRefs `xml:"GroupReferences"`
}

// userIn is a User request body (create, update).
type userIn struct {
	Name         string `xml:"name,attr"`
	Description  string `xml:"Description"`
	FullName     string `xml:"FullName"`
	EmailAddress string `xml:"EmailAddress"`
	Telephone    string `xml:"Telephone"`
	IsEnabled    bool   `xml:"IsEnabled"`
	IsLocked     bool   `xml:"IsLocked"`
	IM           string `xml:"IM"`
	IsExternal   bool   `xml:"IsExternal"`
	ProviderType string `xml:"ProviderType"`
	Role         *ref   `xml:"Role"`
	Password     string `xml:"Password"`
}

type taskXML struct {
	XMLName       xml.Name `xml:"http://www.vmware.com/vcloud/v1.5 Task"`
	Name          string   `xml:"name,attr"`
	ID            string   `xml:"id,attr"`
	Href          string   `xml:"href,attr"`
	Type          string   `xml:"type,attr"`
	Status        string   `xml:"status,attr"`
	Operation     string   `xml:"operation,attr"`
	OperationName string   `xml:"operationName,attr"`
	StartTime     string   `xml:"startTime,attr"`
	EndTime       string   `xml:"endTime,attr"`
	ExpiryTime    string   `xml:"expiryTime,attr"`
	Owner         ref      `xml:"Owner"`
	User          ref      `xml:"User"`
	Organization  ref      `xml:"Organization"`
	Progress      int      `xml:"Progress"`
}

type metadataXML struct {
	XMLName xml.Name `xml:"http://www.vmware.com/vcloud/v1.5 Metadata"`
	XSI     string   `xml:"xmlns:xsi,attr"`
	Href    string   `xml:"href,attr"`
	Type    string   `xml:"type,attr"`
	Links   []link   `xml:"Link"`
}
