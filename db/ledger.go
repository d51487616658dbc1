package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/gigraph/gigraph/market"
	"github.com/gigraph/gigraph/relay"
)

// The ledger is double entry: every money movement is a transfer of two entries that sum to zero,
// debiting one account and crediting another. The database refuses to update or delete an entry
// and, at commit, any transfer that does not balance (see 00001_core.sql).

const ledgerColumns = `id, transfer_id, kind, account, amount, currency, order_id, milestone_id, created_at`

// transfer records one movement of amount (positive) from the debit to the credit account.
func transfer(ctx context.Context, tx sqlx.ExecerContext, kind market.LedgerEntryKind, orderID, milestoneID, amount int64, currency, debit, credit string) error {
	if amount <= 0 {
		return fmt.Errorf("ledger transfer of %d: amounts are positive", amount)
	}
	const q = `INSERT INTO ledger_entries (transfer_id, kind, account, amount, currency, order_id, milestone_id)
		SELECT t.id, $1, e.account, e.amount, $2, $3, $4
		FROM (SELECT nextval('ledger_transfer_seq') AS id) t,
		     (VALUES (1, $5::text, -$7::bigint), (2, $6::text, $7::bigint)) AS e(n, account, amount)
		ORDER BY e.n`
	_, err := tx.ExecContext(ctx, q, kind, currency, orderID, milestoneID, debit, credit, amount)
	return err
}

// ledgerOrdering names the one ordering of an order's ledger, oldest first.
const ledgerOrdering = "ledger:id"

// ListLedger returns one page of an order's ledger entries, oldest first.
// Returns BAD_USER_INPUT for a cursor of another list.
func (s *Store) ListLedger(ctx context.Context, orderID int64, p relay.Page) (relay.Window[market.LedgerEntry], []string, error) {
	args := []any{orderID}
	where := "order_id = $1"
	cmp, dir := ">", "ASC"
	if p.Backward {
		cmp, dir = "<", "DESC"
	}
	if p.Cursor != "" {
		var id int64
		if err := relay.DecodeCursor(p.Cursor, ledgerOrdering, p.CursorField(), &id); err != nil {
			return relay.Window[market.LedgerEntry]{}, nil, err
		}
		args = append(args, id)
		where += " AND id " + cmp + " $2"
	}
	args = append(args, p.Limit+1)
	q := `SELECT ` + ledgerColumns + ` FROM ledger_entries WHERE ` + where + ` ORDER BY id ` + dir + ` LIMIT $` + itoa(len(args))
	var rows []market.LedgerEntry
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, args...); err != nil {
		return relay.Window[market.LedgerEntry]{}, nil, err
	}
	w := relay.Trim(rows, p)
	cursors := make([]string, len(w.Rows))
	for i, r := range w.Rows {
		cursors[i] = relay.EncodeCursor(ledgerOrdering, r.ID)
	}
	return w, cursors, nil
}

// CountLedger counts an order's ledger entries.
func (s *Store) CountLedger(ctx context.Context, orderID int64) (int, error) {
	var n int
	err := sqlx.GetContext(ctx, s.db, &n, `SELECT count(*) FROM ledger_entries WHERE order_id = $1`, orderID)
	return n, err
}

