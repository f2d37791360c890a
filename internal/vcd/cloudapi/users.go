package cloudapi

import (
	"net/http"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// userJSON is Cloud Director's OpenAPI User (read-only here: users are
// created and changed through /api/admin, as govcd v3.1.1 does).
type userJSON struct {
	ID                      string `json:"id"`
	Username                string `json:"username"`
	FullName                string `json:"fullName"`
	Description             string `json:"description"`
	Email                   string `json:"email"`
	Phone                   string `json:"phone"`
	Enabled                 bool   `json:"enabled"`
	Locked                  bool   `json:"locked"`
	RoleEntityRefs          []Ref  `json:"roleEntityRefs"`
	EffectiveRoleEntityRefs []Ref  `json:"effectiveRoleEntityRefs"`
	OrgEntityRef            Ref    `json:"orgEntityRef"`
	NameInSource            string `json:"nameInSource"`
	ProviderType            string `json:"providerType"`
	IsGroupRole             bool   `json:"isGroupRole"`
	InheritGroupRoles       bool   `json:"inheritGroupRoles"`
	Stranded                bool   `json:"stranded"`
}

func userSchema() fiql.Schema {
	return fiql.Schema{
		"id":                  {Type: fiql.String},
		"username":            {Type: fiql.String},
		"fullName":            {Type: fiql.String},
		"email":               {Type: fiql.String},
		"enabled":             {Type: fiql.Enum, Values: boolValues},
		"locked":              {Type: fiql.Enum, Values: boolValues},
		"orgEntityRef.id":     {Type: fiql.String},
		"orgEntityRef.name":   {Type: fiql.String, CaseInsensitive: true},
		"roleEntityRefs.name": {Type: fiql.String},
	}
}

func userField(u userJSON, sel string) any {
	switch sel {
	case "id":
		return u.ID
	case "username":
		return u.Username
	case "fullName":
		return u.FullName
	case "email":
		return u.Email
	case "enabled":
		return boolText(u.Enabled)
	case "locked":
		return boolText(u.Locked)
	case "orgEntityRef.id":
		return u.OrgEntityRef.ID
	case "orgEntityRef.name":
		return u.OrgEntityRef.Name
	case "roleEntityRefs.name":
		if len(u.RoleEntityRefs) > 0 {
			return u.RoleEntityRefs[0].Name
		}
	}
	return nil
}

func userBody(d identity.UserDetails) userJSON {
	role := []Ref{{Name: d.Role.Name, ID: d.Role.ID.URN(urn.Role)}}
	return userJSON{ID: d.User.ID.URN(urn.User), Username: d.User.Name, FullName: d.User.FullName,
		Description: d.Profile.Description, Email: d.Profile.Email, Phone: d.Profile.Telephone,
		Enabled: d.User.Enabled, Locked: d.Locked, RoleEntityRefs: role, EffectiveRoleEntityRefs: role,
		OrgEntityRef: Ref{Name: d.Org.Name, ID: d.Org.ID.URN(urn.Org)}, NameInSource: d.User.Name, ProviderType: "LOCAL"}
}

// listUsers serves GET /users: the people of the caller's org, or of
// every org for a System administrator (narrowed by a tenant context),
// for holders of "Group / User: View". Service accounts are listed under
// /serviceAccounts.
func (a *API) listUsers(c *vcd.Call) error {
	schema := userSchema()
	lq, err := vcd.ParseList(c.R, schema, 25)
	if err != nil {
		return err
	}
	orgs, err := a.visibleOrgs(c)
	if err != nil {
		return err
	}
	ctx := c.R.Context()
	dir := a.env.Directory
	roles, err := dir.Roles(ctx)
	if err != nil {
		return err
	}
	roleByID := make(map[urn.UUID]store.Role, len(roles))
	for _, r := range roles {
		roleByID[r.ID] = r
	}
	var bodies []userJSON
	for _, o := range orgs {
		if err := c.Session.Principal.ReadUsers(o.ID); err != nil {
			if len(orgs) == 1 {
				return err
			}
			continue
		}
		users, err := dir.UsersOf(ctx, o.ID)
		if err != nil {
			return err
		}
		profiles, err := dir.Profiles(ctx, o.ID)
		if err != nil {
			return err
		}
		for _, u := range users {
			bodies = append(bodies, userBody(identity.UserDetails{Account: identity.Account{User: u, Org: o, Role: roleByID[u.RoleID]},
				Profile: profiles[u.ID], Locked: dir.Locked(u, o)}))
		}
	}
	pageOf(c, a.env.Base(c.R), "Users", lq, schema, bodies, "username", userField)
	return nil
}

// getUserJSON serves GET /users/{id}.
func (a *API) getUserJSON(c *vcd.Call) error {
	raw := c.R.PathValue("id")
	notFound := apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", printableID(raw))
	id, err := urn.ParseEither(raw, urn.User)
	if err != nil {
		return notFound
	}
	d, err := a.env.Directory.Details(c.R.Context(), id)
	if apierr.Is(err, apierr.NotFound) || (err == nil && c.Session.Principal.ReadUsers(d.Org.ID) != nil) {
		return notFound
	}
	if err != nil {
		return err
	}
	vcd.WriteJSON(c.W, http.StatusOK, &c.Version, userBody(d))
	return nil
}
