//go:build (amd64 || arm64) && gc && !purego && !noasm

package flowkern

import (
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/blas"

	"github.com/flowkern/flowkern/internal/portable"
	"github.com/flowkern/flowkern/kernels"
)

// Blocked triangular solves and products on generated kernels.
//
// A call is planned in Go and run in assembly. The plan renames the rows
// so that op(A) is lower triangular and row i is the i-th a solve takes
// (kernels.TriSolve's order), and cuts them into blocks of the set's tile.
// A solve then takes the blocks in order: a block step subtracts the terms
// of all rows solved before the block from its tile of rows at once, a
// GEMM-like update whose source rows each serve the whole tile, and a row
// step finishes the tile's rows one by one with the terms inside the
// block and the division. A product takes the blocks in the reverse order,
// its row step first (the rows read must not yet be overwritten). Every
// element thus sees exactly the portable kernel's sequence of operations,
// and the SIMD sets give its bits. The plan leaves out zero coefficients
// (the portable kernels skip them); a block whose update has a zero goes
// to the row step whole. The columns run in chunks that keep their rows
// in the L2 cache for the whole solve.

// triSteps are a kernel set's two triangular steps (gen/table's triRows
// and triBlock) and their geometry.
type triSteps[T float32 | float64] struct {
	rows  func(x []T, cols int, prog, src []int, coef, diag []T, mode int)
	block func(x []T, cols int, dst, src []int, coef, tri, diag []T, mode int)
	lanes int // elements per vector
	tile  int // rows of a block step
	// masked is set when the kernels do the last cols mod lanes columns
	// themselves; otherwise the portable steps do.
	masked bool
	plans  *sync.Pool
}

// newTriSteps returns the steps of a set.
func newTriSteps[T float32 | float64](rows func(x []T, cols int, prog, src []int, coef, diag []T, mode int), block func(x []T, cols int, dst, src []int, coef, tri, diag []T, mode int), lanes, tile int, masked bool) *triSteps[T] {
	return &triSteps[T]{rows: rows, block: block, lanes: lanes, tile: tile, masked: masked,
		plans: &sync.Pool{New: func() any { return new(triPlan[T]) }}}
}

// triChunkBytes is the size of the rows of X a chunk of columns spans: half
// of a 1 MiB L2 cache, so that the coefficients fit beside it.
const triChunkBytes = 384 << 10

// triStep is one kernel call of a plan: a block step (dst, src, coef,
// and tri, diag and mode if it does the block's triangle) or a row step
// (prog, src, coef, diag, mode).
type triStep[T float32 | float64] struct {
	block     bool
	dst, prog []int
	src       []int
	coef, tri []T
	diag      []T
	mode      int
}

// triPlan is a planned call. Its slices are reused from call to call.
type triPlan[T float32 | float64] struct {
	lt    []T   // op(A) with its rows renamed (make)
	off   []int // off[i]: the element offset of the i-th row solved
	rev   []int // off reversed
	prog  []int // the row steps' programs
	src   []int // the row steps' source offsets
	coef  []T
	diag  []T
	steps []triStep[T]
}

// solve and mul are the set's TriSolve and TriMul.
func (s *triSteps[T]) solve(uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) {
	s.run(true, uplo, tA, diag, n, a, x, nrhs)
}

func (s *triSteps[T]) mul(uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) {
	s.run(false, uplo, tA, diag, n, a, x, nrhs)
}

