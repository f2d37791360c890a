package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/audit"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// Org management by id, as the Cloud Director admin API does it.

// taskRetention is how long a finished task can be read back.
const taskRetention = 24 * time.Hour

// DefaultOrgSettings are Cloud Director's defaults for a new org: no
// catalog publishing, unlimited VM quotas, vApps deployed for 7 days and
// stored for 30, templates stored for 30.
func DefaultOrgSettings(orgID urn.UUID) store.OrgSettings {
	return store.OrgSettings{OrgID: orgID,
		VAppLease:     store.VAppLease{DeploymentLeaseSeconds: 7 * 24 * 3600, StorageLeaseSeconds: 30 * 24 * 3600},
		TemplateLease: store.TemplateLease{StorageLeaseSeconds: 30 * 24 * 3600}}
}

// OrgInput is what creating or updating an org sets. Nil settings or
// lockout keep what the org has (its defaults on create).
type OrgInput struct {
	Name        string
	FullName    string
	Description string
	Enabled     bool
	Settings    *store.OrgSettings
	Lockout     *store.Lockout
}

func validateOrgInput(in OrgInput) error {
	if err := ValidateOrgName(in.Name); err != nil {
		return err
	}
	if len(in.FullName) > 256 || len(in.Description) > 1024 {
		return apierr.New(apierr.Invalid, "full name or description is too long")
	}
	if l := in.Lockout; l != nil && (l.InvalidLogins < 1 || l.InvalidLogins > 100 || l.IntervalMinutes < 1 || l.IntervalMinutes > 43200) {
		return apierr.New(apierr.Invalid, "invalid logins before lockout must be 1-100 and the lockout interval 1-43200 minutes")
	}
	if s := in.Settings; s != nil {
		g, v, t := s.General, s.VAppLease, s.TemplateLease
		for _, n := range []int{g.DeployedVMQuota, g.StoredVMQuota, g.DelayAfterPowerOnSeconds, v.DeploymentLeaseSeconds, v.StorageLeaseSeconds, t.StorageLeaseSeconds} {
			if n < 0 {
				return apierr.New(apierr.Invalid, "quotas, delays and lease times must not be negative")
			}
		}
	}
	return nil
}

// OrgSettings returns an org's stored settings, or the defaults when none
// were stored (orgs made by the CLI or the seed).
func (d *Directory) OrgSettings(ctx context.Context, orgID urn.UUID) (store.OrgSettings, error) {
	s, err := d.store.OrgSettings(ctx, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultOrgSettings(orgID), nil
	}
	return s, storeErr(err, "organization")
}

// AddOrg creates an org with its settings and its default compute
// service. Conflict when the name is taken in any case.
func (d *Directory) AddOrg(ctx context.Context, by audit.Actor, in OrgInput) (store.Org, error) {
	if err := validateOrgInput(in); err != nil {
		return store.Org{}, err
	}
	services, err := normalizeAll(in.Name, nil)
	if err != nil {
		return store.Org{}, err
	}
	org := store.Org{ID: urn.New(), Name: in.Name, FullName: in.FullName, Description: in.Description,
		Enabled: in.Enabled, Lockout: DefaultLockout(), CreatedAt: d.now()}
	if in.Lockout != nil {
		org.Lockout = *in.Lockout
	}
	settings := DefaultOrgSettings(org.ID)
	if in.Settings != nil {
		settings = *in.Settings
		settings.OrgID = org.ID
	}
	err = d.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertOrg(ctx, org); err != nil {
			return err
		}
		if err := tx.PutOrgSettings(ctx, settings); err != nil {
			return err
		}
		if err := d.audit(tx, ctx, by, "org.create", audit.Success, org.ID.URN(urn.Org), org.Name); err != nil {
			return err
		}
		_, err := d.insertServices(ctx, tx, by, org, services, org.CreatedAt)
		return err
	})
	return org, storeErr(err, "organization "+in.Name)
}

