package xmlapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/identity"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
	"github.com/cloudgate/cloudgate/internal/vcd"
)

// Org administration under /api/admin: the AdminOrg document, its
// metadata, and (System administrators only) org create, update, enable,
// disable and delete. Rights are decided by authz (Principal.ReadOrg,
// ManageOrgs, ReadUsers); see docs/identity-api.md for what is stored.

// mountAdmin registers the admin routes of orgs, users and tasks.
func (a *API) mountAdmin(mux *http.ServeMux, x func(bool, vcd.HandlerFunc) http.Handler) {
	env := a.env
	env.Route(mux, vcd.XML, "/api/admin/orgs", map[string]http.Handler{http.MethodPost: x(true, a.createOrg)})
	env.Route(mux, vcd.XML, "/api/admin/org/{id}", map[string]http.Handler{
		http.MethodGet: x(true, a.adminOrg), http.MethodPut: x(true, a.updateOrg), http.MethodDelete: x(true, a.deleteOrg)})
	meta := map[string]http.Handler{http.MethodGet: x(true, a.orgMetadata)}
	env.Route(mux, vcd.XML, "/api/admin/org/{id}/metadata", meta)
	env.Route(mux, vcd.XML, "/api/admin/org/{id}/metadata/{$}", meta)
	env.Route(mux, vcd.XML, "/api/admin/org/{id}/action/enable", map[string]http.Handler{http.MethodPost: x(true, a.enableOrg(true))})
	env.Route(mux, vcd.XML, "/api/admin/org/{id}/action/disable", map[string]http.Handler{http.MethodPost: x(true, a.enableOrg(false))})
	env.Route(mux, vcd.XML, "/api/admin/org/{id}/users", map[string]http.Handler{http.MethodPost: x(true, a.createUser)})
	env.Route(mux, vcd.XML, "/api/admin/user/{id}", map[string]http.Handler{
		http.MethodGet: x(true, a.getUser), http.MethodPut: x(true, a.updateUser), http.MethodDelete: x(true, a.deleteUser)})
	env.Route(mux, vcd.XML, "/api/admin/role/{id}", map[string]http.Handler{http.MethodGet: x(true, a.role)})
	env.Route(mux, vcd.XML, "/api/task/{id}", map[string]http.Handler{http.MethodGet: x(true, a.task)})
}

// pathID parses the {id} path value as a UUID or URN of kind; anything
// else names nothing (403, as a missing object).
func pathID(c *vcd.Call, kind string) (urn.UUID, error) {
	raw := c.R.PathValue("id")
	id, err := urn.ParseEither(raw, kind)
	if err != nil {
		return id, apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", printable(raw))
	}
	return id, nil
}

// printable keeps a client-supplied id out of error messages unless it is
// short and plain.
func printable(s string) string {
	if len(s) > 80 || strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
		return "(the requested id)"
	}
	return s
}

// adminOrgTarget returns the org of the path if the caller may read its
// admin view.
func (a *API) adminOrgTarget(c *vcd.Call) (store.Org, error) {
	id, err := pathID(c, urn.Org)
	if err != nil {
		return store.Org{}, err
	}
	if err := c.Session.Principal.ReadOrg(id, true); err != nil {
		return store.Org{}, err
	}
	return a.env.Directory.OrgByID(c.R.Context(), id)
}

func (a *API) adminOrg(c *vcd.Call) error {
	o, err := a.adminOrgTarget(c)
	if err != nil {
		return err
	}
	return a.writeAdminOrg(c, http.StatusOK, o)
}

