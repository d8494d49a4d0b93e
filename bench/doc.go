// Package bench holds the benchmark workloads of flowkern's BENCHMARKS.md
// (K0–K5: vector exp/log, affine coupling, log-abs sums, triangular solves,
// memory and compute limits, dense layers) as Go benchmarks, one
// sub-benchmark per kernel set available on the machine and per Go peer
// (a math.Exp/math.Log loop, gonum's BLAS):
//
//	go test -bench . ./bench/
//	go test -bench 'K1AffineCoupling/f64/forward' -count 10 ./bench/ > new.txt
//
// It also exports the workloads' data, which `flowkern bench` uses.
package bench
