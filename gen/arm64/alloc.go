package main

import (
	"fmt"
	"math"
)

// Registers and unrolling. A kernel's loop body is written once, for one
// vector, with virtual registers; the emitter records it, then writes it
// for several vectors at once ("streams"), instruction by instruction, so
// that the streams' independent chains are in flight together. A linear
// scan over the straight-line body gives every stream its own registers.
//
// A reg is one of:
//   - a physical register 0…31 pinned for the whole call: a constant
//     loaded before the loops, an accumulator, a clamp argument;
//   - a temporary (tmp): one register per stream, live from its first
//     write to its last read within the body;
//   - a shared value: one register for all streams, such as a constant the
//     pin budget left out, materialised in the body where it is first used.
type reg int

const (
	tmpBase    reg = 1 << 10
	sharedBase reg = 2 << 10
)

func (r reg) physical() bool { return r < tmpBase }
func (r reg) shared() bool   { return r >= sharedBase }

// op is one recorded instruction. text writes it for stream c of n, given
// the physical register of every reg.
type op struct {
	defs, uses []reg
	text       func(p func(reg) int, c, n int)
	// consecutive asks for defs in consecutive registers, in order (a
	// table for TBL).
	consecutive bool
}

// errRegisters reports a body that does not fit in the register file at
// the chosen unrolling and pin budget; the generator then tries less.
type errRegisters struct{ need string }

func (e errRegisters) Error() string { return "out of vector registers: " + e.need }

// regs holds the emitter's register state for one kernel.
type regs struct {
	pins      int            // physical registers reserved from V31 down
	budget    int            // how many constants may be pinned
	consts    map[uint64]reg // pinned constants by bit pattern (or argument)
	setup     []func()       // writes the pinned constants' values
	body      *[]op          // the body being recorded, or nil
	bodyConst map[uint64]reg // shared constants of the body being recorded
	next      reg            // virtual registers handed out
	streams   int            // streams of the body being recorded
}

// reserve pins the next physical register from the top.
func (e *emitter) reserve() reg {
	e.r.pins++
	return reg(32 - e.r.pins)
}

// tmp is a fresh per-stream temporary.
func (e *emitter) tmp() reg {
	e.r.next++
	return tmpBase + e.r.next
}

// sharedTmp is a fresh temporary that the streams share: an instruction
// whose registers are all pinned or shared is written once, not per stream.
func (e *emitter) sharedTmp() reg {
	e.r.next++
	return sharedBase + e.r.next
}

// c is a register holding the float v in every lane.
func (e *emitter) c(v float64) reg {
	if e.f64() {
		return e.cbits(math.Float64bits(v))
	}
	return e.cbits(uint64(math.Float32bits(float32(v))))
}

// cbits is a register holding the bit pattern b in every lane: pinned if
// the budget allows, else materialised in the body and shared by the streams.
func (e *emitter) cbits(b uint64) reg {
	return e.constant(b, func(d int) { e.bits(d, b) })
}

// fresh is a register holding the bit pattern b in every lane, set where
// it is used: a shared temporary of its own, not held from one use to the
// next, for constants a body uses in places far apart (the two exps of
// the clamped kernels), where a pinned or shared one would hold a
// register all the way between.
func (e *emitter) fresh(b uint64) reg {
	if e.r.body == nil {
		return e.cbits(b)
	}
	s := e.sharedTmp()
	e.emit([]reg{s}, nil, func(p func(reg) int, _, _ int) { e.bits(p(s), b) })
	return s
}

// arg is a register holding the float argument at frame offset off
// (named name) in every lane, pinned or shared like a constant.
func (e *emitter) arg(name string, off int) reg {
	mov, lane := "FMOVD", "D"
	if !e.f64() {
		mov, lane = "FMOVS", "S"
	}
	return e.constant(1<<63|uint64(off), func(d int) {
		e.ins("%s %s+%d(FP), F%d", mov, name, off, d)
		e.ins("VDUP V%d.%s[0], %s", d, lane, e.v(d))
	})
}

// constant pins or shares the register that set writes, under key.
func (e *emitter) constant(key uint64, set func(d int)) reg {
	if r, ok := e.r.consts[key]; ok {
		return r
	}
	if r, ok := e.r.bodyConst[key]; ok && e.r.body != nil {
		return r
	}
	if len(e.r.consts) < e.r.budget || e.r.body == nil {
		r := e.reserve()
		e.r.consts[key] = r
		e.r.setup = append(e.r.setup, func() { set(int(r)) })
		return r
	}
	e.r.next++
	s := sharedBase + e.r.next
	e.r.bodyConst[key] = s
	e.emit([]reg{s}, nil, func(p func(reg) int, _, _ int) { set(p(s)) })
	return s
}

