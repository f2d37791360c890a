package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/cloudgate/cloudgate/internal/secret"
	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

const accountCols = `a.id, a.org_id, a.software_id, a.software_version, a.uri, a.status, a.created_by, a.created_at,
	a.updated_at, a.device_digest, a.user_code_digest, a.requested_at, a.code_expires_at, a.poll_interval, a.last_poll_at,
	a.denied, a.granted_by, a.granted_at, a.grant_id, a.refresh_digest, a.generation, a.activated_at, a.last_used_at`

func scanAccount(r interface{ Scan(...any) error }, extra ...any) (store.ServiceAccount, error) {
	var a store.ServiceAccount
	var status string
	var created, updated, requested, expires, polled, granted, activated, used int64
	dest := []any{&a.ID, &a.OrgID, &a.SoftwareID, &a.SoftwareVersion, &a.URI, &status, &a.CreatedBy, &created,
		&updated, &a.DeviceDigest, &a.UserCodeDigest, &requested, &expires, &a.PollInterval, &polled,
		&a.Denied, &a.GrantedBy, &granted, &a.GrantID, &a.RefreshDigest, &a.Generation, &activated, &used}
	err := r.Scan(append(dest, extra...)...)
	a.Status = store.AccountStatus(status)
	a.CreatedAt = store.FromMicros(created)
	a.UpdatedAt = store.FromMicros(updated)
	a.RequestedAt = store.FromMicros(requested)
	a.CodeExpiresAt = store.FromMicros(expires)
	a.LastPollAt = store.FromMicros(polled)
	a.GrantedAt = store.FromMicros(granted)
	a.ActivatedAt = store.FromMicros(activated)
	a.LastUsedAt = store.FromMicros(used)
	return a, err
}

// accountFrom joins what an account row shows: its user row (name, role),
// the role's name and the org's name.
const accountFrom = ` FROM service_accounts a JOIN users u ON u.id = a.id JOIN roles r ON r.id = u.role_id
	JOIN orgs o ON o.id = a.org_id`

func scanAccountRow(r interface{ Scan(...any) error }) (store.ServiceAccountRow, error) {
	var row store.ServiceAccountRow
	var err error
	row.ServiceAccount, err = scanAccount(r, &row.Name, &row.RoleID, &row.RoleName, &row.OrgName)
	return row, err
}

const accountRowCols = accountCols + `, u.name, u.role_id, r.name, o.name`

func (q queries) ServiceAccountByID(ctx context.Context, id urn.UUID) (store.ServiceAccountRow, error) {
	row, err := scanAccountRow(q.row(ctx, `SELECT `+accountRowCols+accountFrom+` WHERE a.id = ?`, id))
	return row, q.db.wrap(err)
}

func (q queries) ServiceAccountByDevice(ctx context.Context, d secret.Digest) (store.ServiceAccount, error) {
	a, err := scanAccount(q.row(ctx, `SELECT `+accountCols+` FROM service_accounts a WHERE a.device_digest = ?`, d))
	return a, q.db.wrap(err)
}

func (q queries) ServiceAccountByUserCode(ctx context.Context, d secret.Digest) (store.ServiceAccountRow, error) {
	row, err := scanAccountRow(q.row(ctx, `SELECT `+accountRowCols+accountFrom+` WHERE a.user_code_digest = ?`, d))
	return row, q.db.wrap(err)
}

const sqlAccountByRefresh = `SELECT ` + accountCols + ` FROM service_accounts a WHERE a.refresh_digest = ?`

func (q queries) ServiceAccountByRefresh(ctx context.Context, d secret.Digest) (store.ServiceAccount, error) {
	a, err := scanAccount(q.row(ctx, sqlAccountByRefresh, d))
	return a, q.db.wrap(err)
}

func (q queries) RetiredRefreshByDigest(ctx context.Context, d secret.Digest) (store.RetiredRefresh, error) {
	var r store.RetiredRefresh
	var at int64
	err := q.row(ctx, `SELECT digest, account_id, generation, retired_at FROM retired_refresh_tokens WHERE digest = ?`, d).
		Scan(&r.Digest, &r.AccountID, &r.Generation, &at)
	r.RetiredAt = store.FromMicros(at)
	return r, q.db.wrap(err)
}

func (q queries) ServiceAccounts(ctx context.Context, sq store.ServiceAccountQuery) ([]store.ServiceAccountRow, int, error) {
	from := accountFrom + ` WHERE 1 = 1`
	var args []any
	if !sq.OrgID.IsZero() {
		from += ` AND a.org_id = ?`
		args = append(args, sq.OrgID)
	}
	list := listSpec{schema: store.ServiceAccountSchema(), filter: sq.Filter, sort: sq.Sort, page: sq.Page, tiebreak: "u.name_key, a.id"}
	return runList(q, ctx, list, `SELECT `+accountRowCols, from, args,
		func(r *sql.Rows) (store.ServiceAccountRow, error) { return scanAccountRow(r) })
}