// ChangeOrg updates an org's full name, description, enabled state,
// settings and lockout policy. Orgs are not renamed (the name is part of
// every login and OAuth path); a name differing in more than case is
// refused. Disabling ends the sessions of the org's users. The System org
// cannot be disabled.
func (d *Directory) ChangeOrg(ctx context.Context, by audit.Actor, id urn.UUID, in OrgInput) (store.Org, error) {
	if err := validateOrgInput(in); err != nil {
		return store.Org{}, err
	}
	var org store.Org
	now := d.now()
	err := d.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if org, err = tx.OrgByID(ctx, id); err != nil {
			return err
		}
		if !strings.EqualFold(org.Name, in.Name) {
			return apierr.New(apierr.Invalid, "organization %s cannot be renamed to %s", org.Name, in.Name)
		}
		if !in.Enabled && strings.EqualFold(org.Name, SystemOrgName) {
			return apierr.New(apierr.Invalid, "the System organization cannot be disabled")
		}
		disabling := org.Enabled && !in.Enabled
		org.FullName, org.Description, org.Enabled = in.FullName, in.Description, in.Enabled
		if in.Lockout != nil {
			org.Lockout = *in.Lockout
		}
		if err := tx.UpdateOrg(ctx, org); err != nil {
			return err
		}
		if in.Settings != nil {
			s := *in.Settings
			s.OrgID = org.ID
			if err := tx.PutOrgSettings(ctx, s); err != nil {
				return err
			}
		}
		if disabling {
			if _, err := tx.EndSessions(ctx, store.SessionSelector{OrgID: org.ID}, now, "org disabled"); err != nil {
				return err
			}
		}
		if err := tx.Emit(ctx, store.Change{Topic: store.TopicOrgChanged, Subject: org.ID, At: now}); err != nil {
			return err
		}
		return d.audit(tx, ctx, by, "org.update", audit.Success, org.ID.URN(urn.Org), org.Name)
	})
	if err != nil {
		return org, keepAPIErr(err, "organization")
	}
	d.publish(ctx, store.Change{Topic: store.TopicOrgChanged, Subject: org.ID, At: now})
	return org, nil
}

// SetOrgEnabledByID enables or disables an org by id (SetOrgEnabled).
func (d *Directory) SetOrgEnabledByID(ctx context.Context, by audit.Actor, id urn.UUID, enabled bool) (store.Org, error) {
	o, err := d.OrgByID(ctx, id)
	if err != nil {
		return o, err
	}
	return d.SetOrgEnabled(ctx, by, o.Name, enabled)
}

// RemoveOrg deletes an org with everything that belongs to it and returns
// the finished task that records it. Without force it is refused while the
// org is enabled or still has users or service accounts (Cloud Director's
// force/recursive); with force their sessions end and they go with it.
// The System org cannot be deleted.
func (d *Directory) RemoveOrg(ctx context.Context, by audit.Actor, id urn.UUID, force bool) (store.Task, error) {
	now := d.now()
	var task store.Task
	err := d.store.Update(ctx, func(tx store.Tx) error {
		org, err := tx.OrgByID(ctx, id)
		if err != nil {
			return err
		}
		if strings.EqualFold(org.Name, SystemOrgName) {
			return apierr.New(apierr.Invalid, "the System organization cannot be deleted")
		}
		if org.Enabled && !force {
			return apierr.New(apierr.Invalid, "organization %s must be disabled before it is deleted (or deleted with force=true)", org.Name)
		}
		users, err := tx.Users(ctx, org.ID, true)
		if err != nil {
			return err
		}
		if len(users) > 0 && !force {
			return apierr.New(apierr.Invalid, "organization %s still has %d users or service accounts; delete them first or delete the organization with force=true", org.Name, len(users))
		}
		ended, err := tx.EndSessions(ctx, store.SessionSelector{OrgID: org.ID}, now, "org deleted")
		if err != nil {
			return err
		}
		if err := tx.PurgeOrg(ctx, org.ID); err != nil {
			return err
		}
		if err := tx.Emit(ctx, store.Change{Topic: store.TopicOrgChanged, Subject: org.ID, At: now}); err != nil {
			return err
		}
		if err := d.audit(tx, ctx, by, "org.delete", audit.Success, org.ID.URN(urn.Org),
			fmt.Sprintf("%s: %d users, %d sessions ended", org.Name, len(users), ended)); err != nil {
			return err
		}
		task, err = d.recordTask(ctx, tx, by, store.Task{OrgID: org.ID, Operation: "Deleted Organization " + org.Name,
			OperationName: "orgDelete", OwnerKind: urn.Org, OwnerID: org.ID, OwnerName: org.Name}, now)
		return err
	})
	if err != nil {
		return task, keepAPIErr(err, "organization")
	}
	d.publish(ctx, store.Change{Topic: store.TopicOrgChanged, Subject: id, At: now})
	return task, nil
}

// recordTask writes a finished task inside tx and drops those past
// retention.
func (d *Directory) recordTask(ctx context.Context, tx store.Tx, by audit.Actor, t store.Task, now time.Time) (store.Task, error) {
	t.ID, t.UserID, t.UserName, t.Status, t.StartedAt, t.EndedAt = urn.New(), by.ID, by.Name, "success", now, now
	if _, err := tx.PurgeTasks(ctx, now.Add(-taskRetention)); err != nil {
		return t, err
	}
	return t, tx.InsertTask(ctx, t)
}

// Task returns a task by id.
func (d *Directory) Task(ctx context.Context, id urn.UUID) (store.Task, error) {
	t, err := d.store.TaskByID(ctx, id)
	return t, storeErr(err, "task")
}
