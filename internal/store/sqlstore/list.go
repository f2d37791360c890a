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

	// count, when its table is set, is how the total is counted (else
	// COUNT(*) over the list's own FROM).
	count countSpec
}

// countSpec describes the count behind a list's total. The total is exact
// (Cloud Director's resultTotal, from which clients derive pageCount), so
// it counts every matching row; the shape below lets an index alone answer
// it, which keeps a first page cheap as the table grows (TestScale in
// internal/bench): no row is read for a column the index does not hold.
type countSpec struct {
	table string // "sessions s"
	// where holds the list's conditions without the word WHERE, with the
	// same placeholders in the same order as the list's FROM.
	where string
	// joins are the tables the list joins to show a name (owner, org).
	// The count joins only those the filter reads; the caller guarantees
	// that a join drops no row (a foreign key, or an invariant it states).
	joins []countJoin
	// rare, when set, is a condition the list leaves out (AND NOT rare),
	// true of few rows and served by the index rareIndex. The total is
	// COUNT(rows) - COUNT(rows AND rare): two counts an index answers,
	// where NOT rare would read every row.
	rare      string
	rareArgs  []any
	rareIndex string
	// all, when set, counts the rows of the list without a filter (and
	// before rare is taken out), with allArgs: the sessions' counters
	// (counts.go) instead of a count over every row.
	all     string
	allArgs []any
}

type countJoin struct {
	alias, table, on string // "u", "users u", "u.id = s.user_id"
}

// sql returns the count statement for the filter condition cond ("" for
// none) and, when rare is set, the arguments doubled as it needs them.
//
// SQLite plans without statistics (nothing runs ANALYZE), so two choices
// that statistics would make are spelled out for it: a filter on one
// joined table (user.name==bob) reads that small table first (CROSS JOIN
// fixes the order in SQLite), and the rare count uses its index (INDEXED
// BY). Without them a count read an index entry of every live session.
func (c countSpec) sql(sqlite bool, cond string, args []any) (string, []any) {
	var read []countJoin
	for _, j := range c.joins {
		if readsAlias(cond, j.alias) {
			read = append(read, j)
		}
	}
	where := c.where
	if cond != "" {
		where += " AND (" + cond + ")"
	}
	from := func(hint string) string {
		if sqlite && len(read) == 1 && hint == "" {
			return ` FROM ` + read[0].table + ` CROSS JOIN ` + c.table + ` WHERE ` + read[0].on + ` AND ` + where
		}
		f := ` FROM ` + c.table + hint
		for _, j := range read {
			f += ` JOIN ` + j.table + ` ON ` + j.on
		}
		return f + ` WHERE ` + where
	}
	total, totalArgs := `SELECT COUNT(*)`+from(""), args
	if cond == "" && c.all != "" {
		total, totalArgs = c.all, c.allArgs
	}
	if c.rare == "" {
		return total, totalArgs
	}
	hint := ""
	if sqlite {
		hint = ` INDEXED BY ` + c.rareIndex
	}
	all := append(append(append([]any(nil), totalArgs...), args...), c.rareArgs...)
	return `SELECT (` + total + `) - (SELECT COUNT(*)` + from(hint) + ` AND ` + c.rare + `)`, all
}

// runList runs "selectCols + from [AND filter] [AND NOT rare] ORDER BY ...
// LIMIT/OFFSET" and the matching count. from must end in a WHERE clause.
func runList[T any](q queries, ctx context.Context, l listSpec, selectCols, from string, args []any,
	scan func(*sql.Rows) (T, error)) ([]T, int, error) {
	var cond string
	if l.filter != nil {
		var err error
		cond, err = fiql.SQL(l.filter, l.schema, func(v any) string {
			args = append(args, v)
			return "?"
		})
		if err != nil {
			return nil, 0, fmt.Errorf("%w: filter: %w", store.ErrInvalid, err)
		}
		from += " AND (" + cond + ")"
	}
	count, countArgs := `SELECT COUNT(*) `+from, args
	if l.count.table != "" {
		count, countArgs = l.count.sql(q.db.cfg.Dialect.Name() == "sqlite", cond, args)
	}
	if l.count.rare != "" {
		from += " AND NOT (" + l.count.rare + ")"
		args = append(args, l.count.rareArgs...)
	}
	var total int
	if err := q.row(ctx, count, countArgs...).Scan(&total); err != nil {
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

// readsAlias reports whether the SQL text sql names a column of the table
// alias ("u" matches "u.name" and "(u.kind", not "s.user_id"). The text
// is a filter compiled from a schema: trusted, with every value bound.
func readsAlias(sql, alias string) bool {
	for i := 0; ; {
		j := strings.Index(sql[i:], alias+".")
		if j < 0 {
			return false
		}
		j += i
		if j == 0 || !isIdentByte(sql[j-1]) {
			return true
		}
		i = j + 1
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
