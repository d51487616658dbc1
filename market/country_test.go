package market

import (
	"testing"

	"golang.org/x/text/language"
)

func TestCountries(t *testing.T) {
	codes := Countries()
	if len(codes) != 249 {
		t.Fatalf("got %d codes, want the 249 assigned ones", len(codes))
	}
	for _, c := range codes {
		r, err := language.ParseRegion(c)
		if err != nil || !r.IsCountry() || r.ISO3() == "ZZZ" || r.String() != c {
			t.Errorf("%s: x/text says %v (err %v, ISO3 %s): not an assigned country", c, r, err, r.ISO3())
		}
	}
	for _, c := range []string{"UK", "EU", "SU", "YU", "AN", "XK", "ZZ", "nl", "NLD", ""} {
		if IsCountry(c) {
			t.Errorf("IsCountry(%q) = true, want false", c)
		}
	}
}
