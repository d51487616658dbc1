package market

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"
)

// Money is an exact amount: integer minor units of an ISO 4217 currency. It is never a float.
type Money struct {
	Minor    int64
	Currency string
}

// Amount is the amount in major units as a decimal string, with the currency's number of
// decimals ("450.00" EUR, "4500" JPY).
func (m Money) Amount() Decimal {
	return Decimal(FormatMinor(m.Minor, m.Currency))
}

// String formats the money as "450.00 EUR".
func (m Money) String() string { return string(m.Amount()) + " " + m.Currency }

// CurrencyScale returns the number of decimals of an ISO 4217 currency, or an error for an unknown
// code. Codes must be upper case.
func CurrencyScale(code string) (int, error) {
	if len(code) != 3 || strings.ToUpper(code) != code {
		return 0, Errorf(CodeBadUserInput, "%q is not an ISO 4217 currency code", code)
	}
	u, err := currency.ParseISO(code)
	if err != nil {
		return 0, Errorf(CodeBadUserInput, "%q is not an ISO 4217 currency code", code)
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, nil
}

// FormatMinor formats minor units of a currency as a decimal string in major units. An unknown
// currency is formatted with two decimals.
func FormatMinor(minor int64, code string) string {
	scale, err := CurrencyScale(code)
	if err != nil {
		scale = 2
	}
	neg := minor < 0
	var digits string
	if neg {
		// Format the magnitude as unsigned so math.MinInt64 does not overflow.
		digits = strconv.FormatUint(uint64(-(minor+1))+1, 10)
	} else {
		digits = strconv.FormatInt(minor, 10)
	}
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// ParseMoney parses a non-negative decimal amount in major units of a currency into exact minor
// units. It refuses more decimals than the currency has, signs, exponents, and amounts that do not
// fit into 64 bits.
func ParseMoney(amount Decimal, code string) (Money, error) {
	scale, err := CurrencyScale(code)
	if err != nil {
		return Money{}, err
	}
	minor, err := parseMinor(string(amount), scale)
	if err != nil {
		return Money{}, err
	}
	return Money{Minor: minor, Currency: code}, nil
}

func parseMinor(s string, scale int) (int64, error) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, Errorf(CodeBadUserInput, "%q is not a decimal amount like \"450.00\"", s)
	}
	if len(frac) > scale {
		// Trailing zeros beyond the scale are harmless ("450.000" EUR); other digits are not.
		if strings.TrimRight(frac[scale:], "0") != "" {
			return 0, Errorf(CodeBadUserInput, "%q has more than %d decimals", s, scale)
		}
		frac = frac[:scale]
	}
	frac += strings.Repeat("0", scale-len(frac))
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, Errorf(CodeBadUserInput, "%q is too large", s)
	}
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Decimal is a decimal number carried as a string, so amounts are never rounded through a float.
type Decimal string

// MarshalGQL writes the decimal as a JSON string.
func (d Decimal) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(d))) }

// UnmarshalGQL accepts a string; numbers are refused so that no client sends a float by accident.
func (d *Decimal) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return Errorf(CodeBadUserInput, "Decimal must be a string like \"450.00\", got %T", v)
	}
	*d = Decimal(strings.TrimSpace(s))
	return nil
}

// Date is a calendar date without a time zone.
type Date struct{ time.Time }

// DateLayout is how dates are written.
const DateLayout = "2006-01-02"

// NewDate returns the date of t in UTC.
func NewDate(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return d.Format(DateLayout) }

// MarshalGQL writes the date as "YYYY-MM-DD".
func (d Date) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(d.String())) }

// UnmarshalGQL parses "YYYY-MM-DD".
func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return Errorf(CodeBadUserInput, "Date must be a string like \"2026-01-31\", got %T", v)
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Errorf(CodeBadUserInput, "%q is not a date like \"2026-01-31\"", s)
	}
	*d = Date{t}
	return nil
}

// Scan reads a DATE column.
func (d *Date) Scan(src any) error {
	t, ok := src.(time.Time)
	if !ok {
		return fmt.Errorf("cannot scan %T into Date", src)
	}
	*d = NewDate(t)
	return nil
}
