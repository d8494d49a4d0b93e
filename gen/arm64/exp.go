package main

import (
	"math"
	"strings"

	"github.com/flowkern/flowkern/internal/algo"
)

// poly returns exp's table: ln2Hi, ln2Lo, then the polynomial
// (exp(r) − 1 − r)/r²'s coefficients, highest first (float64: degree 5,
// the eighths' reduction; float32: degree 4).
func (e *emitter) poly() []float64 {
	if e.a == s4 {
		return append([]float64{algo.Ln2Hi32, algo.Ln2Lo32}, algo.ExpPoly32()...)
	}
	return append([]float64{algo.Ln2Hi64, algo.Ln2Lo64}, algo.ExpTabPoly64()...)
}

// expTables writes exp's tables: poly's at table and, in float64, the
// eighths' lookup tables at eighthsTable(table).
func (e *emitter) expTables(table string) {
	e.table(table, e.poly())
	if !e.f64() {
		return
	}
	var hi, rel []float64
	for j := range 8 {
		hi = append(hi, algo.Exp2EighthsHi(j))
		rel = append(rel, algo.Exp2EighthsRel(j))
	}
	// Then TBL's index to stream each lane's low byte to all eight of its
	// bytes: 0 for the low lane, 8 for the high one.
	e.table(eighthsTable(table), append(append(hi, rel...), 0, math.Float64frombits(0x0808080808080808)))
}

// eighthsTable names the lookup tables of exp's table.
func eighthsTable(table string) string { return strings.TrimSuffix(table, "<>") + "Eighths<>" }

// Byte offsets into eighthsTable's parts.
const (
	eighthsHi  = 0
	eighthsRel = 64
	eighthsRep = 128
)

// exp returns exp(x) computed exactly as kernels.exp64/exp32: if specials,
// x clamped to [lo, hi] (FMIN and FMAX keep a NaN), then the shift-trick
// reduction (float64: in eighths of ln2), the polynomial by fused
// multiply-adds, float64's table factor (expEighths) and 2^k as two exact
// scalings, which overflow and underflow by themselves. A caller whose x
// is finite and small leaves the clamp out. R10 walks the table.
func (e *emitter) exp(x reg, table string, specials bool) reg {
	shift, lo, hi := algo.Shift64, float64(algo.ExpLo64), float64(algo.ExpHi64)
	if e.f64() {
		shift = algo.ExpTabShift64
	} else {
		shift, lo, hi = algo.Shift32, algo.ExpLo32, algo.ExpHi32
	}
	if specials {
		xc := e.tmp()
		e.fmax(xc, x, e.c(lo))
		e.fmin(xc, xc, e.c(hi))
		x = xc
	}
	z, k, r := e.tmp(), e.tmp(), e.tmp()
	e.mov(z, e.c(shift))
	e.fmla(z, x, e.c(algo.Log2E)) // z = x·algo.Log2E + shift
	e.fsub(k, z, e.c(shift))      // k = z − shift
	if e.f64() {
		// z's bits less the shift's: the integer m = 8k, whose low bits are
		// z's, held instead of z to the end.
		e.isub(z, z, e.c(shift))
	}
	e.ins("MOVD $%s(SB), R10", table)
	ln2Hi, ln2Lo := e.tmp(), e.tmp()
	e.load1r(ln2Hi)
	e.mov(r, x)
	e.fmls(r, k, ln2Hi) // r = x − k·ln2Hi
	e.load1r(ln2Lo)
	e.fmls(r, k, ln2Lo) // r = r − k·ln2Lo

	// P(r) by Horner, coefficients read from the table in order.
	acc := e.tmp()
	e.load1r(acc)
	acc = e.horner(acc, r, len(e.poly())-3, e.load1r)
	one := e.c(1)
	t := e.tmp()
	e.mov(t, one)
	e.fmla(t, acc, r) // 1 + r·P
	if e.f64() {
		return e.expEighths(z, r, t, table)
	}
	p := e.tmp()
	e.mov(p, one)
	e.fmla(p, t, r) // 1 + r·(1 + r·P)

	ki, s1, s2 := e.tmp(), e.tmp(), e.tmp()
	e.isub(ki, z, e.c(shift)) // integer k
	e.sshr(s1, ki, 1)         // k1 = k >> 1
	e.isub(s2, ki, s1)        // k2 = k − k1
	e.iadd(s1, s1, e.cbits(127))
	e.iadd(s2, s2, e.cbits(127))
	e.shl(s1, s1, 23)
	e.shl(s2, s2, 23)
	e.fmul(p, p, s1)
	e.fmul(p, p, s2)
	return p
}

