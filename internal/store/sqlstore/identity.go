package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cloudgate/cloudgate/internal/names"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// nameKey is the canonical form unique indexes and lookups use (PRECIS
// UsernameCaseMapped, see internal/names). Folding in Go rather than with
// SQL lower() gives the same answer on every backend, for every script,
// not just ASCII.
func nameKey(s string) string { return names.Key(s) }

const orgCols = `id, name, full_name, description, enabled, lockout_enabled, lockout_attempts, lockout_minutes, created_at`

func scanOrg(r interface{ Scan(...any) error }) (store.Org, error) {
	var o store.Org
	var created int64
	err := r.Scan(&o.ID, &o.Name, &o.FullName, &o.Description, &o.Enabled,
		&o.Lockout.Enabled, &o.Lockout.InvalidLogins, &o.Lockout.IntervalMinutes, &created)
	o.CreatedAt = store.FromMicros(created)
	return o, err
}

func (q queries) OrgByID(ctx context.Context, id urn.UUID) (store.Org, error) {
	o, err := scanOrg(q.row(ctx, `SELECT `+orgCols+` FROM orgs WHERE id = ?`, id))
	return o, q.db.wrap(err)
}

func (q queries) OrgByName(ctx context.Context, name string) (store.Org, error) {
	o, err := scanOrg(q.row(ctx, `SELECT `+orgCols+` FROM orgs WHERE name_key = ?`, nameKey(name)))
	return o, q.db.wrap(err)
}

func (q queries) Orgs(ctx context.Context) ([]store.Org, error) {
	rows, err := q.query(ctx, `SELECT `+orgCols+` FROM orgs ORDER BY name_key`)
	return scanAll(q, rows, err, func(r *sql.Rows) (store.Org, error) { return scanOrg(r) })
}

func (q txQueries) InsertOrg(ctx context.Context, o store.Org) error {
	_, err := q.exec(ctx, `INSERT INTO orgs (`+orgCols+`, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.FullName, o.Description, o.Enabled, o.Lockout.Enabled, o.Lockout.InvalidLogins,
		o.Lockout.IntervalMinutes, store.Micros(o.CreatedAt), nameKey(o.Name))
	return err
}

func (q txQueries) UpdateOrg(ctx context.Context, o store.Org) error {
	n, err := q.execN(ctx, `UPDATE orgs SET name = ?, name_key = ?, full_name = ?, description = ?, enabled = ?,
		lockout_enabled = ?, lockout_attempts = ?, lockout_minutes = ? WHERE id = ?`,
		o.Name, nameKey(o.Name), o.FullName, o.Description, o.Enabled, o.Lockout.Enabled,
		o.Lockout.InvalidLogins, o.Lockout.IntervalMinutes, o.ID)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

const roleCols = `id, name, description, rights, predefined, system_only`

func scanRole(r interface{ Scan(...any) error }) (store.Role, error) {
	var ro store.Role
	var rights string
	if err := r.Scan(&ro.ID, &ro.Name, &ro.Description, &rights, &ro.Predefined, &ro.SystemOnly); err != nil {
		return ro, err
	}
	return ro, json.Unmarshal([]byte(rights), &ro.Rights)
}

func (q queries) RoleByID(ctx context.Context, id urn.UUID) (store.Role, error) {
	r, err := scanRole(q.row(ctx, `SELECT `+roleCols+` FROM roles WHERE id = ?`, id))
	return r, q.db.wrap(err)
}

func (q queries) RoleByName(ctx context.Context, name string) (store.Role, error) {
	r, err := scanRole(q.row(ctx, `SELECT `+roleCols+` FROM roles WHERE name_key = ?`, nameKey(name)))
	return r, q.db.wrap(err)
}

func (q queries) Roles(ctx context.Context) ([]store.Role, error) {
	rows, err := q.query(ctx, `SELECT `+roleCols+` FROM roles ORDER BY name_key`)
	return scanAll(q, rows, err, func(r *sql.Rows) (store.Role, error) { return scanRole(r) })
}

func rightsJSON(rights []string) string {
	if rights == nil {
		rights = []string{}
	}
	b, _ := json.Marshal(rights) // []string always marshals
	return string(b)
}

func (q txQueries) InsertRole(ctx context.Context, r store.Role) error {
	_, err := q.exec(ctx, `INSERT INTO roles (`+roleCols+`, name_key) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Name, r.Description, rightsJSON(r.Rights), r.Predefined, r.SystemOnly, nameKey(r.Name))
	return err
}