// writePins writes the pinned constants' values; call it once, before the
// loops and after recording every body.
func (e *emitter) writePins() {
	for _, set := range e.r.setup {
		set()
	}
	e.r.setup = nil
}

// emitOp records o in the body, or writes it at once outside a body.
func (e *emitter) emitOp(o op) {
	if e.r.body != nil {
		*e.r.body = append(*e.r.body, o)
		return
	}
	e.emit(o.defs, o.uses, o.text)
}

// emit records an instruction in the body, or writes it at once outside
// a body (where every register must be physical).
func (e *emitter) emit(defs, uses []reg, text func(p func(reg) int, c, n int)) {
	if e.r.body != nil {
		*e.r.body = append(*e.r.body, op{defs: defs, uses: uses, text: text})
		return
	}
	text(func(r reg) int {
		if !r.physical() {
			panic(fmt.Sprintf("virtual register %d outside a body", r))
		}
		return int(r)
	}, 0, 1)
}

// record runs body to record its instructions for the given number of
// streams.
func (e *emitter) record(streams int, body func()) []op {
	var ops []op
	e.r.body, e.r.bodyConst, e.r.streams = &ops, map[uint64]reg{}, streams
	body()
	e.r.body = nil
	return ops
}

// write allocates registers for ops at the given number of streams and
// writes them, each instruction for every stream before the next. It panics
// with errRegisters when the streams do not fit.
func (e *emitter) write(ops []op, streams int) {
	last := map[reg]int{}
	for i, o := range ops {
		for _, r := range append(append([]reg(nil), o.uses...), o.defs...) {
			if !r.physical() {
				last[r] = i
			}
		}
	}
	var free [32]bool
	for r := range 32 - e.r.pins {
		free[r] = true
	}
	type key struct {
		r      reg
		stream int
	}
	where := map[key]int{}
	var holds [32]key // what each register holds, to check the allocation
	for i, o := range ops {
		n := 1
		for _, r := range append(append([]reg(nil), o.uses...), o.defs...) {
			if !r.physical() && !r.shared() {
				n = streams
			}
		}
		for c := range n {
			k := func(r reg) key {
				if r.shared() {
					return key{r, 0}
				}
				return key{r, c}
			}
			p := func(r reg) int {
				if r.physical() {
					return int(r)
				}
				return where[k(r)]
			}
			for _, r := range o.uses {
				if _, ok := where[k(r)]; !ok && !r.physical() {
					panic(fmt.Sprintf("register %d read before it is written", r))
				}
			}
			alloc := func(r reg) {
				if _, ok := where[k(r)]; ok || r.physical() {
					return
				}
				for f := range free {
					if free[f] {
						free[f] = false
						where[k(r)] = f
						return
					}
				}
				panic(errRegisters{fmt.Sprintf("%d streams, %d pinned", streams, e.r.pins)})
			}
			// Registers read for the last time here may be written by this
			// same instruction: it reads its operands before it writes.
			var dying []reg
			for _, r := range o.uses {
				if !r.physical() && last[r] == i && (!r.shared() || c == n-1) {
					dying = append(dying, r)
				}
			}
			for _, r := range dying {
				free[where[k(r)]] = true
			}
			if o.consecutive {
				allocRun(o.defs, k, where, &free, streams, e.r.pins)
			}
			for _, r := range o.defs {
				alloc(r)
			}
			for _, r := range o.uses {
				if !r.physical() && holds[where[k(r)]] != k(r) {
					panic(fmt.Sprintf("allocator: register %d of stream %d was overwritten before op %d read it", r, c, i))
				}
			}
			for _, r := range o.defs {
				if !r.physical() {
					holds[where[k(r)]] = k(r)
				}
			}
			o.text(p, c, n)
			for _, r := range o.defs {
				if !r.physical() && last[r] == i && (!r.shared() || c == n-1) {
					free[where[k(r)]] = true
				}
			}
			for _, r := range dying {
				delete(where, k(r))
			}
		}
	}
}

// allocRun gives the registers rs, none allocated yet, consecutive free
// registers in order: the highest such run, since single registers are
// taken from the bottom, which keeps runs free at the top.
func allocRun[K comparable](rs []reg, k func(reg) K, where map[K]int, free *[32]bool, streams, pins int) {
	for first := len(free) - len(rs); first >= 0; first-- {
		run := true
		for i := range rs {
			run = run && free[first+i]
		}
		if !run {
			continue
		}
		for i, r := range rs {
			free[first+i] = false
			where[k(r)] = first + i
		}
		return
	}
	panic(errRegisters{fmt.Sprintf("%d streams, %d pinned, a run of %d", streams, pins, len(rs))})
}