// expEighths ends float64 exp as kernels.exp64, reduced by eighths of ln2
// (m = 8k, a = 1 + r·Q(r)): rel and hi of 2^(j/8) = hi·(1 + rel), j =
// m&7, by TBL, then hi + hi·(rel + r·a), scaled by 2^(m>>3) as two exact
// scalings. The tables are loaded into registers once an iteration for
// all the streams, where they are used, rather than held through the loop;
// the lookups come last, rel's first, where the streams hold the fewest
// values (so the clamped coupling kernels keep four streams).
func (e *emitter) expEighths(m, r, a reg, table string) reg {
	sym := eighthsTable(table)
	// The byte indexes 8j … 8j+7 in each lane: 8·m in the low byte, copied
	// to the lane's eight bytes, masked to 8j, plus 0 … 7.
	ix := e.tmp()
	e.shl(ix, m, 3)
	e.spread(ix, ix, e.loadTable(sym, eighthsRep, 1)[0])
	e.vand(ix, ix, e.fresh(0x3838383838383838))
	e.vorr(ix, ix, e.fresh(0x0706050403020100))
	// Each table is looked up in two halves of two registers, TBL on
	// entries 0–3, then TBX (lanes out of range kept) on 4–7 with the
	// indexes less 32, so only two of its registers are live at a time.
	w, hi := e.tmp(), e.tmp()
	e.tbl(w, ix, e.loadTable(sym, eighthsRel, 2)) // rel
	e.bsub(ix, ix, 32)
	e.tbx(w, ix, e.loadTable(sym, eighthsRel+32, 2))
	e.fmla(w, r, a) // rel + r·a
	e.tbl(hi, ix, e.loadTable(sym, eighthsHi+32, 2))
	e.bsub(ix, ix, 256-32) // ix + 32
	e.tbx(hi, ix, e.loadTable(sym, eighthsHi, 2))
	p := e.tmp()
	e.mov(p, hi)
	e.fmla(p, hi, w) // hi + hi·(rel + r·a)

	e1, s2 := e.tmp(), e.tmp()
	e.sshr(e1, m, 4)   // e1 = m >> 4 = (m >> 3) >> 1
	e.sshr(s2, m, 3)   // e = m >> 3
	e.isub(s2, s2, e1) // e − e1
	bias := e.fresh(1023)
	e.iadd(e1, e1, bias)
	e.iadd(s2, s2, bias)
	e.shl(e1, e1, 52)
	e.shl(s2, s2, 52)
	e.fmul(p, p, e1)
	e.fmul(p, p, s2)
	return p
}

// load1r loads the next element of the table at R10 into every lane of d.
func (e *emitter) load1r(d reg) { e.tableLoad(d, "R10") }

// tbl sets d's bytes to those of table (from loadTable) at the byte
// indexes in idx (0 past the table's end).
func (e *emitter) tbl(d, idx reg, table []reg) {
	e.vec(d, append([]reg{idx}, table...), func(p func(reg) int) {
		e.ins("VTBL %s, [%s], %s", b16(p(idx)), list(p(table[0]), len(table)), b16(p(d)))
	})
}

// tbx is tbl keeping d's bytes where an index is past the table's end.
func (e *emitter) tbx(d, idx reg, table []reg) {
	e.vec(d, append([]reg{d, idx}, table...), func(p func(reg) int) {
		e.ins("VTBX %s, [%s], %s", b16(p(idx)), list(p(table[0]), len(table)), b16(p(d)))
	})
}

// loadTable returns n consecutive registers holding the 16·n bytes at
// sym+off: shared temporaries, loaded once for all the streams where they
// are used.
func (e *emitter) loadTable(sym string, off, n int) []reg {
	table := make([]reg, n)
	for i := range table {
		table[i] = e.sharedTmp()
	}
	e.emitOp(op{defs: table, consecutive: true, text: func(p func(reg) int, _, _ int) {
		e.ins("MOVD $%s+%d(SB), R9", sym, off)
		e.ins("VLD1 (R9), [%s]", list(p(table[0]), n))
	}})
	return table
}

// list is TBL's or VLD1's register list: n registers from first.
func list(first, n int) string {
	var names []string
	for i := range n {
		names = append(names, b16(first+i))
	}
	return strings.Join(names, ", ")
}

// spread sets d's bytes to those of src at the byte indexes in idx (TBL
// with src as a one-register table).
func (e *emitter) spread(d, src, idx reg) {
	e.vec(d, []reg{src, idx}, func(p func(reg) int) {
		e.ins("VTBL %s, [%s], %s", b16(p(idx)), b16(p(src)), b16(p(d)))
	})
}

// bsub subtracts v from every byte of n (modulo 256) into d.
func (e *emitter) bsub(d, n reg, v int) {
	m := e.fresh(uint64(v) * 0x0101010101010101)
	e.vec(d, []reg{n, m}, func(p func(reg) int) {
		e.ins("VSUB %s, %s, %s", b16(p(m)), b16(p(n)), b16(p(d)))
	})
}
