package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/store"
)

// listSpec describes a filtered, sorted, paged list.
type listSpec struct {
	schema   fiql.Schema
	filter   fiql.Expr
	sort     []store.Sort
	page     store.Page
	tiebreak string // ORDER BY suffix that makes the order total
}

// runList runs "selectCols + from [AND filter] ORDER BY ... LIMIT/OFFSET"
// and the matching COUNT(*). from must end in a WHERE clause.
func runList[T any](q queries, ctx context.Context, l listSpec, selectCols, from string, args []any,
	scan func(*sql.Rows) (T, error)) ([]T, int, error) {
	if l.filter != nil {
		cond, err := fiql.SQL(l.filter, l.schema, func(v any) string {
			args = append(args, v)
			return "?"
		})
		if err != nil {
			return nil, 0, fmt.Errorf("%w: filter: %w", store.ErrInvalid, err)
		}
		from += " AND (" + cond + ")"
	}
	var total int
	if err := q.row(ctx, `SELECT COUNT(*) `+from, args...).Scan(&total); err != nil {
		return nil, 0, q.db.wrap(err)
	}
	var order []string
	for _, s := range l.sort {
		f, ok := l.schema[s.Field]
		if !ok {
			return nil, 0, fmt.Errorf("%w: cannot sort by %q", store.ErrInvalid, s.Field)
		}
		dir := " ASC"
		if s.Desc {
			dir = " DESC"
		}
		order = append(order, f.SQL+dir)
	}
	order = append(order, l.tiebreak)
	query := selectCols + from + " ORDER BY " + strings.Join(order, ", ")
	if l.page.Limit > 0 {
		query += " LIMIT ? OFFSET ?"
		args = append(args, l.page.Limit, l.page.Offset)
	}
	rows, err := q.query(ctx, query, args...)
	items, err := scanAll(q, rows, err, scan)
	return items, total, err
}