func (s *triSteps[T]) run(solve bool, uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a, x []T, nrhs int) {
	if n == 0 || nrhs == 0 {
		return
	}
	if !s.masked && nrhs < s.lanes {
		if solve {
			kernels.TriSolve(uplo, tA, diag, n, a, x, nrhs)
		} else {
			kernels.TriMul(uplo, tA, diag, n, a, x, nrhs)
		}
		return
	}
	raceRead(a)
	raceWrite(x)
	p := s.plans.Get().(*triPlan[T])
	p.make(solve, uplo, tA, diag, n, a, nrhs, s.tile)
	whole := nrhs
	if !s.masked {
		whole -= nrhs % s.lanes
	}
	var t T
	unit := 24 * s.lanes // a whole number of both kernels' strips
	chunk := max(unit, triChunkBytes/(n*int(unsafe.Sizeof(t)))/unit*unit)
	for c0 := 0; c0 < whole; c0 += chunk {
		p.run(s.rows, s.block, x[c0:], min(chunk, whole-c0))
	}
	if whole < nrhs {
		parts := portable.Tri[T]()
		p.run(parts.Rows, parts.Block, x[whole:], nrhs-whole)
	}
	s.plans.Put(p)
}

// run performs the plan's steps on the columns [0, cols) of x.
func (p *triPlan[T]) run(rows func(x []T, cols int, prog, src []int, coef, diag []T, mode int), block func(x []T, cols int, dst, src []int, coef, tri, diag []T, mode int), x []T, cols int) {
	for _, st := range p.steps {
		if st.block {
			block(x, cols, st.dst, st.src, st.coef, st.tri, st.diag, st.mode)
		} else {
			rows(x, cols, st.prog, st.src, st.coef, st.diag, st.mode)
		}
	}
}

