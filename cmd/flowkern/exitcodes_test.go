package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes holds every command to one convention: 0 success, 1 an
// error at run time, 2 a usage error with the usage printed. (train
// without -data exited 2 with the usage, eval without -data 1 without it.)
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	model, _ := testModel[float64](t, dir)
	data := writeFile(t, dir, "x.csv", "a,b,c\n1,2,3\n4,5,6\n")
	missing := filepath.Join(dir, "none.flow")
	for _, c := range []struct {
		args  []string
		code  int
		usage bool // the usage is printed
	}{
		{nil, 2, true},
		{[]string{"frobnicate"}, 2, true},
		{[]string{"-h"}, 0, true},
		{[]string{"eval", "-h"}, 0, true},
		{[]string{"eval", "-bogus"}, 2, true},
		{[]string{"eval", "-model", model}, 2, true},
		{[]string{"eval", "-data", data}, 2, true},
		{[]string{"encode", "-model", model}, 2, true},
		{[]string{"sample"}, 2, true},
		{[]string{"sample", "-model", model, "-n", "0"}, 2, false},
		{[]string{"plot", "-model", model, "-data", data}, 2, true},
		{[]string{"train", "-data", data}, 2, true},
		{[]string{"train", "-o", filepath.Join(dir, "t.flow")}, 2, true},
		{[]string{"train", "-data", data, "-o", "-"}, 2, false},
		{[]string{"info", "extra"}, 2, true},
		{[]string{"eval", "-model", missing, "-data", data}, 1, false},
		{[]string{"eval", "-model", model, "-data", filepath.Join(dir, "none.csv")}, 1, false},
		{[]string{"eval", "-model", model, "-data", data}, 0, false},
		{[]string{"version"}, 0, false},
	} {
		var out, errOut bytes.Buffer
		code := run(c.args, &out, &errOut)
		printed := strings.Contains(errOut.String(), "Usage") || strings.Contains(out.String(), "Usage")
		if code != c.code || printed != c.usage {
			t.Errorf("flowkern %s: exit %d (usage printed: %v), want %d (%v); stderr %q", strings.Join(c.args, " "), code, printed, c.code, c.usage, errOut.String())
		}
	}
}
