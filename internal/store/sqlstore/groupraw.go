package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

// The batch's guards and inserts run on the writer's driver connection
// (sql.Conn.Raw), inside the transaction database/sql began on it. Through
// database/sql every argument was passed through Value and the default
// converter into a freshly allocated []driver.NamedValue, per statement:
// with 17 values a session that was most of the Go garbage of the insert
// and a twentieth of the committer's CPU. Here the values are written once
// into a buffer the committer reuses, and the owner, org and token ids,
// which repeat from session to session, are converted once per batch.

// rawStmts are the batch statements prepared on one driver connection. A
// prepared statement belongs to its connection: when the pool hands out
// another one (the old one failed), they are prepared again.
type rawStmts struct {
	conn   any
	insert [maxInsertRows + 1]driver.Stmt // by number of rows
	guard  [2]driver.Stmt                 // owner; owner and token
	unit   [3]driver.Stmt                 // SAVEPOINT, RELEASE, ROLLBACK TO
}

var unitSQL = [3]string{"SAVEPOINT unit", "RELEASE unit", "ROLLBACK TO unit"}

const (
	unitSavepoint = iota
	unitRelease
	unitRollback
)

// batchRaw is the state of one batch's raw phase.
type batchRaw struct {
	c   *committer
	ctx context.Context
	dc  any
	st  *rawStmts
	// ids holds each distinct id of the batch converted for the driver.
	ids map[urn.UUID]driver.Value
}

// prepared returns the statement in slot, preparing the text query
// returns on the connection the first time.
func (b *batchRaw) prepared(slot *driver.Stmt, query func() string) (driver.Stmt, error) {
	if *slot != nil {
		return *slot, nil
	}
	p, ok := b.dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("store: the driver connection cannot prepare statements")
	}
	st, err := p.PrepareContext(b.ctx, b.c.db.rebind(query()))
	if err != nil {
		return nil, b.c.db.wrap(err)
	}
	*slot = st
	return st, nil
}

// exec runs a prepared statement with args.
func (b *batchRaw) exec(st driver.Stmt, args []driver.NamedValue) error {
	ex, ok := st.(driver.StmtExecContext)
	if !ok {
		return fmt.Errorf("store: the driver statement cannot execute with a context")
	}
	_, err := ex.ExecContext(b.ctx, args)
	return b.c.db.wrap(err)
}

// unit runs SAVEPOINT, RELEASE or ROLLBACK TO of the savepoint "unit".
func (b *batchRaw) unit(which int) error {
	st, err := b.prepared(&b.st.unit[which], func() string { return unitSQL[which] })
	if err != nil {
		return err
	}
	return b.exec(st, nil)
}

// id returns u as the driver value UUID.Value gives (NULL for the zero
// UUID), converting each distinct id once per batch.
func (b *batchRaw) id(u urn.UUID) driver.Value {
	if u.IsZero() {
		return nil
	}
	if v, ok := b.ids[u]; ok {
		return v
	}
	v := driver.Value(u.String())
	b.ids[u] = v
	return v
}

// appendSession appends the driver values of one session row, in the
// column order of sqlInsertSession.
func (b *batchRaw) appendSession(args []driver.NamedValue, in *sessionInsert) []driver.NamedValue {
	s := &in.s
	var legacy driver.Value
	if !s.LegacyDigest.IsZero() {
		legacy = s.LegacyDigest[:]
	}
	var digest driver.Value
	if !s.Digest.IsZero() {
		digest = s.Digest[:] // bound by copying; the unit outlives the statement
	}
	for _, v := range [sessionColumns]driver.Value{
		s.ID.String(), digest, legacy, b.id(s.UserID), b.id(s.OrgID), string(s.Origin), s.Dialect,
		b.id(s.TokenID), b.id(s.ParentID), s.ClientIP, s.UserAgent, store.Micros(s.CreatedAt),
		store.Micros(s.LastActive), store.Micros(s.ExpiresAt), s.Idle, store.Micros(s.EndedAt), s.EndReason,
	} {
		args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
	}
	return args
}

// guard checks one session's owner guard and, for a session made from an
// API token, its token guard: true if all hold. The transaction is BEGIN
// IMMEDIATE, so nothing changes them before the insert.
func (b *batchRaw) guard(in *sessionInsert) (bool, error) {
	s, g := &in.s, &in.g
	withToken := !g.TokenDigest.IsZero()
	k := 0
	if withToken {
		k = 1
	}
	st, err := b.prepared(&b.st.guard[k], func() string { return b.c.db.queries.guardSQL(withToken) })
	if err != nil {
		return false, err
	}
	args := []driver.NamedValue{{Ordinal: 1, Value: b.id(s.UserID)}, {Ordinal: 2, Value: store.Micros(g.ValidAfter)},
		{Ordinal: 3, Value: g.PasswordHash}}
	if withToken {
		args = append(args, driver.NamedValue{Ordinal: 4, Value: b.id(s.TokenID)}, driver.NamedValue{Ordinal: 5, Value: g.TokenDigest[:]})
	}
	q, ok := st.(driver.StmtQueryContext)
	if !ok {
		return false, fmt.Errorf("store: the driver statement cannot query with a context")
	}
	rows, err := q.QueryContext(b.ctx, args)
	if err != nil {
		return false, b.c.db.wrap(err)
	}
	defer rows.Close()
	dest := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("store: the guard query returned no row")
		}
		return false, b.c.db.wrap(err)
	}
	for _, v := range dest {
		if n, _ := v.(int64); n == 0 {
			return false, nil
		}
	}
	return true, nil
}