// writeAdminOrg renders the complete AdminOrg: users (for callers who may
// read them), roles that may be held in the org, settings, and the empty
// lists of what cloudgate does not have (groups, catalogs, networks, and
// Cloud Director VDCs: the vCloud Air dialect's VDCs are linked from the
// Org document, not administered here).
func (a *API) writeAdminOrg(c *vcd.Call, status int, o store.Org) error {
	ctx := c.R.Context()
	dir := a.env.Directory
	settings, err := dir.OrgSettings(ctx, o.ID)
	if err != nil {
		return err
	}
	base := a.env.Base(c.R)
	href := base + "/api/admin/org/" + o.ID.String()
	out := adminOrgXML{Name: o.Name, ID: o.ID.URN(urn.Org), Href: href, Type: mtAdminOrg,
		Description: o.Description, FullName: o.FullName, IsEnabled: o.Enabled,
		Links: []link{
			{Rel: "alternate", Href: base + "/api/org/" + o.ID.String(), Type: mtOrg},
			{Rel: "down", Href: href + "/metadata", Type: mtMetadata},
		},
		Settings: settingsOf(href, o, settings)}
	p := &c.Session.Principal
	if p.ManageUsers(o.ID) == nil {
		out.Links = append(out.Links, link{Rel: "add", Href: href + "/users", Type: mtAdminUser})
	}
	if p.ManageOrgs() == nil {
		out.Links = append(out.Links, link{Rel: "edit", Href: href, Type: mtAdminOrg}, link{Rel: "remove", Href: href},
			link{Rel: "enable", Href: href + "/action/enable"}, link{Rel: "disable", Href: href + "/action/disable"})
	}
	if p.ReadUsers(o.ID) == nil {
		users, err := dir.UsersOf(ctx, o.ID)
		if err != nil {
			return err
		}
		for _, u := range users {
			out.Users.Users = append(out.Users.Users, ref{Href: base + "/api/admin/user/" + u.ID.String(),
				ID: u.ID.URN(urn.User), Type: mtAdminUser, Name: u.Name})
		}
	}
	roles, err := dir.Roles(ctx)
	if err != nil {
		return err
	}
	system := strings.EqualFold(o.Name, identity.SystemOrgName)
	for _, r := range roles {
		if r.SystemOnly && !system {
			continue
		}
		out.RoleReferences.Roles = append(out.RoleReferences.Roles, roleRef(base, r))
	}
	vcd.WriteXML(c.W, status, mtAdminOrg, &c.Version, out)
	return nil
}

func roleRef(base string, r store.Role) ref {
	return ref{Href: base + "/api/admin/role/" + r.ID.String(), ID: r.ID.URN(urn.Role), Type: mtRole, Name: r.Name}
}

func settingsOf(orgHref string, o store.Org, s store.OrgSettings) settingsXML {
	g, v, t := s.General, s.VAppLease, s.TemplateLease
	return settingsXML{Href: orgHref + "/settings", Type: mtOrgSettings,
		General: &generalXML{Type: mtGeneral, CanPublishCatalogs: g.CanPublishCatalogs, CanPublishExternally: g.CanPublishExternally,
			CanSubscribe: g.CanSubscribe, DeployedVMQuota: g.DeployedVMQuota, StoredVMQuota: g.StoredVMQuota,
			UseServerBootSequence: g.UseServerBootSequence, DelayAfterPowerOnSeconds: g.DelayAfterPowerOnSeconds},
		VAppLease: &vAppLeaseXML{Type: mtVAppLease, DeleteOnStorageLeaseExpiration: &v.DeleteOnStorageLeaseExpiration,
			DeploymentLeaseSeconds: &v.DeploymentLeaseSeconds, StorageLeaseSeconds: &v.StorageLeaseSeconds,
			PowerOffOnRuntimeLeaseExpiration: &v.PowerOffOnRuntimeLeaseExpiration},
		TemplateLease: &templateLeaseXML{Type: mtTmplLease, DeleteOnStorageLeaseExpiration: &t.DeleteOnStorageLeaseExpiration,
			StorageLeaseSeconds: &t.StorageLeaseSeconds},
		PasswordPolicy: &passwordPolicyXML{Type: mtPwdPolicy, AccountLockoutEnabled: o.Lockout.Enabled,
			InvalidLoginsBeforeLockout: o.Lockout.InvalidLogins, AccountLockoutIntervalMinutes: o.Lockout.IntervalMinutes}}
}

// orgMetadata serves GET /api/admin/org/{id}/metadata: cloudgate keeps no
// metadata, so the list is empty (the Terraform provider reads it after
// every org read).
func (a *API) orgMetadata(c *vcd.Call) error {
	o, err := a.adminOrgTarget(c)
	if err != nil {
		return err
	}
	base := a.env.Base(c.R)
	href := base + "/api/admin/org/" + o.ID.String()
	vcd.WriteXML(c.W, http.StatusOK, mtMetadata, &c.Version, metadataXML{XSI: nsXSI, Href: href + "/metadata", Type: mtMetadata,
		Links: []link{{Rel: "up", Href: href, Type: mtAdminOrg}}})
	return nil
}