func (q txQueries) UpdateRole(ctx context.Context, r store.Role) error {
	n, err := q.execN(ctx, `UPDATE roles SET name = ?, name_key = ?, description = ?, rights = ?, predefined = ?, system_only = ? WHERE id = ?`,
		r.Name, nameKey(r.Name), r.Description, rightsJSON(r.Rights), r.Predefined, r.SystemOnly, r.ID)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

const userCols = `id, org_id, name, full_name, kind, role_id, password_hash, enabled, failures, last_failure,
	locked_until, hard_locked, valid_after, created_at, updated_at`

func scanUser(r interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	var kind string
	var lastFailure, lockedUntil, validAfter, created, updated int64
	err := r.Scan(&u.ID, &u.OrgID, &u.Name, &u.FullName, &kind, &u.RoleID, &u.PasswordHash, &u.Enabled,
		&u.Failures, &lastFailure, &lockedUntil, &u.HardLocked, &validAfter, &created, &updated)
	u.Kind = store.UserKind(kind)
	u.LastFailure = store.FromMicros(lastFailure)
	u.LockedUntil = store.FromMicros(lockedUntil)
	u.ValidAfter = store.FromMicros(validAfter)
	u.CreatedAt = store.FromMicros(created)
	u.UpdatedAt = store.FromMicros(updated)
	return u, err
}

func (q queries) UserByID(ctx context.Context, id urn.UUID) (store.User, error) {
	u, err := scanUser(q.row(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	return u, q.db.wrap(err)
}

func (q queries) UserByName(ctx context.Context, orgID urn.UUID, name string) (store.User, error) {
	u, err := scanUser(q.row(ctx, `SELECT `+userCols+` FROM users WHERE org_id = ? AND name_key = ?`, orgID, nameKey(name)))
	return u, q.db.wrap(err)
}

func (q queries) Users(ctx context.Context, orgID urn.UUID, withSA bool) ([]store.User, error) {
	query := `SELECT ` + userCols + ` FROM users u WHERE (? OR kind = ?)`
	args := []any{withSA, string(store.KindUser)}
	if !orgID.IsZero() {
		query += ` AND org_id = ?`
		args = append(args, orgID)
	}
	rows, err := q.query(ctx, query+` ORDER BY org_id, name_key`, args...)
	return scanAll(q, rows, err, func(r *sql.Rows) (store.User, error) { return scanUser(r) })
}

func (q txQueries) InsertUser(ctx context.Context, u store.User) error {
	_, err := q.exec(ctx, `INSERT INTO users (`+userCols+`, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.OrgID, u.Name, u.FullName, string(u.Kind), u.RoleID, u.PasswordHash, u.Enabled, u.Failures,
		store.Micros(u.LastFailure), store.Micros(u.LockedUntil), u.HardLocked, store.Micros(u.ValidAfter),
		store.Micros(u.CreatedAt), store.Micros(u.UpdatedAt), nameKey(u.Name))
	return err
}

func (q txQueries) UpdateUser(ctx context.Context, u store.User) error {
	n, err := q.execN(ctx, `UPDATE users SET name = ?, name_key = ?, full_name = ?, role_id = ?, password_hash = ?,
		enabled = ?, failures = ?, last_failure = ?, locked_until = ?, hard_locked = ?, valid_after = ?, updated_at = ?
		WHERE id = ?`,
		u.Name, nameKey(u.Name), u.FullName, u.RoleID, u.PasswordHash, u.Enabled, u.Failures,
		store.Micros(u.LastFailure), store.Micros(u.LockedUntil), u.HardLocked, store.Micros(u.ValidAfter),
		store.Micros(u.UpdatedAt), u.ID)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (q txQueries) LockUser(ctx context.Context, id urn.UUID) (store.User, error) {
	u, err := scanUser(q.row(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`+q.lock(), id))
	return u, q.db.wrap(err)
}

const sqlPinUser = `SELECT ` + userCols + ` FROM users WHERE id = ?`

func (q txQueries) PinUser(ctx context.Context, id urn.UUID) (store.User, error) {
	u, err := scanUser(q.row(ctx, sqlPinUser+q.share(), id))
	return u, q.db.wrap(err)
}

// sqlPinOwner is prepared when the store opens: every session creation
// runs it.
const sqlPinOwner = `SELECT u.kind, u.enabled, u.valid_after, u.password_hash, o.enabled
	FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = ?`

func (q txQueries) PinOwner(ctx context.Context, id urn.UUID) (store.Owner, error) {
	var o store.Owner
	var kind string
	var validAfter int64
	err := q.row(ctx, sqlPinOwner+q.share(), id).Scan(&kind, &o.Enabled, &validAfter, &o.PasswordHash, &o.OrgEnabled)
	o.Kind, o.ValidAfter = store.UserKind(kind), store.FromMicros(validAfter)
	return o, q.db.wrap(err)
}

func (q txQueries) DeleteUser(ctx context.Context, id urn.UUID) error {
	n, err := q.execN(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}
