package market

// RateStats is the daily-rate statistics of one group, in one currency. Key fields are set only
// for the dimensions the statistics are grouped by.
type RateStats struct {
	Skill     *Skill
	Category  *SkillCategory
	Country   *string
	Seniority *Seniority
	Month     *Date

	Currency              string
	Count                 int
	Freelancers           int
	Min, Max, Mean        Decimal
	Stddev                Decimal
	P10, P25, Median      Decimal
	P75, P90              Decimal
	ExcludedOtherCurrency int

	// Rates are the group's distinct rates in minor units, ascending, and Counts how often each
	// occurs; they are filled only when a histogram was asked for.
	Rates, Counts []int64
}

// HistogramBin is one bin of a rate histogram.
type HistogramBin struct {
	Lower Decimal
	Upper Decimal
	Count int
}

// Histogram splits rates (distinct minor-unit values, ascending, with their counts) into bins of
// equal width between the lowest and the highest rate. Edges are whole minor units: bin i starts
// at min + ⌊i·(max−min)/bins⌋, each bin holds [lower, next lower) and the last one also its upper
// edge, max. A bin is never narrower than one minor unit, so a narrow range gets fewer bins (a
// single value gets one bin). Every rate lands in exactly one bin.
func Histogram(rates, counts []int64, bins int, currency string) []HistogramBin {
	if len(rates) == 0 || bins < 1 {
		return nil
	}
	lo, hi := rates[0], rates[len(rates)-1]
	span := hi - lo
	if int64(bins) > span {
		bins = int(max(span, 1))
	}
	edge := func(i int) int64 {
		if span == 0 {
			return lo
		}
		return lo + span*int64(i)/int64(bins)
	}
	out := make([]HistogramBin, bins)
	for i := range out {
		upper := hi
		if i < bins-1 {
			upper = edge(i + 1)
		}
		out[i] = HistogramBin{Lower: Decimal(FormatMinor(edge(i), currency)), Upper: Decimal(FormatMinor(upper, currency))}
	}
	for j, r := range rates {
		i := bins - 1
		if span > 0 {
			// The last bin whose lower edge is ≤ r: edge(i) ≤ r ⇔ i < (r−lo+1)·bins/span.
			i = min(int(((r-lo+1)*int64(bins)-1)/span), bins-1)
		}
		out[i].Count += int(counts[j])
	}
	return out
}