func (q txQueries) InsertServiceAccount(ctx context.Context, a store.ServiceAccount) error {
	_, err := q.exec(ctx, `INSERT INTO service_accounts (id, org_id, software_id, software_version, uri, status, created_by,
		created_at, updated_at, device_digest, user_code_digest, requested_at, code_expires_at, poll_interval, last_poll_at,
		denied, granted_by, granted_at, grant_id, refresh_digest, generation, activated_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrgID, a.SoftwareID, a.SoftwareVersion, a.URI, string(a.Status), a.CreatedBy, store.Micros(a.CreatedAt),
		store.Micros(a.UpdatedAt), a.DeviceDigest, a.UserCodeDigest, store.Micros(a.RequestedAt), store.Micros(a.CodeExpiresAt),
		a.PollInterval, store.Micros(a.LastPollAt), a.Denied, a.GrantedBy, store.Micros(a.GrantedAt), a.GrantID, a.RefreshDigest,
		a.Generation, store.Micros(a.ActivatedAt), store.Micros(a.LastUsedAt))
	return err
}

// Statements of the refresh path (prepared when the store opens).
const (
	sqlLockAccount   = `SELECT ` + accountCols + ` FROM service_accounts a WHERE a.id = ?`
	sqlUpdateAccount = `UPDATE service_accounts SET software_id = ?, software_version = ?, uri = ?, status = ?,
		updated_at = ?, device_digest = ?, user_code_digest = ?, requested_at = ?, code_expires_at = ?, poll_interval = ?,
		last_poll_at = ?, denied = ?, granted_by = ?, granted_at = ?, grant_id = ?, refresh_digest = ?, generation = ?,
		activated_at = ?, last_used_at = ? WHERE id = ?`
	sqlRetireRefresh = `INSERT INTO retired_refresh_tokens (digest, account_id, generation, retired_at) VALUES (?, ?, ?, ?)`
)

func (q txQueries) LockServiceAccount(ctx context.Context, id urn.UUID) (store.ServiceAccount, error) {
	a, err := scanAccount(q.row(ctx, sqlLockAccount+q.lock(), id))
	return a, q.db.wrap(err)
}

func (q txQueries) UpdateServiceAccount(ctx context.Context, a store.ServiceAccount) error {
	n, err := q.execN(ctx, sqlUpdateAccount, a.SoftwareID, a.SoftwareVersion, a.URI, string(a.Status),
		store.Micros(a.UpdatedAt), a.DeviceDigest, a.UserCodeDigest, store.Micros(a.RequestedAt), store.Micros(a.CodeExpiresAt),
		a.PollInterval, store.Micros(a.LastPollAt), a.Denied, a.GrantedBy, store.Micros(a.GrantedAt), a.GrantID, a.RefreshDigest,
		a.Generation, store.Micros(a.ActivatedAt), store.Micros(a.LastUsedAt), a.ID)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

// sqlRotateRefresh is the whole check-and-replace of a refresh: it only
// matches the account's live token of the given grant in an enabled org,
// and it returns the generation the presented token had.
const sqlRotateRefresh = `UPDATE service_accounts SET refresh_digest = ?, generation = generation + 1, last_used_at = ?
	WHERE id = ? AND grant_id = ? AND refresh_digest = ? AND status = ?
	AND org_id IN (SELECT o.id FROM orgs o WHERE o.enabled = ?)
	RETURNING generation - 1`

func (q txQueries) RotateRefresh(ctx context.Context, id, grant urn.UUID, presented, next secret.Digest, at time.Time) (int64, error) {
	var gen int64
	err := q.row(ctx, sqlRotateRefresh, next, store.Micros(at), id, grant, presented, string(store.AccountActive), true).Scan(&gen)
	return gen, q.db.wrap(err)
}

func (q txQueries) RetireRefresh(ctx context.Context, r store.RetiredRefresh) error {
	_, err := q.exec(ctx, sqlRetireRefresh, r.Digest, r.AccountID, r.Generation, store.Micros(r.RetiredAt))
	return err
}

func (q txQueries) ForgetRetired(ctx context.Context, accountID urn.UUID) (int, error) {
	n, err := q.execN(ctx, `DELETE FROM retired_refresh_tokens WHERE account_id = ?`, accountID)
	return int(n), err
}

func (q txQueries) PurgeRetired(ctx context.Context, cutoff time.Time) (int, error) {
	n, err := q.execN(ctx, `DELETE FROM retired_refresh_tokens WHERE retired_at < ?`, store.Micros(cutoff))
	return int(n), err
}

func (q txQueries) DeleteServiceAccount(ctx context.Context, id urn.UUID) error {
	// Children first: the foreign key from retired tokens has no cascade.
	if _, err := q.exec(ctx, `DELETE FROM retired_refresh_tokens WHERE account_id = ?`, id); err != nil {
		return err
	}
	n, err := q.execN(ctx, `DELETE FROM service_accounts WHERE id = ?`, id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}
