package market_test

import (
	"fmt"

	"github.com/gigraph/gigraph/market"
)

func ExampleHistogram() {
	// Rates of 400.00, 450.00 (three times), 500.00 and 1000.00 EUR in three bins.
	rates := []int64{40000, 45000, 50000, 100000}
	counts := []int64{1, 3, 1, 1}
	for _, b := range market.Histogram(rates, counts, 3, "EUR") {
		fmt.Println(b.Lower, b.Upper, b.Count)
	}
	// A single rate gets a single bin.
	fmt.Println(market.Histogram([]int64{45000}, []int64{7}, 10, "EUR"))
	// Output:
	// 400.00 600.00 5
	// 600.00 800.00 0
	// 800.00 1000.00 1
	// [{450.00 450.00 7}]
}
