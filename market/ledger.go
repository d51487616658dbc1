package market

import (
	"io"
	"time"
)

// LedgerEntryKind is the money movement a ledger entry belongs to.
type LedgerEntryKind string

// The ledger entry kinds.
const (
	// LedgerFund moves client money into a milestone's escrow.
	LedgerFund LedgerEntryKind = "FUND"
	// LedgerRelease pays a milestone's escrow out to the freelancer.
	LedgerRelease LedgerEntryKind = "RELEASE"
	// LedgerRefund pays a milestone's escrow back to the client.
	LedgerRefund LedgerEntryKind = "REFUND"
)

// LedgerEntryKinds lists every kind.
var LedgerEntryKinds = []LedgerEntryKind{LedgerFund, LedgerRelease, LedgerRefund}

// IsValid reports whether k is a known kind.
func (k LedgerEntryKind) IsValid() bool { return oneOf(k, LedgerEntryKinds) }

// MarshalGQL writes the enum value.
func (k LedgerEntryKind) MarshalGQL(w io.Writer) { marshalEnum(w, k) }

// UnmarshalGQL reads an enum value.
func (k *LedgerEntryKind) UnmarshalGQL(v any) error { return unmarshalEnum(v, k) }

// LedgerEntry is one side of a double-entry money movement (a transfer). The entries of a transfer
// sum to zero per currency; entries are never changed or deleted.
type LedgerEntry struct {
	ID         int64           `db:"id"`
	TransferID int64           `db:"transfer_id"`
	Kind       LedgerEntryKind `db:"kind"`
	// Account is "client:<client id>", "escrow:milestone:<milestone id>" or
	// "freelancer:<freelancer id>".
	Account     string    `db:"account"`
	AmountMinor int64     `db:"amount"`
	Currency    string    `db:"currency"`
	OrderID     int64     `db:"order_id"`
	MilestoneID int64     `db:"milestone_id"`
	CreatedAt   time.Time `db:"created_at"`
}

// Amount is the signed amount: positive credits the account, negative debits it.
func (e *LedgerEntry) Amount() Money { return Money{Minor: e.AmountMinor, Currency: e.Currency} }
