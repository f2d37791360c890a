package sqlstore

import (
	"context"
	"database/sql"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

const serviceCols = `id, org_id, name, region, service_type, created_at`

func scanService(r interface{ Scan(...any) error }) (store.ComputeService, error) {
	var s store.ComputeService
	var created int64
	err := r.Scan(&s.ID, &s.OrgID, &s.Name, &s.Region, &s.Type, &created)
	s.CreatedAt = store.FromMicros(created)
	return s, err
}

const vdcCols = `id, service_id, org_id, name, created_at`

func scanVDC(r interface{ Scan(...any) error }) (store.VDC, error) {
	var v store.VDC
	var created int64
	err := r.Scan(&v.ID, &v.ServiceID, &v.OrgID, &v.Name, &created)
	v.CreatedAt = store.FromMicros(created)
	return v, err
}

func (q queries) ComputeServices(ctx context.Context, orgID urn.UUID) ([]store.ComputeService, error) {
	rows, err := q.query(ctx, `SELECT `+serviceCols+` FROM compute_services WHERE org_id = ? ORDER BY name_key`, orgID)
	services, err := scanAll(q, rows, err, func(r *sql.Rows) (store.ComputeService, error) { return scanService(r) })
	if err != nil || len(services) == 0 {
		return services, err
	}
	// One query for every VDC of the org, distributed to the services.
	rows, err = q.query(ctx, `SELECT `+vdcCols+` FROM vdcs WHERE org_id = ? ORDER BY name_key, id`, orgID)
	vdcs, err := scanAll(q, rows, err, func(r *sql.Rows) (store.VDC, error) { return scanVDC(r) })
	if err != nil {
		return nil, err
	}
	index := make(map[urn.UUID]int, len(services))
	for i, s := range services {
		index[s.ID] = i
	}
	for _, v := range vdcs {
		if i, ok := index[v.ServiceID]; ok {
			services[i].VDCs = append(services[i].VDCs, v)
		}
	}
	return services, nil
}

func (q queries) ComputeServiceByID(ctx context.Context, id urn.UUID) (store.ComputeService, error) {
	s, err := scanService(q.row(ctx, `SELECT `+serviceCols+` FROM compute_services WHERE id = ?`, id))
	if err != nil {
		return s, q.db.wrap(err)
	}
	rows, err := q.query(ctx, `SELECT `+vdcCols+` FROM vdcs WHERE service_id = ? ORDER BY name_key, id`, id)
	s.VDCs, err = scanAll(q, rows, err, func(r *sql.Rows) (store.VDC, error) { return scanVDC(r) })
	return s, err
}

func (q queries) VDCByID(ctx context.Context, id urn.UUID) (store.VDC, error) {
	v, err := scanVDC(q.row(ctx, `SELECT `+vdcCols+` FROM vdcs WHERE id = ?`, id))
	return v, q.db.wrap(err)
}

func (q txQueries) InsertComputeService(ctx context.Context, s store.ComputeService) error {
	if _, err := q.exec(ctx, `INSERT INTO compute_services (`+serviceCols+`, name_key) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.OrgID, s.Name, s.Region, s.Type, store.Micros(s.CreatedAt), nameKey(s.Name)); err != nil {
		return err
	}
	for _, v := range s.VDCs {
		if _, err := q.exec(ctx, `INSERT INTO vdcs (`+vdcCols+`, name_key) VALUES (?, ?, ?, ?, ?, ?)`,
			v.ID, s.ID, s.OrgID, v.Name, store.Micros(v.CreatedAt), nameKey(v.Name)); err != nil {
			return err
		}
	}
	return nil
}

func (q txQueries) DeleteComputeService(ctx context.Context, id urn.UUID) error {
	// Children first: the foreign key from vdcs has no cascade.
	if _, err := q.exec(ctx, `DELETE FROM vdcs WHERE service_id = ?`, id); err != nil {
		return err
	}
	n, err := q.execN(ctx, `DELETE FROM compute_services WHERE id = ?`, id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}
