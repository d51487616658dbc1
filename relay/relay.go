// Package relay implements the Relay conventions the API follows: opaque global object IDs and
// opaque keyset cursors bound to the ordering they were made for, plus page-size rules.
package relay

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gigraph/gigraph/market"
)

// ID returns the opaque global ID of the object of the given type and database key.
func ID(typ string, key int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(key, 10)))
}

// ParseID decodes a global ID into its type and key. ok is false for anything malformed; callers
// treat that like an ID that does not exist.
func ParseID(id string) (typ string, key int64, ok bool) {
	if len(id) > 64 {
		return "", 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", 0, false
	}
	typ, num, found := strings.Cut(string(raw), ":")
	if !found || typ == "" {
		return "", 0, false
	}
	key, err = strconv.ParseInt(num, 10, 64)
	if err != nil || key <= 0 || strconv.FormatInt(key, 10) != num {
		return "", 0, false
	}
	// Only the one spelling ID makes is accepted: base64 decoding also takes the unused low bits
	// of the last character and skips \r and \n, so fuzzing found "0006N0", "0006Nw" and
	// "00\r06NA" all naming one object, which would defeat deduplication by ID.
	if ID(typ, key) != id {
		return "", 0, false
	}
	return typ, key, true
}

// KeyOf returns the key of a global ID of the wanted type, or a NOT_FOUND error when the ID is
// malformed or of another type: to a client both are IDs that name nothing.
func KeyOf(id, typ string) (int64, error) {
	t, key, ok := ParseID(id)
	if !ok || t != typ {
		return 0, market.ErrNotFound
	}
	return key, nil
}

// cursor is what an opaque cursor carries: the ordering it belongs to and the sort-key values of
// the row it points at (the last being the unique tie-breaker).
type cursor struct {
	Order string            `json:"o"`
	Keys  []json.RawMessage `json:"k"`
}

// EncodeCursor makes an opaque cursor for a row of the named ordering; keys are the row's sort-key
// values in ordering order, ending with its unique ID.
func EncodeCursor(ordering string, keys ...any) string {
	c := cursor{Order: ordering, Keys: make([]json.RawMessage, len(keys))}
	for i, k := range keys {
		b, err := json.Marshal(k)
		if err != nil {
			panic("relay: cursor key is not JSON: " + err.Error())
		}
		c.Keys[i] = b
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by EncodeCursor for the same ordering into dst, one pointer per
// key. A malformed cursor, or one made for another ordering, is BAD_USER_INPUT.
func DecodeCursor(s, ordering, field string, dst ...any) error {
	bad := market.InvalidInput(field, "%s is not a valid cursor for this list and ordering", field)
	if len(s) > 512 {
		return bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return bad
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Order != ordering || len(c.Keys) != len(dst) {
		return bad
	}
	for i, k := range c.Keys {
		if err := json.Unmarshal(k, dst[i]); err != nil {
			return bad
		}
	}
	return nil
}

// DefaultPageSize and MaxPageSize bound every connection.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Page is a validated request for one page of a connection.
type Page struct {
	// Limit is how many rows the page holds.
	Limit int
	// Backward is true when paging with last/before: rows are read in reverse order and flipped.
	Backward bool
	// Cursor is the after (forward) or before (backward) cursor, "" for none.
	Cursor string
}

// NewPage validates first/after/last/before: first and last may not be combined, must be 0–100,
// and default to 20.
func NewPage(first *int, after *string, last *int, before *string) (Page, error) {
	if first != nil && last != nil {
		return Page{}, market.InvalidInput("last", "use either first or last, not both")
	}
	p := Page{Limit: DefaultPageSize}
	if last != nil || (before != nil && first == nil) {
		p.Backward = true
	}
	n, name := first, "first"
	if p.Backward {
		n, name = last, "last"
	}
	if n != nil {
		if *n < 0 || *n > MaxPageSize {
			return Page{}, market.InvalidInput(name, "%s must be between 0 and %d, got %d", name, MaxPageSize, *n)
		}
		p.Limit = *n
	}
	if p.Backward {
		if after != nil {
			return Page{}, market.InvalidInput("after", "after cannot be combined with last/before")
		}
		if before != nil {
			p.Cursor = *before
		}
	} else {
		if before != nil {
			return Page{}, market.InvalidInput("before", "before cannot be combined with first/after")
		}
		if after != nil {
			p.Cursor = *after
		}
	}
	return p, nil
}

// CursorField is the argument name the cursor came from, for error messages.
func (p Page) CursorField() string {
	if p.Backward {
		return "before"
	}
	return "after"
}