// orgInput turns a request AdminOrg into the domain's input, over cur
// (the org's current settings and lockout; the defaults on create).
// OrgGeneralSettings replaces the whole group when present (govcd omits
// its false and zero fields); lease fields left out keep their values.
func orgInput(in adminOrgIn, cur store.OrgSettings, lockout store.Lockout) identity.OrgInput {
	out := identity.OrgInput{Name: in.Name, FullName: in.FullName, Description: in.Description, Enabled: in.IsEnabled}
	s := in.Settings
	if s == nil {
		return out
	}
	if g := s.General; g != nil {
		cur.General = store.OrgGeneral{CanPublishCatalogs: g.CanPublishCatalogs, CanPublishExternally: g.CanPublishExternally,
			CanSubscribe: g.CanSubscribe, DeployedVMQuota: g.DeployedVMQuota, StoredVMQuota: g.StoredVMQuota,
			UseServerBootSequence: g.UseServerBootSequence, DelayAfterPowerOnSeconds: g.DelayAfterPowerOnSeconds}
	}
	if v := s.VAppLease; v != nil {
		setBool(&cur.VAppLease.DeleteOnStorageLeaseExpiration, v.DeleteOnStorageLeaseExpiration)
		setInt(&cur.VAppLease.DeploymentLeaseSeconds, v.DeploymentLeaseSeconds)
		setInt(&cur.VAppLease.StorageLeaseSeconds, v.StorageLeaseSeconds)
		setBool(&cur.VAppLease.PowerOffOnRuntimeLeaseExpiration, v.PowerOffOnRuntimeLeaseExpiration)
	}
	if t := s.TemplateLease; t != nil {
		setBool(&cur.TemplateLease.DeleteOnStorageLeaseExpiration, t.DeleteOnStorageLeaseExpiration)
		setInt(&cur.TemplateLease.StorageLeaseSeconds, t.StorageLeaseSeconds)
	}
	out.Settings = &cur
	if p := s.PasswordPolicy; p != nil {
		l := store.Lockout{Enabled: p.AccountLockoutEnabled, InvalidLogins: p.InvalidLoginsBeforeLockout,
			IntervalMinutes: p.AccountLockoutIntervalMinutes}
		if !l.Enabled && (l.InvalidLogins == 0 || l.IntervalMinutes == 0) {
			// Turning the policy off need not restate its numbers.
			l.InvalidLogins, l.IntervalMinutes = lockout.InvalidLogins, lockout.IntervalMinutes
		}
		out.Lockout = &l
	}
	return out
}