// LedgerEntriesByID loads ledger entries by ID for dataloaders; missing IDs are absent.
func (s *Store) LedgerEntriesByID(ctx context.Context, ids []int64) (map[int64]*market.LedgerEntry, error) {
	var rows []*market.LedgerEntry
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT `+ledgerColumns+` FROM ledger_entries WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
		return nil, err
	}
	out := make(map[int64]*market.LedgerEntry, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// ledgerChecks are the invariants of the money, each a query that returns one line per violation.
// They read the whole ledger; run them in tests, after a seed, or from an operator's console.
var ledgerChecks = []struct{ name, q string }{
	{"every currency sums to zero", `
		SELECT currency || ' sums to ' || sum(amount) FROM ledger_entries GROUP BY currency HAVING sum(amount) <> 0`},
	{"every transfer balances, has one kind, one milestone and two entries", `
		SELECT 'transfer ' || transfer_id || ': sum ' || sum(amount) || ', ' || count(*) || ' entries, ' ||
		       count(DISTINCT kind) || ' kinds, ' || count(DISTINCT milestone_id) || ' milestones'
		FROM ledger_entries GROUP BY transfer_id
		HAVING sum(amount) <> 0 OR count(*) <> 2 OR count(DISTINCT kind) <> 1 OR count(DISTINCT milestone_id) <> 1
		    OR count(DISTINCT currency) <> 1`},
	{"entries belong to their milestone's order, currency and parties", `
		SELECT 'entry ' || e.id || ' (' || e.kind || ' ' || e.account || ') does not fit milestone ' || m.id
		FROM ledger_entries e JOIN milestones m ON m.id = e.milestone_id JOIN orders o ON o.id = m.order_id
		WHERE e.order_id <> m.order_id OR e.currency <> m.currency
		   OR e.account NOT IN ('client:' || o.client_id, 'freelancer:' || o.freelancer_id, 'escrow:milestone:' || m.id)
		   OR (e.kind = 'FUND' AND e.account NOT IN ('client:' || o.client_id, 'escrow:milestone:' || m.id))
		   OR (e.kind = 'RELEASE' AND e.account NOT IN ('freelancer:' || o.freelancer_id, 'escrow:milestone:' || m.id))
		   OR (e.kind = 'REFUND' AND e.account NOT IN ('client:' || o.client_id, 'escrow:milestone:' || m.id))
		   OR (e.account LIKE 'escrow:%' AND (e.kind = 'FUND') <> (e.amount > 0))`},
	{"escrow is never negative, at any point in its history", `
		SELECT DISTINCT account || ' went negative' FROM (
			SELECT account, sum(amount) OVER (PARTITION BY account ORDER BY id) AS balance
			FROM ledger_entries WHERE account LIKE 'escrow:%') b
		WHERE balance < 0`},
	{"per milestone released + refunded <= funded <= amount, and the status agrees with the ledger", `
		WITH flows AS (
			SELECT m.id, m.status, m.amount,
			       coalesce(sum(e.amount) FILTER (WHERE e.kind = 'FUND'), 0) AS funded,
			       coalesce(-sum(e.amount) FILTER (WHERE e.kind = 'RELEASE'), 0) AS released,
			       coalesce(-sum(e.amount) FILTER (WHERE e.kind = 'REFUND'), 0) AS refunded
			FROM milestones m LEFT JOIN ledger_entries e ON e.milestone_id = m.id AND e.account = 'escrow:milestone:' || m.id
			GROUP BY m.id)
		SELECT 'milestone ' || id || ' ' || status || ': amount ' || amount || ', funded ' || funded ||
		       ', released ' || released || ', refunded ' || refunded
		FROM flows
		WHERE released + refunded > funded OR funded > amount
		   OR (status IN ('PENDING', 'CANCELLED') AND (funded, released, refunded) <> (0, 0, 0))
		   OR (status IN ('FUNDED', 'SUBMITTED') AND (funded, released, refunded) <> (amount, 0, 0))
		   OR (status = 'RELEASED' AND (funded, released, refunded) <> (amount, amount, 0))
		   OR (status = 'REFUNDED' AND (funded, released, refunded) <> (amount, 0, amount))`},
	{"the milestones of a FIXED order that can still pay fit into its amount", `
		SELECT 'order ' || o.id || ': milestones ' || sum(m.amount) || ' > amount ' || o.amount
		FROM orders o JOIN milestones m ON m.order_id = o.id AND m.status NOT IN ('CANCELLED', 'REFUNDED')
		WHERE o.rate_type = 'FIXED' GROUP BY o.id HAVING sum(m.amount) > o.amount`},
	{"milestones hold money only while their order is ACCEPTED", `
		SELECT 'milestone ' || m.id || ' is ' || m.status || ' on a ' || o.status || ' order'
		FROM milestones m JOIN orders o ON o.id = m.order_id
		WHERE m.status IN ('FUNDED', 'SUBMITTED') AND o.status <> 'ACCEPTED'`},
}

// LedgerViolations checks the ledger's invariants and returns one line per violation, prefixed by
// the invariant it breaks; none means the money is exact:
//
//   - per currency all entries sum to zero, and every transfer balances;
//   - every entry concerns its milestone's escrow, its order's client or freelancer, in the
//     milestone's currency;
//   - no escrow account was ever negative;
//   - per milestone released + refunded ≤ funded ≤ amount, and the status agrees with the ledger:
//     PENDING/CANCELLED hold nothing, FUNDED/SUBMITTED hold exactly the amount in escrow, RELEASED
//     paid the amount to the freelancer, REFUNDED paid it back to the client;
//   - the paying milestones of a FIXED order fit into its amount;
//   - money sits in escrow only on ACCEPTED orders.
//
// The checks run in one repeatable-read transaction, so they see one consistent state even while
// transitions commit.
func (s *Store) LedgerViolations(ctx context.Context) ([]string, error) {
	tx, err := s.db.BeginTxx(ctx, &sqlTxReadOnlySnapshot)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	var out []string
	for _, c := range ledgerChecks {
		var lines []string
		if err := sqlx.SelectContext(ctx, tx, &lines, c.q); err != nil {
			return nil, fmt.Errorf("ledger check %q: %w", c.name, err)
		}
		for _, l := range lines {
			out = append(out, c.name+": "+l)
		}
	}
	return out, nil
}

// CheckLedger returns an error listing every ledger violation, or nil when the money is exact.
func (s *Store) CheckLedger(ctx context.Context) error {
	v, err := s.LedgerViolations(ctx)
	if err != nil {
		return err
	}
	if len(v) > 0 {
		return errors.New("ledger invariants broken:\n  " + strings.Join(v, "\n  "))
	}
	return nil
}
