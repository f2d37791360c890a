package xmlapi

import (
	"net/http"
	"path"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// Users under /api/admin: read, create in an org, update (which is also
// how govcd disables, enables, unlocks, renames and changes a password),
// delete. Rights: authz (Principal.ReadUsers, ManageUsers).

// userTarget returns the person of the path if the caller may read the
// users of its org; a service account, another org's user and a missing
// one answer the same 403.
func (a *API) userTarget(c *vcd.Call) (identity.UserDetails, error) {
	id, err := pathID(c, urn.User)
	if err != nil {
		return identity.UserDetails{}, err
	}
	notFound := apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", id.URN(urn.User))
	u, err := a.env.Directory.Details(c.R.Context(), id)
	if apierr.Is(err, apierr.NotFound) {
		return u, notFound
	}
	if err != nil {
		return u, err
	}
	if err := c.Session.Principal.ReadUsers(u.Org.ID); err != nil {
		if apierr.Is(err, apierr.NotFound) {
			return u, notFound
		}
		return u, err
	}
	return u, nil
}

func (a *API) getUser(c *vcd.Call) error {
	u, err := a.userTarget(c)
	if err != nil {
		return err
	}
	vcd.WriteXML(c.W, http.StatusOK, mtAdminUser, &c.Version, a.userDoc(c, u))
	return nil
}

func (a *API) userDoc(c *vcd.Call, u identity.UserDetails) userXML {
	base := a.env.Base(c.R)
	href := base + "/api/admin/user/" + u.User.ID.String()
	out := userXML{Name: u.User.Name, ID: u.User.ID.URN(urn.User), Href: href, Type: mtAdminUser,
		Links:       []link{{Rel: "up", Href: base + "/api/admin/org/" + u.Org.ID.String(), Type: mtAdminOrg}},
		Description: u.Profile.Description, FullName: u.User.FullName, EmailAddress: u.Profile.Email,
		Telephone: u.Profile.Telephone, IsEnabled: u.User.Enabled, IsLocked: u.Locked, IM: u.Profile.IM,
		NameInSource: u.User.Name, ProviderType: "INTEGRATED", Role: roleRef(base, u.Role)}
	if c.Session.Principal.ManageUsers(u.Org.ID) == nil {
		out.Links = append(out.Links, link{Rel: "edit", Href: href, Type: mtAdminUser}, link{Rel: "remove", Href: href})
	}
	return out
}

// userInput checks a User body and turns it into the domain's input.
// Only local (INTEGRATED) users exist in cloudgate. The role is named by
// its href (govcd sends the RoleReference it found in the AdminOrg) or id.
func userInput(in userIn) (identity.UserInput, error) {
	if in.IsExternal || (in.ProviderType != "" && in.ProviderType != "INTEGRATED") {
		return identity.UserInput{}, apierr.New(apierr.Invalid, "only local users (ProviderType INTEGRATED) can be created; cloudgate has no external identity provider")
	}
	out := identity.UserInput{Name: in.Name, FullName: in.FullName, Enabled: in.IsEnabled, Password: in.Password,
		Unlock:  !in.IsLocked,
		Profile: store.UserProfile{Email: in.EmailAddress, Telephone: in.Telephone, Description: in.Description, IM: in.IM}}
	if in.Role != nil && (in.Role.Href != "" || in.Role.ID != "") {
		id, err := roleID(*in.Role)
		if err != nil {
			return out, err
		}
		out.RoleID = id
	}
	return out, nil
}

func roleID(r ref) (urn.UUID, error) {
	if r.ID != "" {
		if id, err := urn.ParseEither(r.ID, urn.Role); err == nil {
			return id, nil
		}
	} else if strings.Contains(r.Href, "/role/") {
		if id, err := urn.ParseEither(path.Base(strings.TrimRight(r.Href, "/")), urn.Role); err == nil {
			return id, nil
		}
	}
	return urn.UUID{}, apierr.New(apierr.Invalid, "the Role reference does not name a role: give the href of a RoleReference of the organization")
}

// createUser serves POST /api/admin/org/{id}/users: 201 with the User.
func (a *API) createUser(c *vcd.Call) error {
	orgID, err := pathID(c, urn.Org)
	if err != nil {
		return err
	}
	if err := c.Session.Principal.ManageUsers(orgID); err != nil {
		return err
	}
	var body userIn
	if err := vcd.ReadXML(c.R, vcd.MaxXMLBody, vcd.NamespaceVCloud, "User", &body); err != nil {
		return err
	}
	in, err := userInput(body)
	if err != nil {
		return err
	}
	if in.RoleID.IsZero() {
		return apierr.New(apierr.Invalid, "a new user needs a Role")
	}
	u, err := a.env.Directory.AddUser(c.R.Context(), vcd.Actor(c), orgID, in)
	if err != nil {
		return err
	}
	return a.writeUser(c, http.StatusCreated, u.ID)
}

// writeUser answers with the User document of id as stored now.
func (a *API) writeUser(c *vcd.Call, status int, id urn.UUID) error {
	d, err := a.env.Directory.Details(c.R.Context(), id)
	if err != nil {
		return err
	}
	vcd.WriteXML(c.W, status, mtAdminUser, &c.Version, a.userDoc(c, d))
	return nil
}

// updateUser serves PUT /api/admin/user/{id}: the whole User as the
// client last read it, with its changes. Password set: a new password
// (ends the user's sessions); IsLocked false: unlock.
func (a *API) updateUser(c *vcd.Call) error {
	cur, err := a.userTarget(c)
	if err != nil {
		return err
	}
	if err := c.Session.Principal.ManageUsers(cur.Org.ID); err != nil {
		return err
	}
	var body userIn
	if err := vcd.ReadXML(c.R, vcd.MaxXMLBody, vcd.NamespaceVCloud, "User", &body); err != nil {
		return err
	}
	in, err := userInput(body)
	if err != nil {
		return err
	}
	if in.Name == "" {
		in.Name = cur.User.Name
	}
	if _, err := a.env.Directory.ChangeUser(c.R.Context(), vcd.Actor(c), cur.User.ID, in); err != nil {
		return err
	}
	return a.writeUser(c, http.StatusOK, cur.User.ID)
}

// deleteUser serves DELETE /api/admin/user/{id}: 204.
func (a *API) deleteUser(c *vcd.Call) error {
	cur, err := a.userTarget(c)
	if err != nil {
		return err
	}
	if err := c.Session.Principal.ManageUsers(cur.Org.ID); err != nil {
		return err
	}
	if err := a.env.Directory.RemoveUser(c.R.Context(), vcd.Actor(c), cur.User.ID); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}
