package store

import (
	"context"
	"time"

	"github.com/cloudgate/cloudgate/internal/urn"
)

// The records below are what the Cloud Director admin API stores beside an
// org and a user: settings cloudgate does not act on but keeps as given
// (clients read back what they wrote), a user's contact details, and the
// tasks synchronous operations report.

// OrgSettings are an org's general and lease settings. cloudgate stores
// and returns them; it runs no vApps, so none of them changes behaviour.
type OrgSettings struct {
	OrgID         urn.UUID
	General       OrgGeneral
	VAppLease     VAppLease
	TemplateLease TemplateLease
}

// OrgGeneral is Cloud Director's OrgGeneralSettings.
type OrgGeneral struct {
	CanPublishCatalogs       bool `json:"canPublishCatalogs"`
	CanPublishExternally     bool `json:"canPublishExternally"`
	CanSubscribe             bool `json:"canSubscribe"`
	DeployedVMQuota          int  `json:"deployedVmQuota"`
	StoredVMQuota            int  `json:"storedVmQuota"`
	UseServerBootSequence    bool `json:"useServerBootSequence"`
	DelayAfterPowerOnSeconds int  `json:"delayAfterPowerOnSeconds"`
}

// VAppLease is Cloud Director's VAppLeaseSettings.
type VAppLease struct {
	DeleteOnStorageLeaseExpiration   bool `json:"deleteOnStorageLeaseExpiration"`
	DeploymentLeaseSeconds           int  `json:"deploymentLeaseSeconds"`
	StorageLeaseSeconds              int  `json:"storageLeaseSeconds"`
	PowerOffOnRuntimeLeaseExpiration bool `json:"powerOffOnRuntimeLeaseExpiration"`
}

// TemplateLease is Cloud Director's VAppTemplateLeaseSettings.
type TemplateLease struct {
	DeleteOnStorageLeaseExpiration bool `json:"deleteOnStorageLeaseExpiration"`
	StorageLeaseSeconds            int  `json:"storageLeaseSeconds"`
}

// UserProfile is what a user record carries beyond what logins need.
type UserProfile struct {
	UserID      urn.UUID
	Email       string
	Telephone   string
	Description string
	IM          string
}

// Task is the record of an admin operation, shown as Cloud Director's
// Task. cloudgate's operations finish before they answer, so a task is
// written once, finished.
type Task struct {
	ID            urn.UUID
	OrgID         urn.UUID // the org the task belongs to (of its owner)
	Operation     string   // human-readable, e.g. "Deleted Organization acme"
	OperationName string   // e.g. "orgDelete"
	OwnerKind     string   // urn kind of the object acted on ("org", "user")
	OwnerID       urn.UUID
	OwnerName     string
	UserID        urn.UUID // who started it
	UserName      string
	Status        string // "success" or "error"
	StartedAt     time.Time
	EndedAt       time.Time
}

// IdentityAdminReader reads the admin records.
type IdentityAdminReader interface {
	// OrgSettings returns ErrNotFound when none were stored for the org.
	OrgSettings(ctx context.Context, orgID urn.UUID) (OrgSettings, error)
	// UserProfile returns ErrNotFound when none was stored for the user.
	UserProfile(ctx context.Context, userID urn.UUID) (UserProfile, error)
	// UserProfiles returns the stored profiles of an org's users by user id.
	UserProfiles(ctx context.Context, orgID urn.UUID) (map[urn.UUID]UserProfile, error)
	// TaskByID returns ErrNotFound when missing (or purged).
	TaskByID(ctx context.Context, id urn.UUID) (Task, error)
}

// IdentityAdminWriter changes the admin records and removes orgs, users
// and roles with everything that belongs to them.
type IdentityAdminWriter interface {
	// PutOrgSettings inserts or replaces an org's settings.
	PutOrgSettings(ctx context.Context, s OrgSettings) error
	// PutUserProfile inserts or replaces a user's profile.
	PutUserProfile(ctx context.Context, p UserProfile) error
	// PurgeUser removes a person: its API tokens, profile and user row.
	// Its sessions must have been ended first. ErrNotFound if missing.
	PurgeUser(ctx context.Context, id urn.UUID) error
	// PurgeOrg removes an org and every row that belongs to it: users
	// (with their tokens and profiles), service accounts, compute
	// services and VDCs, settings. Sessions must have been ended first;
	// audit events and tasks stay. ErrNotFound if missing.
	PurgeOrg(ctx context.Context, id urn.UUID) error
	// DeleteRole removes a role; ErrConflict while a user holds it,
	// ErrNotFound if missing.
	DeleteRole(ctx context.Context, id urn.UUID) error
	// InsertTask records a task; ErrConflict if the id is taken.
	InsertTask(ctx context.Context, t Task) error
	// PurgeTasks deletes tasks that ended before cutoff.
	PurgeTasks(ctx context.Context, cutoff time.Time) (int, error)
}
