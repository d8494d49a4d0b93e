package flow

// Training keeps, from the forward pass, what the backward pass of a
// layer with a conditioner network needs: the network's input and
// activations and its raw outputs. Without it the backward pass would
// evaluate the network again. A tape lives in the workspace until the
// caller releases the mark taken before the forward pass.

// tape is what a coupling or MADE layer's backward pass needs: the kept
// and moved parts of its input (a, b; for MADE, a is the whole input),
// the network's activations, and its raw scales and shifts.
type tape[T Float] struct {
	a, b, sh, t []T
	acts        [][]T
}

// forget drops the tape's slices, keeping the room of acts for the next.
func (tp *tape[T]) forget() {
	clear(tp.acts)
	*tp = tape[T]{acts: tp.acts[:0]}
}

// tapedLayer is a layer trained from a tape its Inverse records (layers
// without a network are trainable instead).
type tapedLayer[T Float] interface {
	// inverseTaped is Inverse, recording its tape in tp (in ws).
	inverseTaped(tp *tape[T], z, logdet, x []T, ws *Workspace[T])
	// inverseGradTaped is InverseGrad from the tape.
	inverseGradTaped(dx, dz, dld []T, tp *tape[T], g [][]T, ws *Workspace[T])
	// record records the tape of rows inputs x in tp (in ws), as
	// inverseTaped does.
	record(tp *tape[T], x []T, rows int, ws *Workspace[T])
}

// inverseGradRecorded is the public InverseGrad of a taped layer, which
// has no tape from a forward pass (Inverted reaches it in training): it
// records one from x in a tape borrowed from ws, then differentiates.
func inverseGradRecorded[T Float](l tapedLayer[T], dx, dz, dld, x []T, g [][]T, ws *Workspace[T]) {
	mk := ws.Mark()
	defer ws.Release(mk)
	tp := ws.borrowTape()
	defer ws.returnTape(tp)
	l.record(tp, x, len(dld), ws)
	l.inverseGradTaped(dx, dz, dld, tp, g, ws)
}

// record gathers the coupling's input parts into tp and runs its network
// on the kept part, in ws.
func (l *AffineCoupling[T]) record(tp *tape[T], in []T, rows int, ws *Workspace[T]) {
	d1, d2 := len(l.kept), len(l.moved)
	*tp = tape[T]{a: ws.Take(rows * d1), b: ws.Take(rows * d2), sh: ws.Take(rows * d2), t: ws.Take(rows * d2), acts: tp.acts}
	gatherCols(tp.a, in, l.dim, l.kept)
	gatherCols(tp.b, in, l.dim, l.moved)
	tp.acts = l.net.runSaved(tp.acts, tp.a, rows, ws, heads(l.cond, tp.sh, tp.t)...)
}

func (l *AffineCoupling[T]) inverseTaped(tp *tape[T], z, logdet, x []T, ws *Workspace[T]) {
	rows, d2 := len(logdet), len(l.moved)
	l.record(tp, x, rows, ws)
	z2, sh := ws.Take(rows*d2), tp.sh
	if l.cond.Scale == ScaleSigmoid { // transform overwrites the raw scales
		sh = ws.Take(rows * d2)
		copy(sh, tp.sh)
	}
	transform(l.cond, z2, logdet, tp.b, sh, tp.t, d2, true, ws)
	scatterCols(z, l.dim, tp.a, l.kept)
	scatterCols(z, l.dim, z2, l.moved)
}

func (l *AffineCoupling[T]) inverseGradTaped(dx, dz, dld []T, tp *tape[T], g [][]T, ws *Workspace[T]) {
	l.gradFrom(dx, dz, dld, tp, g, ws, false)
}

// InverseGrad differentiates the coupling's Inverse (see Trainable);
// training uses the tape recorded by its Inverse instead of running the
// network again.
func (l *AffineCoupling[T]) InverseGrad(dx, dz, dld, x []T, g [][]T, ws *Workspace[T]) {
	inverseGradRecorded[T](l, dx, dz, dld, x, g, ws)
}