func setBool(dst, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func setInt(dst, v *int) {
	if v != nil {
		*dst = *v
	}
}

// createOrg serves POST /api/admin/orgs (System administrators): 201 with
// the AdminOrg. The operation is finished when it answers; govcd reads
// the answer as a task and, finding no running status, is done.
func (a *API) createOrg(c *vcd.Call) error {
	if err := c.Session.Principal.ManageOrgs(); err != nil {
		return err
	}
	var in adminOrgIn
	if err := vcd.ReadXML(c.R, vcd.MaxXMLBody, vcd.NamespaceVCloud, "AdminOrg", &in); err != nil {
		return err
	}
	o, err := a.env.Directory.AddOrg(c.R.Context(), vcd.Actor(c),
		orgInput(in, identity.DefaultOrgSettings(urn.UUID{}), identity.DefaultLockout()))
	if err != nil {
		return err
	}
	return a.writeAdminOrg(c, http.StatusCreated, o)
}

// updateOrg serves PUT /api/admin/org/{id} (System administrators).
func (a *API) updateOrg(c *vcd.Call) error {
	if err := c.Session.Principal.ManageOrgs(); err != nil {
		return err
	}
	o, err := a.adminOrgTarget(c)
	if err != nil {
		return err
	}
	var in adminOrgIn
	if err := vcd.ReadXML(c.R, vcd.MaxXMLBody, vcd.NamespaceVCloud, "AdminOrg", &in); err != nil {
		return err
	}
	cur, err := a.env.Directory.OrgSettings(c.R.Context(), o.ID)
	if err != nil {
		return err
	}
	if o, err = a.env.Directory.ChangeOrg(c.R.Context(), vcd.Actor(c), o.ID, orgInput(in, cur, o.Lockout)); err != nil {
		return err
	}
	return a.writeAdminOrg(c, http.StatusOK, o)
}

// enableOrg serves POST /api/admin/org/{id}/action/enable|disable: 204.
func (a *API) enableOrg(enabled bool) vcd.HandlerFunc {
	return func(c *vcd.Call) error {
		if err := c.Session.Principal.ManageOrgs(); err != nil {
			return err
		}
		o, err := a.adminOrgTarget(c)
		if err != nil {
			return err
		}
		if _, err := a.env.Directory.SetOrgEnabledByID(c.R.Context(), vcd.Actor(c), o.ID, enabled); err != nil {
			return err
		}
		c.W.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// deleteOrg serves DELETE /api/admin/org/{id}?force=&recursive=: 202 with
// the finished Task. force or recursive removes an enabled org and its
// users with it; without them the org must be disabled and empty.
func (a *API) deleteOrg(c *vcd.Call) error {
	if err := c.Session.Principal.ManageOrgs(); err != nil {
		return err
	}
	o, err := a.adminOrgTarget(c)
	if err != nil {
		return err
	}
	q := c.R.URL.Query()
	force, err := boolParam(q.Get("force"), "force")
	if err != nil {
		return err
	}
	recursive, err := boolParam(q.Get("recursive"), "recursive")
	if err != nil {
		return err
	}
	t, err := a.env.Directory.RemoveOrg(c.R.Context(), vcd.Actor(c), o.ID, force || recursive)
	if err != nil {
		return err
	}
	vcd.WriteXML(c.W, http.StatusAccepted, mtTask, &c.Version, a.taskDoc(c, t))
	return nil
}

func boolParam(s, name string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, apierr.New(apierr.Invalid, "query parameter %s must be true or false", name)
}

// task serves GET /api/task/{id}: to the user who started it, to a System
// administrator, and to administrators of the task's org.
func (a *API) task(c *vcd.Call) error {
	id, err := pathID(c, "task")
	if err != nil {
		return err
	}
	t, err := a.env.Directory.Task(c.R.Context(), id)
	p := &c.Session.Principal
	if err == nil && t.UserID != p.UserID && p.ReadOrg(t.OrgID, true) != nil {
		err = apierr.New(apierr.NotFound, "no such task")
	}
	if apierr.Is(err, apierr.NotFound) {
		return apierr.New(apierr.NotFound, "Access to resource %s is forbidden or it does not exist", id.URN("task"))
	}
	if err != nil {
		return err
	}
	vcd.WriteXML(c.W, http.StatusOK, mtTask, &c.Version, a.taskDoc(c, t))
	return nil
}

func (a *API) taskDoc(c *vcd.Call, t store.Task) taskXML {
	base := a.env.Base(c.R)
	ts := func(x time.Time) string { return x.UTC().Format("2006-01-02T15:04:05.000Z") }
	owner := ref{ID: t.OwnerID.URN(t.OwnerKind), Name: t.OwnerName}
	switch t.OwnerKind {
	case urn.Org:
		owner.Href, owner.Type = base+"/api/admin/org/"+t.OwnerID.String(), mtAdminOrg
	case urn.User:
		owner.Href, owner.Type = base+"/api/admin/user/"+t.OwnerID.String(), mtAdminUser
	}
	return taskXML{Name: "task", ID: t.ID.URN("task"), Href: base + "/api/task/" + t.ID.String(), Type: mtTask,
		Status: t.Status, Operation: t.Operation, OperationName: t.OperationName, StartTime: ts(t.StartedAt),
		EndTime: ts(t.EndedAt), ExpiryTime: ts(t.EndedAt.Add(24 * time.Hour)), Owner: owner,
		User:         ref{Href: base + "/api/admin/user/" + t.UserID.String(), ID: t.UserID.URN(urn.User), Type: mtAdminUser, Name: t.UserName},
		Organization: ref{Href: base + "/api/org/" + t.OrgID.String(), ID: t.OrgID.URN(urn.Org), Type: mtOrg},
		Progress:     100}
}
