package market

import "testing"

// FuzzParseMoney: any amount and currency parse or fail cleanly; a parsed amount formats back to
// an amount that parses to the same money.
func FuzzParseMoney(f *testing.F) {
	for _, s := range [][2]string{{"450.00", "EUR"}, {"-1", "USD"}, {"1e9", "JPY"}, {"0.001", "EUR"}, {"99999999999999999999", "EUR"}, {"' OR 1=1 --", "EUR"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, amount, currency string) {
		m, err := ParseMoney(Decimal(amount), currency)
		if err != nil {
			return
		}
		back, err := ParseMoney(m.Amount(), m.Currency)
		if err != nil || back != m {
			t.Fatalf("ParseMoney(%q, %q) = %+v; its amount %q parses to %+v, %v", amount, currency, m, m.Amount(), back, err)
		}
	})
}
