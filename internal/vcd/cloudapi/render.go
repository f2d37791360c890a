package cloudapi

import (
	"strconv"

	"github.com/cloudgate/cloudgate/internal/session"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// sessionFields is what a Session object shows.
type sessionFields struct {
	id       urn.UUID
	userName string
	userKind string // urn.User or urn.ServiceAccount
	userID   urn.UUID
	orgName  string
	orgID    urn.UUID
	roleName string
	roleID   urn.UUID
	idle     int // minutes; 0 for sessions without an idle timeout
}

func fieldsOf(s *session.Session) sessionFields {
	p := &s.Principal
	f := sessionFields{id: s.ID, userName: p.UserName, userKind: urn.User, userID: p.UserID, orgName: p.OrgName,
		orgID: p.OrgID, roleName: s.RoleName, roleID: s.RoleID, idle: int(s.IdleTimeout.Minutes())}
	if p.ServiceAccount {
		f.userKind = urn.ServiceAccount
	}
	return f
}

// appendSession renders the Session object for version v. Fields appear by
// version: site from 37.0, operatingOrg from 38.1; older clients see the
// 36.x shape. It is hand-written because it runs on every bearer
// validation; render_test.go checks it against encoding/json.
func (a *API) appendSession(b []byte, v vcd.Version, f sessionFields) []byte {
	b = append(b, `{"id":`...)
	b = vcd.AppendURN(b, urn.Session, f.id)
	if v.AtLeast(37, 0) {
		b = append(b, `,"site":`...)
		b = vcd.AppendRef(b, a.env.Site.Name, urn.Site, a.env.Site.ID)
	}
	b = append(b, `,"user":`...)
	b = vcd.AppendRef(b, f.userName, f.userKind, f.userID)
	b = append(b, `,"org":`...)
	b = vcd.AppendRef(b, f.orgName, urn.Org, f.orgID)
	if v.AtLeast(38, 1) {
		b = append(b, `,"operatingOrg":`...)
		b = vcd.AppendRef(b, f.orgName, urn.Org, f.orgID)
	}
	b = append(b, `,"location":"`...)
	b = f.orgID.AppendText(b)
	b = append(b, '@')
	b = a.env.Site.ID.AppendText(b)
	b = append(b, `","roles":[`...)
	if f.roleName != "" {
		b = vcd.AppendJSONString(b, f.roleName)
	}
	b = append(b, `],"roleRefs":[`...)
	if f.roleName != "" {
		b = vcd.AppendRef(b, f.roleName, urn.Role, f.roleID)
	}
	b = append(b, `],"sessionIdleTimeoutMinutes":`...)
	b = strconv.AppendInt(b, int64(f.idle), 10)
	return append(b, '}')
}
