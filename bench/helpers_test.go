package bench

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/flowkern/flowkern"
)

// impls returns the kernel sets available on this machine, fastest first.
func impls() []string {
	var names []string
	for _, info := range flowkern.Diagnose().Sets {
		if info.Available {
			names = append(names, info.Name)
		}
	}
	return names
}

// withImpl runs b.Run(name, f) with the kernel set name selected.
func withImpl(b *testing.B, name string, f func(b *testing.B)) {
	before := flowkern.Impl()
	if err := flowkern.Use(name); err != nil {
		b.Fatal(err)
	}
	defer flowkern.Use(before)
	b.Run(name, f)
}

func size[T flowkern.Float]() int {
	var x T
	return int(unsafe.Sizeof(x))
}

// report sets the figures of an elementwise benchmark: ns per element and
// GB/s of the bytes a pass must move.
func report(b *testing.B, elems, bytes int) {
	b.SetBytes(int64(bytes))
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(ns/float64(elems), "ns/elem")
	b.ReportMetric(float64(bytes)/ns, "GB/s")
}

// reportFlops sets a compute-bound benchmark's GFLOP/s.
func reportFlops(b *testing.B, flops float64) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(flops/ns, "GFLOP/s")
}

// shapes are the elementwise workloads' sizes: the small batch and the
// large case of LargeElem elements, rows of cols.
func shapes(cols int) [][2]int {
	return [][2]int{{SmallRows, cols}, {LargeElem / cols, cols}}
}

func shapeName(s [2]int) string {
	return fmt.Sprintf("%dx%d", s[0], s[1])
}