// insertSessions runs the batch's guarded inserts on the driver connection
// dc: batch[i].ins for i in idx, results[i] receiving each one's error. It
// returns an error only when the transaction is in an unknown state and
// the batch must fail.
func (c *committer) insertSessions(ctx context.Context, dc any, batch []*unit, idx []int, results []error) error {
	if c.raw.conn != dc {
		// A new connection: statements of the old one cannot run here.
		c.raw = rawStmts{conn: dc}
	}
	b := &batchRaw{c: c, ctx: ctx, dc: dc, st: &c.raw, ids: make(map[urn.UUID]driver.Value, 4)}
	type guardKey struct {
		owner ownerGuard
		token tokenGuard
	}
	checked := make(map[guardKey]bool, 2)
	pass := idx[:0:0]
	for _, i := range idx {
		u := batch[i]
		if err := u.ctx.Err(); err != nil {
			results[i] = c.db.wrap(err)
			continue
		}
		in := u.ins
		k := guardKey{ownerGuard{in.s.UserID, store.Micros(in.g.ValidAfter), in.g.PasswordHash}, tokenGuard{}}
		if !in.g.TokenDigest.IsZero() {
			k.token = tokenGuard{in.s.TokenID, in.g.TokenDigest}
		}
		ok, seen := checked[k]
		if !seen {
			var err error
			if ok, err = b.guard(in); err != nil {
				results[i] = err
				continue
			}
			checked[k] = ok
		}
		if ok {
			pass = append(pass, i)
		}
	}
	for len(pass) > 0 {
		n := min(len(pass), maxInsertRows)
		chunk := pass[:n]
		pass = pass[n:]
		st, err := b.prepared(&c.raw.insert[n], func() string { return multiInsertSQL(n) })
		if err == nil {
			args := c.args[:0]
			for _, i := range chunk {
				args = b.appendSession(args, batch[i].ins)
			}
			c.args = args
			err = b.exec(st, args)
			clear(args) // let the values go: the buffer lives as long as the store
		}
		if err == nil {
			for _, i := range chunk {
				batch[i].ins.inserted = true
			}
			continue
		}
		// Split: each row alone, so one bad row fails only its own unit.
		if err := c.insertEach(b, batch, chunk, results); err != nil {
			return err
		}
	}
	return nil
}

// insertEach inserts the sessions of chunk one by one, each inside a
// savepoint, after their multi-row statement failed.
func (c *committer) insertEach(b *batchRaw, batch []*unit, chunk []int, results []error) error {
	st, err := b.prepared(&c.raw.insert[1], func() string { return multiInsertSQL(1) })
	if err != nil {
		return err
	}
	for _, i := range chunk {
		if err := b.unit(unitSavepoint); err != nil {
			results[i] = err
			continue
		}
		args := b.appendSession(c.args[:0], batch[i].ins)
		err := b.exec(st, args)
		clear(args)
		if err != nil {
			results[i] = err
			if rbErr := b.unit(unitRollback); rbErr != nil {
				return rbErr
			}
		} else {
			batch[i].ins.inserted = true
		}
		if err := b.unit(unitRelease); err != nil && results[i] == nil {
			results[i] = err
		}
	}
	return nil
}

// closeRaw closes the statements prepared on the writer's connection, so
// that closing the pool closes the database file at once.
func (c *committer) closeRaw() {
	if c.raw.conn == nil {
		return
	}
	conn, err := c.db.cfg.Write.Conn(context.Background())
	if err != nil {
		return
	}
	defer conn.Close()
	_ = conn.Raw(func(dc any) error {
		if dc != c.raw.conn {
			return nil // that connection is gone, and its statements with it
		}
		for _, st := range c.raw.all() {
			_ = st.Close() // closing: a statement that fails to finalize is gone anyway
		}
		return nil
	})
	c.raw = rawStmts{}
}

// all lists the prepared statements.
func (r *rawStmts) all() []driver.Stmt {
	var out []driver.Stmt
	for _, group := range [][]driver.Stmt{r.insert[:], r.guard[:], r.unit[:]} {
		for _, st := range group {
			if st != nil {
				out = append(out, st)
			}
		}
	}
	return out
}