// ForwardGrad differentiates the coupling's Forward, out₂ = in₂·σ + t.
func (l *AffineCoupling[T]) ForwardGrad(dIn, dOut, dld, in []T, g [][]T, ws *Workspace[T]) {
	mk := ws.Mark()
	defer ws.Release(mk)
	tp := ws.borrowTape()
	defer ws.returnTape(tp)
	l.record(tp, in, len(dld), ws)
	l.gradFrom(dIn, dOut, dld, tp, g, ws, true)
}

// gradFrom differentiates the coupling's Inverse (forward false) or its
// Forward, from the gradient dOut of its output to dIn of its input.
func (l *AffineCoupling[T]) gradFrom(dIn, dOut, dld []T, tp *tape[T], g [][]T, ws *Workspace[T], forward bool) {
	rows, d1, d2 := len(dld), len(l.kept), len(l.moved)
	mk := ws.Mark()
	defer ws.Release(mk)
	do1, do2, da, db, dsh, dt := ws.Take(rows*d1), ws.Take(rows*d2), ws.Take(rows*d1), ws.Take(rows*d2), ws.Take(rows*d2), ws.Take(rows*d2)
	gatherCols(do1, dOut, l.dim, l.kept)
	gatherCols(do2, dOut, l.dim, l.moved)
	if forward {
		forwardTransformGrad(l.cond, db, dsh, dt, do2, dld, tp.b, tp.sh, d2)
	} else {
		transformGrad(l.cond, db, dsh, dt, do2, dld, tp.b, tp.sh, tp.t, d2)
	}
	l.net.backward(da, heads(l.cond, dsh, dt), tp.acts, rows, g, ws)
	for i, v := range do1 {
		da[i] += v
	}
	scatterCols(dIn, l.dim, da, l.kept)
	scatterCols(dIn, l.dim, db, l.moved)
}

// record runs MADE on x (which the tape keeps by reference) into tp, in
// ws.
func (l *MaskedAutoregressive[T]) record(tp *tape[T], x []T, rows int, ws *Workspace[T]) {
	*tp = tape[T]{a: x, sh: ws.Take(rows * l.dim), t: ws.Take(rows * l.dim), acts: tp.acts}
	tp.acts = l.net.runSaved(tp.acts, x, rows, ws, heads(l.cond, tp.sh, tp.t)...)
}

// InverseGrad differentiates the layer's Inverse (see Trainable); training
// uses the tape recorded by its Inverse instead of running MADE again.
func (l *MaskedAutoregressive[T]) InverseGrad(dx, dz, dld, x []T, g [][]T, ws *Workspace[T]) {
	inverseGradRecorded[T](l, dx, dz, dld, x, g, ws)
}

func (l *MaskedAutoregressive[T]) inverseTaped(tp *tape[T], z, logdet, x []T, ws *Workspace[T]) {
	l.record(tp, x, len(logdet), ws)
	sh := tp.sh
	if l.cond.Scale == ScaleSigmoid {
		sh = ws.Take(len(tp.sh))
		copy(sh, tp.sh)
	}
	transform(l.cond, z, logdet, x, sh, tp.t, l.dim, true, ws)
}

func (l *MaskedAutoregressive[T]) inverseGradTaped(dx, dz, dld []T, tp *tape[T], g [][]T, ws *Workspace[T]) {
	rows, n := len(dld), l.dim
	mk := ws.Mark()
	defer ws.Release(mk)
	dsh, dt, dc := ws.Take(rows*n), ws.Take(rows*n), ws.Take(rows*n)
	transformGrad(l.cond, dx, dsh, dt, dz, dld, tp.a, tp.sh, tp.t, n)
	l.net.backward(dc, heads(l.cond, dsh, dt), tp.acts, rows, g, ws)
	for i, v := range dc {
		dx[i] += v
	}
}
