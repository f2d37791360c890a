package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// settingsDoc is the JSON kept in org_settings.settings.
type settingsDoc struct {
	General       store.OrgGeneral    `json:"general"`
	VAppLease     store.VAppLease     `json:"vAppLease"`
	TemplateLease store.TemplateLease `json:"templateLease"`
}

func (q queries) OrgSettings(ctx context.Context, orgID urn.UUID) (store.OrgSettings, error) {
	var raw string
	if err := q.row(ctx, `SELECT settings FROM org_settings WHERE org_id = ?`, orgID).Scan(&raw); err != nil {
		return store.OrgSettings{}, q.db.wrap(err)
	}
	var doc settingsDoc
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return store.OrgSettings{}, err
	}
	return store.OrgSettings{OrgID: orgID, General: doc.General, VAppLease: doc.VAppLease, TemplateLease: doc.TemplateLease}, nil
}

func (q txQueries) PutOrgSettings(ctx context.Context, s store.OrgSettings) error {
	raw, err := json.Marshal(settingsDoc{General: s.General, VAppLease: s.VAppLease, TemplateLease: s.TemplateLease})
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `INSERT INTO org_settings (org_id, settings) VALUES (?, ?)
		ON CONFLICT (org_id) DO UPDATE SET settings = excluded.settings`, s.OrgID, string(raw))
	return err
}

const profileCols = `user_id, email, telephone, description, im`

func scanProfile(r interface{ Scan(...any) error }) (store.UserProfile, error) {
	var p store.UserProfile
	err := r.Scan(&p.UserID, &p.Email, &p.Telephone, &p.Description, &p.IM)
	return p, err
}

func (q queries) UserProfile(ctx context.Context, userID urn.UUID) (store.UserProfile, error) {
	p, err := scanProfile(q.row(ctx, `SELECT `+profileCols+` FROM user_profiles WHERE user_id = ?`, userID))
	return p, q.db.wrap(err)
}

func (q queries) UserProfiles(ctx context.Context, orgID urn.UUID) (map[urn.UUID]store.UserProfile, error) {
	rows, err := q.query(ctx, `SELECT `+profileCols+` FROM user_profiles WHERE org_id = ?`, orgID)
	all, err := scanAll(q, rows, err, func(r *sql.Rows) (store.UserProfile, error) { return scanProfile(r) })
	if err != nil {
		return nil, err
	}
	out := make(map[urn.UUID]store.UserProfile, len(all))
	for _, p := range all {
		out[p.UserID] = p
	}
	return out, nil
}

// PutUserProfile takes the org from the user row, so a profile always
// lists under its user's org.
func (q txQueries) PutUserProfile(ctx context.Context, p store.UserProfile) error {
	n, err := q.execN(ctx, `INSERT INTO user_profiles (`+profileCols+`, org_id)
		SELECT ?, ?, ?, ?, ?, org_id FROM users WHERE id = ?
		ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, telephone = excluded.telephone,
			description = excluded.description, im = excluded.im`,
		p.UserID, p.Email, p.Telephone, p.Description, p.IM, p.UserID)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (q txQueries) PurgeUser(ctx context.Context, id urn.UUID) error {
	for _, stmt := range []string{
		`DELETE FROM api_tokens WHERE owner_id = ?`,
		`DELETE FROM user_profiles WHERE user_id = ?`,
	} {
		if _, err := q.exec(ctx, stmt, id); err != nil {
			return err
		}
	}
	n, err := q.execN(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

// PurgeOrg deletes children before parents so that foreign keys hold at
// every statement (SQLite checks them immediately).
func (q txQueries) PurgeOrg(ctx context.Context, id urn.UUID) error {
	for _, stmt := range []string{
		`DELETE FROM retired_refresh_tokens WHERE account_id IN (SELECT id FROM service_accounts WHERE org_id = ?)`,
		`DELETE FROM service_accounts WHERE org_id = ?`,
		`DELETE FROM api_tokens WHERE org_id = ?`,
		`DELETE FROM user_profiles WHERE org_id = ?`,
		`DELETE FROM users WHERE org_id = ?`,
		`DELETE FROM vdcs WHERE org_id = ?`,
		`DELETE FROM compute_services WHERE org_id = ?`,
		`DELETE FROM org_settings WHERE org_id = ?`,
	} {
		if _, err := q.exec(ctx, stmt, id); err != nil {
			return err
		}
	}
	n, err := q.execN(ctx, `DELETE FROM orgs WHERE id = ?`, id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (q txQueries) DeleteRole(ctx context.Context, id urn.UUID) error {
	var holders int
	if err := q.row(ctx, `SELECT count(*) FROM users WHERE role_id = ?`, id).Scan(&holders); err != nil {
		return q.db.wrap(err)
	}
	if holders > 0 {
		return store.ErrConflict
	}
	n, err := q.execN(ctx, `DELETE FROM roles WHERE id = ?`, id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

const taskCols = `id, org_id, operation, operation_name, owner_kind, owner_id, owner_name, user_id, user_name,
	status, started_at, ended_at`

func (q queries) TaskByID(ctx context.Context, id urn.UUID) (store.Task, error) {
	var t store.Task
	var started, ended int64
	err := q.row(ctx, `SELECT `+taskCols+` FROM tasks WHERE id = ?`, id).Scan(&t.ID, &t.OrgID, &t.Operation,
		&t.OperationName, &t.OwnerKind, &t.OwnerID, &t.OwnerName, &t.UserID, &t.UserName, &t.Status, &started, &ended)
	t.StartedAt, t.EndedAt = store.FromMicros(started), store.FromMicros(ended)
	return t, q.db.wrap(err)
}

func (q txQueries) InsertTask(ctx context.Context, t store.Task) error {
	_, err := q.exec(ctx, `INSERT INTO tasks (`+taskCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.OrgID, t.Operation, t.OperationName, t.OwnerKind, t.OwnerID, t.OwnerName, t.UserID, t.UserName,
		t.Status, store.Micros(t.StartedAt), store.Micros(t.EndedAt))
	return err
}

func (q txQueries) PurgeTasks(ctx context.Context, cutoff time.Time) (int, error) {
	n, err := q.execN(ctx, `DELETE FROM tasks WHERE ended_at < ?`, store.Micros(cutoff))
	return int(n), err
}
