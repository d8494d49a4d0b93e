package main

import (
	"bytes"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowkern/flowkern/flow"
)

// readPNG decodes a picture and returns its size.
func readPNG(t *testing.T, path string) (w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

// TestPlot draws a 2-D model's log-density and samples, and a 3-D model's
// corner plot, and checks the refusals.
func TestPlot(t *testing.T) {
	dir := t.TempDir()
	m2, err := flow.RealNVP[float64](2, 2, flow.Network{Hidden: []int{8}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	checkNoErr := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	checkNoErr(m2.SetNames([]string{"height", "weight"}))
	model2 := filepath.Join(dir, "m2.flow")
	checkNoErr(m2.Save(model2))
	model3, _ := testModel[float64](t, dir)
	data2 := writeFile(t, dir, "d2.csv", "0,0\n1,0.5\n-1,0.2\n0.5,-1\n")
	data3 := writeFile(t, dir, "d3.csv", "0,0,0\n1,0.5,2\n-1,0.2,1\n0.5,-1,0\n")
	density, samples, corner := filepath.Join(dir, "density.png"), filepath.Join(dir, "samples.png"), filepath.Join(dir, "corner.png")
	out := runOK(t, "plot", "-model", model2, "-data", data2, "-o", density, "-samples", samples)
	if !strings.Contains(out, density) || !strings.Contains(out, samples) {
		t.Errorf("plot said %q", out)
	}
	if w, h := readPNG(t, density); w < 300 || h < 300 {
		t.Errorf("density picture %d×%d", w, h)
	}
	readPNG(t, samples)
	runOK(t, "plot", "-model", model3, "-data", data3, "-o", corner, "-cols", "3,1")
	readPNG(t, corner)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"plot", "-model", model3, "-data", data3, "-o", corner, "-cols", "1,4"}, 2, "\"4\" is not a column from 1 to 3"},
		{[]string{"plot", "-model", model3, "-data", data3, "-o", corner, "-cols", "2,2"}, 2, "column 2 twice"},
		{[]string{"plot", "-model", model3, "-data", data3, "-o", corner, "-cols", "2"}, 1, "two columns or more"},
		{[]string{"plot", "-model", model3, "-data", data3, "-o", corner, "-samples", samples}, 1, "-samples: for 2-D"},
		{[]string{"plot", "-model", model2, "-data", data3, "-o", density}, 1, "3 columns, the model has dimension 2"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}
