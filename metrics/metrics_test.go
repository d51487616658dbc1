package metrics

import (
	"fmt"
	"testing"
)

func TestOperationLabelIsBounded(t *testing.T) {
	tests := []struct{ name, want string }{
		{"", "anonymous"},
		{"Skills", "Skills"},
		{"not a name!", "other"},
		{string(make([]byte, 100)), "other"},
	}
	for _, tt := range tests {
		if got := OperationLabel(tt.name); got != tt.want {
			t.Errorf("OperationLabel(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	distinct := map[string]bool{}
	for i := range 1000 {
		distinct[OperationLabel(fmt.Sprintf("Op%d", i))] = true
	}
	if len(distinct) > maxOperationNames+1 {
		t.Errorf("%d distinct labels, want at most %d", len(distinct), maxOperationNames+1)
	}
	if got := OperationLabel("Skills"); got != "Skills" {
		t.Errorf("a name seen early lost its label: %q", got)
	}
}

func TestSetFeedLagAndDBReplace(t *testing.T) {
	SetFeedLag(func() float64 { return 1 })
	SetFeedLag(func() float64 { return 2 }) // a second registration must not panic
	mfs, err := Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "gigraph_feed_lag_events" {
			if v := mf.GetMetric()[0].GetGauge().GetValue(); v != 2 {
				t.Errorf("feed lag: got %v, want 2", v)
			}
			return
		}
	}
	t.Error("feed lag not exported")
}
