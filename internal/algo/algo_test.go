package algo

import "testing"

func TestExpPoly(t *testing.T) {
	cs := ExpPoly(7)
	want := []float64{1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2}
	if len(cs) != len(want) {
		t.Fatalf("ExpPoly(7) has %d coefficients, want %d", len(cs), len(want))
	}
	for i := range cs {
		if cs[i] != want[i] {
			t.Errorf("ExpPoly(7)[%d] = %v, want %v", i, cs[i], want[i])
		}
	}
	if got := ExpPoly(ExpDegree64); len(got) != 12 || got[0] != 1.0/6227020800 {
		t.Errorf("ExpPoly(13) = %v", got)
	}
}
