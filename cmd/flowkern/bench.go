package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern"
	"github.com/flowkern/flowkern/bench"
)

// A benchCase is one row of the quick table.
type benchCase struct {
	name  string
	unit  string // "ns/elem" or "GFLOP/s"
	work  float64
	setup func() func() // returns the call to time
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	per := fs.Duration("time", 250*time.Millisecond, "time to spend measuring each row and kernel set")
	if err := parse(fs, args); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	if *per <= 0 {
		fmt.Fprintln(stderr, "flowkern bench: -time must be positive")
		return errUsage
	}
	var impls []string
	for _, info := range flowkern.Diagnose().Sets {
		if info.Available {
			impls = append(impls, info.Name)
		}
	}
	before := flowkern.Impl()
	defer flowkern.Use(before)

	progress := isTerminal(stderr)
	cases := benchCases()
	fmt.Fprintf(stdout, "%-34s %-8s %12s\n", "workload (single goroutine)", "set", "figure")
	total := len(cases) * len(impls)
	done := 0
	for _, c := range cases {
		for _, impl := range impls {
			done++
			if progress {
				fmt.Fprintf(stderr, "\r[%d/%d] %s %s ...", done, total, c.name, impl)
			}
			if err := flowkern.Use(impl); err != nil {
				return err
			}
			v := measure(c, *per)
			if progress {
				fmt.Fprintf(stderr, "\r%70s\r", "")
			}
			fmt.Fprintf(stdout, "%-34s %-8s %9.3f %s\n", c.name, impl, v, c.unit)
		}
	}
	return nil
}

// isTerminal reports whether w is a terminal, where progress lines go.
func isTerminal(w io.Writer) bool {
	if c, ok := w.(*checkedWriter); ok {
		w = c.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// measure returns the case's figure: the median over five timed runs,
// each repeating the call for about per/5.
func measure(c benchCase, per time.Duration) float64 {
	call := c.setup()
	call() // warm up
	reps := 1
	for start := time.Now(); time.Since(start) < per/20; reps *= 2 {
		for range reps {
			call()
		}
	}
	var ns []float64
	for range 5 {
		start := time.Now()
		for range reps {
			call()
		}
		ns = append(ns, float64(time.Since(start).Nanoseconds())/float64(reps))
	}
	sort.Float64s(ns)
	med := ns[2]
	if c.unit == "GFLOP/s" {
		return c.work / med
	}
	return med / c.work
}

func benchCases() []benchCase {
	var cs []benchCase
	for _, dt := range []string{"f64", "f32"} {
		cs = append(cs,
			elementwiseCase(dt, "K1 affine forward", 8, func(w64 *bench.Elementwise[float64], w32 *bench.Elementwise[float32]) func() {
				if w64 != nil {
					return func() { flowkern.AffineForward(w64.Out, w64.Logdet, w64.X, w64.S, w64.T, w64.Cols, 0) }
				}
				return func() { flowkern.AffineForward(w32.Out, w32.Logdet, w32.X, w32.S, w32.T, w32.Cols, 0) }
			}),
			elementwiseCase(dt, "K1 affine inverse", 8, func(w64 *bench.Elementwise[float64], w32 *bench.Elementwise[float32]) func() {
				if w64 != nil {
					return func() { flowkern.AffineInverse(w64.Out, w64.Logdet, w64.X, w64.S, w64.T, w64.Cols, 0) }
				}
				return func() { flowkern.AffineInverse(w32.Out, w32.Logdet, w32.X, w32.S, w32.T, w32.Cols, 0) }
			}),
			elementwiseCase(dt, "K2 log-abs sum", 16, func(w64 *bench.Elementwise[float64], w32 *bench.Elementwise[float32]) func() {
				if w64 != nil {
					return func() { flowkern.LogAbsSum(w64.Logdet, w64.X, w64.Cols) }
				}
				return func() { flowkern.LogAbsSum(w32.Logdet, w32.X, w32.Cols) }
			}),
		)
		for _, n := range []int{16, 64} {
			cs = append(cs, triCase(dt, n))
		}
	}
	return cs
}

// elementwiseCase builds a 4096-row K1/K2 case in dtype dt; call gets the
// data of that type (the other is nil) and returns the call to time.
func elementwiseCase(dt, name string, cols int, call func(*bench.Elementwise[float64], *bench.Elementwise[float32]) func()) benchCase {
	return benchCase{
		name: fmt.Sprintf("%s %s %dx%d", name, dt, bench.SmallRows, cols), unit: "ns/elem",
		work: float64(bench.SmallRows * cols),
		setup: func() func() {
			if dt == "f64" {
				return call(bench.NewElementwise[float64](bench.SmallRows, cols, 1), nil)
			}
			return call(nil, bench.NewElementwise[float32](bench.SmallRows, cols, 1))
		},
	}
}

// triCase builds a K3 lower solve of n×4096 in dtype dt.
func triCase(dt string, n int) benchCase {
	return benchCase{
		name: fmt.Sprintf("K3 trisolve %s n%dxB%d", dt, n, bench.SmallRows), unit: "GFLOP/s",
		work: float64(n) * float64(n) * bench.SmallRows,
		setup: func() func() {
			if dt == "f64" {
				p := bench.NewTri[float64](n, bench.SmallRows, false, 4)
				return func() {
					copy(p.X, p.Z)
					flowkern.TriSolve(blas.Lower, blas.NoTrans, blas.NonUnit, n, p.A, p.X, p.B)
				}
			}
			p := bench.NewTri[float32](n, bench.SmallRows, false, 4)
			return func() {
				copy(p.X, p.Z)
				flowkern.TriSolve(blas.Lower, blas.NoTrans, blas.NonUnit, n, p.A, p.X, p.B)
			}
		},
	}
}
