// Package flow builds normalizing flows on flowkern's kernels: invertible
// layers, base distributions, models that evaluate densities, sample and
// encode, and a versioned model file format.
//
// # Directions
//
// A flow maps a base variable z to data x through x = f(z). A layer's
// Forward is f: z → x (sampling, generation) and adds log|det ∂x/∂z| to
// a per-sample log-determinant; its Inverse is f⁻¹: x → z (density
// evaluation, training) and adds log|det ∂z/∂x|. A model's layers are
// listed from the data side: LogProb runs Layers[0].Inverse first, Sample
// runs Layers[0].Forward last. The density is
//
//	log p(x) = log p_Z(f⁻¹(x)) + Σ_layers log|det ∂f_m⁻¹/∂x_m|.
//
// # Batches
//
// A batch of n samples of dimension D is one row-major slice of n·D
// elements; per-sample results (log-densities, log-determinants) are
// slices of n. Models work in float64 or float32 (the type parameter T);
// the conveniences taking *mat.Dense convert to and from T.
//
// # Conditional flows
//
// A model whose layers read a context c (Network's Context, Conditional)
// is a density p(x | c): its …Given methods (LogProbGiven, SampleGiven,
// TrainGiven, …) take, beside a batch, its contexts, one row of
// ContextDim values per sample or one row for all. The layers read each
// chunk's contexts from their Workspace.
//
// # Errors and input checks
//
// Model methods return an error, never panic, for a wrong dimension, an
// empty batch, mismatched lengths, or a NaN or ±Inf in the data (the error
// names the first such row and column; nothing is computed for a batch
// with one). Errors a caller may need to tell apart are marked with the
// sentinels ErrNotModelFile, ErrVersion, ErrCorrupt, ErrDimension,
// ErrNonFinite and ErrDiverged, for errors.Is. Layer and Base methods are
// the low-level interface the model drives: they document their length
// requirements and, like flowkern's kernels, panic when a caller breaks
// them.
//
// # Layers of your own
//
// A type that implements Layer composes with the built-in layers in
// NewModel and evaluates like them. To train, it also implements
// Trainable (InverseGrad, the backward pass of Inverse); to be saved and
// loaded with the model, SavableLayer, with its kind registered once per
// element type by RegisterLayer. Scratch memory comes from the Workspace
// each call is handed (Take, and Mark and Release around it), so that a
// warm model allocates nothing. Example_customLayer shows all of it.
//
// # Concurrency and speed
//
// A model is safe for concurrent use by many goroutines once built;
// evaluation draws scratch memory from a pool, so that in steady state a
// call allocates nothing. Batches of more than chunkRows rows are cut into
// chunks of chunkRows that run on up to GOMAXPROCS goroutines; every chunk
// is computed the same way whichever goroutine runs it, so the results are
// bit for bit those of the serial path. A goroutine that has done its
// share waits, spinning, for up to 50 µs for the next parallel call before
// it ends, so that back-to-back calls (training steps, above all) do not
// each wait tens of microseconds for an idle thread to wake; at most
// GOMAXPROCS goroutines wait so at a time.
package flow
