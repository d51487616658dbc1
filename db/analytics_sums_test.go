package db

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSums: the 128-bit sums equal the big-integer ones, including tables that overflow 128 bits
// (which fall back) and the extremes of int64.
func TestSums(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tables := [][2][]int64{
		{{1}, {1}},
		{{math.MaxInt64}, {math.MaxInt64}},
		{{math.MaxInt64, math.MaxInt64}, {1, 1}},
		{{1 << 40, 1 << 41}, {1 << 40, 3}},
	}
	for range 500 {
		n := 1 + r.IntN(50)
		rates, counts := make([]int64, n), make([]int64, n)
		bitsR, bitsC := 1+r.IntN(62), 1+r.IntN(62)
		for i := range n {
			rates[i] = 1 + r.Int64N(int64(1)<<bitsR)
			counts[i] = 1 + r.Int64N(int64(1)<<bitsC)
		}
		tables = append(tables, [2][]int64{rates, counts})
	}
	for i, tb := range tables {
		n1, s1, q1 := sums(tb[0], tb[1])
		n2, s2, q2 := sumsBig(tb[0], tb[1])
		if n1 != n2 || s1.Cmp(s2) != 0 || q1.Cmp(q2) != 0 {
			t.Fatalf("table %d: sums (%d, %v, %v), want (%d, %v, %v)", i, n1, s1, q1, n2, s2, q2)
		}
	}
}

func TestInt64Array(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want []int64
	}{
		{nil, nil},
		{[]byte("{}"), []int64{}},
		{[]byte("{7}"), []int64{7}},
		{"{1,-2,300000000000}", []int64{1, -2, 300000000000}},
	} {
		var a int64Array
		if err := a.Scan(tc.in); err != nil {
			t.Fatalf("%v: %v", tc.in, err)
		}
		if len(a) != len(tc.want) || (a == nil) != (tc.want == nil) {
			t.Fatalf("%v: got %v, want %v", tc.in, a, tc.want)
		}
		for i := range a {
			if a[i] != tc.want[i] {
				t.Fatalf("%v: got %v, want %v", tc.in, a, tc.want)
			}
		}
	}
	for _, bad := range []any{[]byte("1,2"), []byte("{1,x}"), []byte("{{1}}"), 3} {
		var a int64Array
		if a.Scan(bad) == nil {
			t.Fatalf("%v: no error", bad)
		}
	}
}

func TestSortByRate(t *testing.T) {
	rates, counts := []int64{5, 1, 3}, []int64{50, 10, 30}
	sortByRate(rates, counts)
	if rates[0] != 1 || rates[1] != 3 || rates[2] != 5 || counts[0] != 10 || counts[1] != 30 || counts[2] != 50 {
		t.Fatalf("got %v %v", rates, counts)
	}
}

func TestMergeFreq(t *testing.T) {
	r, c := mergeFreq([]int64{1, 3, 5}, []int64{1, 1, 1}, []int64{2, 3, 6}, []int64{10, 10, 10})
	wantR, wantC := []int64{1, 2, 3, 5, 6}, []int64{1, 10, 11, 1, 10}
	for i := range wantR {
		if len(r) != len(wantR) || r[i] != wantR[i] || c[i] != wantC[i] {
			t.Fatalf("got %v %v, want %v %v", r, c, wantR, wantC)
		}
	}
	if r, _ := mergeFreq(nil, nil, []int64{4}, []int64{1}); len(r) != 1 || r[0] != 4 {
		t.Fatalf("merge with empty: %v", r)
	}
}
