// Package bench holds the benchmark workloads defined in BENCHMARKS.md in
// this folder — K0–K5 (vector exp and log, affine coupling, log-abs sums,
// triangular solves, memory and compute limits, dense layers) and the model
// workloads M1–M3 — as Go benchmarks, one sub-benchmark per kernel set
// available on the machine and per Go peer (a math.Exp/math.Log loop,
// gonum's BLAS), BenchmarkTranspose, the weight transposition a training
// step runs after every update, and BenchmarkM1Floor, M1's dense products
// at batch 1 alone, the part of a call no glue can remove:
//
//	go test -run '^$' -bench . ./bench/
//	go test -run '^$' -bench 'K1AffineCoupling/f64/forward' -count 10 ./bench/ > new.txt
//
// The NumPy, SciPy and PyTorch side of each comparison is in peers/ (see
// its README.md). The package also exports the workloads' data, which
// `flowkern bench` uses.
package bench