// make plans TriSolve (solve) or TriMul on n×n A for X of nrhs columns,
// with block steps of tile rows.
func (p *triPlan[T]) make(solve bool, uplo blas.Uplo, tA blas.Transpose, diag blas.Diag, n int, a []T, nrhs, tile int) {
	trans := tA != blas.NoTrans
	lower := (uplo == blas.Lower) == !trans
	// A solve takes the row r0 + s·dr at step s.
	r0, dr := 0, 1
	if !lower {
		r0, dr = n-1, -1
	}
	order := func(s int) int { return r0 + s*dr }
	// lt is op(A) in the renamed rows, lower triangular, its entries
	// negated for a product (whose terms are added): op(A)[order(i)][order(q)]
	// is a[r0·(n+1) + i·si + q·sq].
	si, sq := dr*n, dr
	if trans {
		si, sq = sq, si
	}
	p.lt = grow(p.lt, n*n)
	for i := range n {
		k := r0*(n+1) + i*si
		row := p.lt[i*n : i*n+i]
		for q := range row {
			row[q] = a[k]
			k += sq
		}
		if !solve {
			for q, v := range row {
				row[q] = -v
			}
		}
	}
	p.off, p.rev = grow(p.off, n), grow(p.rev, n)
	for i := range n {
		p.off[i] = order(i) * nrhs
		p.rev[n-1-i] = p.off[i]
	}
	// Capacities such that the appends below never move what the steps
	// already point to.
	terms := n * (n + 1) / 2
	p.prog = grow(p.prog, 2*n)[:0]
	p.src = grow(p.src, terms)[:0]
	p.coef = grow(p.coef, terms+n*tile+4*n)[:0]
	p.diag = grow(p.diag, n)[:0]
	p.steps = p.steps[:0]
	mode := portable.TriNoDiag
	switch {
	case !solve:
		if diag == blas.NonUnit {
			mode = portable.TriScale
		}
	case diag == blas.NonUnit:
		mode = portable.TriDivide
	}
	// blockStep plans the block step of the rows b0…b1−1, if it has one:
	// a whole tile without a zero coefficient on the rows before it (there
	// are none for the first). It takes the terms among the tile's rows and
	// the diagonal too (whole) when those have no zero coefficient either;
	// otherwise a row step does them.
	blockStep := func(b0, b1 int) (st triStep[T], ok, whole bool) {
		if b1-b0 != tile {
			return st, false, false
		}
		for i := b0; i < b1; i++ {
			for _, c := range p.lt[i*n : i*n+b0] {
				if c == 0 {
					return st, false, false
				}
			}
		}
		whole = true
		for i := b0; i < b1 && whole; i++ {
			for _, c := range p.lt[i*n+b0 : i*n+i] {
				if c == 0 {
					whole = false
					break
				}
			}
		}
		if b0 == 0 && !whole {
			return st, false, false // nothing for a block step to do
		}
		c0 := len(p.coef)
		for k := range b0 {
			q := k // a solve's terms in the order the rows were solved
			if !solve {
				q = b0 - 1 - k // a product's nearest the diagonal first
			}
			for j := range tile {
				p.coef = append(p.coef, p.lt[(b0+j)*n+q])
			}
		}
		st = triStep[T]{block: true, dst: p.off[b0:b1], src: p.off[:b0], coef: p.coef[c0 : b0*tile+c0]}
		if !solve {
			st.src = p.rev[n-b0:]
		}
		if whole {
			t0, d0 := len(p.coef), len(p.diag)
			for j := range tile {
				i := b0 + j
				for k := range j {
					q := b0 + k
					if !solve {
						q = i - 1 - k
					}
					p.coef = append(p.coef, p.lt[i*n+q])
				}
				if mode != portable.TriNoDiag {
					p.diag = append(p.diag, a[order(i)*n+order(i)])
				}
			}
			// Padded to a whole number of vectors, which NEON loads.
			p.coef = append(p.coef, 0, 0, 0, 0)
			st.tri, st.diag, st.mode = p.coef[t0:], p.diag[d0:], mode
			if !solve {
				st.mode |= portable.TriBefore
			}
		}
		return st, true, whole
	}
	// rowStep plans the row step of the rows b0…b1−1, with the terms from
	// the row b0 on when a block step does those before.
	rowStep := func(b0, b1 int, afterBlock bool) {
		prog0, s0, c0, d0 := len(p.prog), len(p.src), len(p.coef), len(p.diag)
		q0 := 0
		if afterBlock {
			q0 = b0
		}
		row := func(i int) {
			count, row := 0, p.lt[i*n:i*n+i]
			for qi := range i - q0 {
				q := q0 + qi
				if !solve {
					q = i - 1 - qi
				}
				if c := row[q]; c != 0 {
					p.coef = append(p.coef, c)
					p.src = append(p.src, p.off[q])
					count++
				}
			}
			if count == 0 && mode == portable.TriNoDiag {
				return // the row stays as it is
			}
			p.prog = append(p.prog, p.off[i], count)
			if mode != portable.TriNoDiag {
				p.diag = append(p.diag, a[order(i)*n+order(i)])
			}
		}
		if solve {
			for i := b0; i < b1; i++ {
				row(i)
			}
		} else {
			for i := b1 - 1; i >= b0; i-- {
				row(i)
			}
		}
		if len(p.prog) > prog0 {
			p.steps = append(p.steps, triStep[T]{prog: p.prog[prog0:], src: p.src[s0:], coef: p.coef[c0:], diag: p.diag[d0:], mode: mode})
		}
	}
	// The blocks: the n mod tile rows first, where they have the fewest
	// terms, then whole tiles. A solve takes them in order, a product in
	// reverse and its row step first.
	first := n % tile
	if first == 0 {
		first = tile
	}
	if solve {
		for b0, b1 := 0, first; b0 < n; b0, b1 = b1, b1+tile {
			blk, ok, whole := blockStep(b0, b1)
			if ok {
				p.steps = append(p.steps, blk)
			}
			if !whole {
				rowStep(b0, b1, ok)
			}
		}
		return
	}
	for b1 := n; b1 > 0; b1 -= tile {
		b0 := max(b1-tile, 0)
		blk, ok, whole := blockStep(b0, b1)
		if !whole {
			rowStep(b0, b1, ok)
		}
		if ok {
			p.steps = append(p.steps, blk)
		}
	}
}

// grow returns s with length n, reusing its array when large enough.
func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}
