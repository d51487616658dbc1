package resolvers

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gigraph/gigraph/graph/model"
	"github.com/gigraph/gigraph/market"
)

// Input checks shared by the mutations. Each returns a BAD_USER_INPUT error naming the field, so
// a form can show the message next to it; the store then only ever sees valid values.

// checkText trims s and checks its length in characters. Line breaks and tabs are allowed only when
// multiline; other control characters never.
func checkText(field, s string, minRunes, maxRunes int, multiline bool) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", market.InvalidInput(field, "must be valid UTF-8")
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < minRunes && minRunes == 1:
		return "", market.InvalidInput(field, "must not be empty")
	case n < minRunes:
		return "", market.InvalidInput(field, "must have at least %d characters", minRunes)
	case n > maxRunes:
		return "", market.InvalidInput(field, "must have at most %d characters", maxRunes)
	}
	for _, r := range s {
		lineBreakOrTab := r == '\n' || r == '\r' || r == '\t'
		if unicode.IsControl(r) && (!multiline || !lineBreakOrTab) {
			return "", market.InvalidInput(field, "must not contain control characters")
		}
	}
	return s, nil
}

// checkCountry accepts an officially assigned ISO 3166-1 alpha-2 code in upper case ("NL"): not a
// continent, a private-use code or a reserved one ("UK" is GB).
func checkCountry(field, s string) (string, error) {
	if !market.IsCountry(s) {
		return "", market.InvalidInput(field, "%q is not an ISO 3166-1 alpha-2 country code like \"NL\"", s)
	}
	return s, nil
}

// checkMoney parses a positive amount of money; errors name field.amount or field.currency.
func checkMoney(field string, in *model.MoneyInput) (market.Money, error) {
	if in == nil {
		return market.Money{}, market.InvalidInput(field, "is required")
	}
	if _, err := market.CurrencyScale(in.Currency); err != nil {
		return market.Money{}, market.InvalidInput(field+".currency", "%q is not an ISO 4217 currency code like \"EUR\"", in.Currency)
	}
	m, err := market.ParseMoney(in.Amount, in.Currency)
	if err != nil {
		return market.Money{}, market.InvalidInput(field+".amount", "%s", err.Error())
	}
	if m.Minor <= 0 {
		return market.Money{}, market.InvalidInput(field+".amount", "must be greater than zero")
	}
	return m, nil
}

// checkRange checks an integer against inclusive bounds.
func checkRange(field string, n, lo, hi int) error {
	if n < lo || n > hi {
		return market.InvalidInput(field, "must be between %d and %d, got %d", lo, hi, n)
	}
	return nil
}

// checkSlugs checks a list of skill slugs: between lo and hi of them, none repeated. Whether they
// exist is the store's check, in the transaction that uses them.
func checkSlugs(field string, slugs []string, lo, hi int) error {
	if len(slugs) < lo || len(slugs) > hi {
		return market.InvalidInput(field, "must list between %d and %d skills, got %d", lo, hi, len(slugs))
	}
	seen := make(map[string]bool, len(slugs))
	for i, s := range slugs {
		if seen[s] {
			return market.InvalidInput(fmt.Sprintf("%s[%d]", field, i), "%q is listed twice", s)
		}
		seen[s] = true
	}
	return nil
}
