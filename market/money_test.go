package market_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/gigraph/gigraph/market"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		amount   string
		currency string
		want     int64
		wantCode market.Code
	}{
		{"450.00", "EUR", 45000, ""},
		{"450", "EUR", 45000, ""},
		{"450.5", "EUR", 45050, ""},
		{"0.01", "EUR", 1, ""},
		{"0", "EUR", 0, ""},
		{"007.10", "EUR", 710, ""},
		{"450.000", "EUR", 45000, ""},
		{"4500", "JPY", 4500, ""},
		{"1.234", "BHD", 1234, ""},
		{"92233720368547758.07", "EUR", math.MaxInt64, ""},
		{"92233720368547758.08", "EUR", 0, market.CodeBadUserInput},
		{"450.001", "EUR", 0, market.CodeBadUserInput},
		{"4500.5", "JPY", 0, market.CodeBadUserInput},
		{"-1", "EUR", 0, market.CodeBadUserInput},
		{"+1", "EUR", 0, market.CodeBadUserInput},
		{"1e3", "EUR", 0, market.CodeBadUserInput},
		{"1.", "EUR", 0, market.CodeBadUserInput},
		{".5", "EUR", 0, market.CodeBadUserInput},
		{"", "EUR", 0, market.CodeBadUserInput},
		{"1,5", "EUR", 0, market.CodeBadUserInput},
		{"NaN", "EUR", 0, market.CodeBadUserInput},
		{"10", "eur", 0, market.CodeBadUserInput},
		{"10", "EURO", 0, market.CodeBadUserInput},
		{"10", "ZZZ", 0, market.CodeBadUserInput},
	}
	for _, tt := range tests {
		t.Run(tt.amount+" "+tt.currency, func(t *testing.T) {
			got, err := market.ParseMoney(market.Decimal(tt.amount), tt.currency)
			if code := market.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("error code %q (%v), want %q", code, err, tt.wantCode)
			}
			if err == nil && (got.Minor != tt.want || got.Currency != tt.currency) {
				t.Errorf("got %+v, want %d %s", got, tt.want, tt.currency)
			}
		})
	}
}

func TestFormatMinorRoundTrips(t *testing.T) {
	for _, cur := range []string{"EUR", "JPY", "BHD", "CHF"} {
		for _, minor := range []int64{0, 1, 9, 10, 99, 100, 101, 45000, 123456789, math.MaxInt64} {
			s := market.FormatMinor(minor, cur)
			got, err := market.ParseMoney(market.Decimal(s), cur)
			if err != nil || got.Minor != minor {
				t.Errorf("%d %s formats as %q, which parses back as %d (%v)", minor, cur, s, got.Minor, err)
			}
		}
	}
}

func TestFormatMinorNegative(t *testing.T) {
	tests := []struct {
		minor int64
		want  string
	}{
		{-1, "-0.01"},
		{-45000, "-450.00"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := market.FormatMinor(tt.minor, "EUR"); got != tt.want {
			t.Errorf("FormatMinor(%d) = %q, want %q", tt.minor, got, tt.want)
		}
	}
}

func ExampleMoney_Amount() {
	fmt.Println(market.Money{Minor: 45000, Currency: "EUR"}.Amount())
	fmt.Println(market.Money{Minor: 4500, Currency: "JPY"}.Amount())
	fmt.Println(market.Money{Minor: 5, Currency: "EUR"}.Amount())
	// Output:
	// 450.00
	// 4500
	// 0.05
}

func ExampleParseMoney() {
	m, err := market.ParseMoney("1250.5", "EUR")
	fmt.Println(m.Minor, m.Currency, err)
	_, err = market.ParseMoney("19.999", "EUR")
	fmt.Println(market.ErrorCode(err))
	// Output:
	// 125050 EUR <nil>
	// BAD_USER_INPUT
}
