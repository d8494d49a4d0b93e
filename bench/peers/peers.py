#!/usr/bin/python3
"""The peers' side of flowkern's benchmark workloads (../BENCHMARKS.md).

Runs each workload with the libraries a user would pick instead of
flowkern, at their best: NumPy and PyTorch with preallocated outputs
(out=) for the elementwise kernels, SciPy's solve_triangular (LAPACK's
trtrs through OpenBLAS, without its finiteness check, on Fortran-ordered
right-hand sides) and PyTorch for triangular solves, PyTorch models under
no_grad for the flows, and a rational-quadratic spline in PyTorch ops, as
the spline flow libraries write it, for K6 and M4. Prints one markdown row per workload, case, type
and peer: the median of the repeats, each repeat timing enough calls to
last --min-time seconds.

    apt-get install -y python3-torch python3-numpy python3-scipy
    /usr/bin/python3 bench/peers/peers.py --only K0,K1,M1 --threads 1

Figures are in the units of the Go benchmarks (ns per element, GFLOP/s,
samples per second, µs a call), so that a ratio is one division.
"""

import argparse
import gc
import math
import os
import statistics
import sys
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# glibc's malloc keeps freed blocks instead of returning them to the system
# (no mmap per large tensor, no trim): PyTorch's temporaries of many
# megabytes are then reused instead of page-faulted in again on every call,
# its best configuration on Linux. --plain-malloc leaves glibc's defaults.
MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="K0,K1,K2,K3,K4,K6,K7,M1,M2,M3,M4", help="workloads to run, comma-separated")
    p.add_argument("--dtypes", default="float64,float32")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads of every library")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--min-time", type=float, default=0.2, help="seconds a repeat lasts at least")
    p.add_argument("--quick", action="store_true", help="a smoke run: 2 short repeats")
    p.add_argument("--plain-malloc", action="store_true", help="glibc's default malloc settings")
    a = p.parse_args()
    if a.quick:
        a.repeats, a.min_time = 2, 0.01
    a.only = {w.strip() for w in a.only.split(",") if w.strip()}
    a.dtypes = [d.strip() for d in a.dtypes.split(",") if d.strip()]
    return a


def per_call(fn, repeats, min_time):
    """Median seconds per call of fn over repeats, each long enough to time."""
    fn()
    fn()
    calls = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - t0 >= min_time / 4 or calls >= 1 << 20:
            break
        calls *= 2
    calls = max(1, int(calls * min_time / max(time.perf_counter() - t0, 1e-9) / 4 * 4))
    gc_was = gc.isenabled()
    gc.disable()
    try:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(calls):
                fn()
            times.append((time.perf_counter() - t0) / calls)
    finally:
        if gc_was:
            gc.enable()
    return statistics.median(times)


class Table:
    def __init__(self, args):
        self.args = args
        print("| workload | case | type | peer | median | unit |")
        print("|---|---|---|---|---|---|")

    def row(self, workload, case, dtype, peer, value, unit):
        print(f"| {workload} | {case} | {dtype} | {peer} | {value:.4g} | {unit} |", flush=True)

    def elements(self, workload, case, dtype, peer, fn, n):
        s = per_call(fn, self.args.repeats, self.args.min_time)
        self.row(workload, case, dtype, peer, s / n * 1e9, "ns/elem")

    def samples(self, workload, case, dtype, peer, fn, n):
        s = per_call(fn, self.args.repeats, self.args.min_time)
        self.row(workload, case, dtype, peer, n / s, "samples/s")
        if n == 1:
            self.row(workload, case, dtype, peer, s * 1e6, "µs/call")


# --- K0–K2: elementwise kernels ---------------------------------------------

def elementwise(args, table, np, torch):
    rng = np.random.default_rng(1)
    rows, cols, n = 4096, 8, 4096 * 8
    for dname in args.dtypes:
        dt = np.dtype(dname)
        tdt = getattr(torch, dname)
        ex = rng.uniform(-20, 20, n).astype(dt)
        lg = rng.uniform(1e-3, 1e3, n).astype(dt)
        x, sh, t = rng.standard_normal(n).astype(dt), rng.uniform(-2, 2, n).astype(dt), rng.standard_normal(n).astype(dt)  # sh: the scale s
        out, s, e = np.empty(n, dt), np.empty(n, dt), np.empty(n, dt)
        if "K0" in args.only:
            table.elements("K0 exp", "4096x8", dname, "numpy", lambda: np.exp(ex, out=out), n)
            table.elements("K0 log", "4096x8", dname, "numpy", lambda: np.log(lg, out=out), n)
            tex, tlg, tout = torch.from_numpy(ex), torch.from_numpy(lg), torch.empty(n, dtype=tdt)
            table.elements("K0 exp", "4096x8", dname, "torch", lambda: torch.exp(tex, out=tout), n)
            table.elements("K0 log", "4096x8", dname, "torch", lambda: torch.log(tlg, out=tout), n)
        if "K1" in args.only:
            ld = np.empty(rows, dt)

            def np_forward():  # y = x·exp(s) + t, Σ s per row
                np.exp(sh, out=e)
                np.multiply(x, e, out=out)
                np.add(out, t, out=out)
                np.sum(sh.reshape(rows, cols), axis=1, out=ld)

            def np_inverse():  # x = (y − t)·exp(−s), −Σ s per row
                np.negative(sh, out=s)
                np.exp(s, out=e)
                np.subtract(x, t, out=out)
                np.multiply(out, e, out=out)
                np.sum(s.reshape(rows, cols), axis=1, out=ld)

            table.elements("K1 affine forward", "4096x8", dname, "numpy", np_forward, n)
            table.elements("K1 affine inverse", "4096x8", dname, "numpy", np_inverse, n)
            tx, tsh, tt = (torch.from_numpy(v).reshape(rows, cols) for v in (x, sh, t))
            ts, te, tout = (torch.empty(rows, cols, dtype=tdt) for _ in range(3))
            tld = torch.empty(rows, dtype=tdt)

            def torch_forward():
                torch.exp(tsh, out=te)
                torch.addcmul(tt, tx, te, out=tout)
                torch.sum(tsh, 1, out=tld)

            def torch_inverse():
                torch.neg(tsh, out=ts)
                torch.exp(ts, out=te)
                torch.sub(tx, tt, out=tout)
                tout.mul_(te)
                torch.sum(ts, 1, out=tld)

            with torch.no_grad():
                table.elements("K1 affine forward", "4096x8", dname, "torch", torch_forward, n)
                table.elements("K1 affine inverse", "4096x8", dname, "torch", torch_inverse, n)
        if "K2" in args.only:
            rows2, cols2 = 4096, 16
            d = rng.standard_normal(rows2 * cols2).astype(dt)
            a, ld2 = np.empty_like(d), np.empty(rows2, dt)

            def np_logabs():
                np.abs(d, out=a)
                np.log(a, out=a)
                np.sum(a.reshape(rows2, cols2), axis=1, out=ld2)

            table.elements("K2 log-abs sum", "4096x16", dname, "numpy", np_logabs, d.size)
            td, ta, tld2 = torch.from_numpy(d).reshape(rows2, cols2), torch.empty(rows2, cols2, dtype=tdt), torch.empty(rows2, dtype=tdt)

            def torch_logabs():
                torch.abs(td, out=ta)
                ta.log_()
                torch.sum(ta, 1, out=tld2)

            table.elements("K2 log-abs sum", "4096x16", dname, "torch", torch_logabs, d.size)


# --- K3: triangular solves and products -------------------------------------

K3_SIZES = (8, 16, 32, 64, 128, 256, 512)


def trisolve(args, table, np, torch):
    """K3: L·X = Z solved in place (SciPy's solve_triangular, LAPACK ?trtrs
    on Fortran-ordered right-hand sides, and torch.linalg.solve_triangular),
    and the product L·Z (BLAS ?trmm through scipy.linalg.blas, in place;
    PyTorch has no triangular product, so its entry is the dense matmul
    with the triangle's zeros, which is what a PyTorch user writes)."""
    from scipy.linalg import solve_triangular
    import scipy.linalg.blas as blas
    rng = np.random.default_rng(3)
    b = 4096
    for dname in args.dtypes:
        dt = np.dtype(dname)
        trmm = blas.dtrmm if dname == "float64" else blas.strmm
        for n in K3_SIZES:
            a = np.tril(rng.uniform(-0.1 / n, 0.1 / n, (n, n)), -1) + np.diag(rng.uniform(1, 2, n))
            a = np.asfortranarray(a.astype(dt))
            z = np.asfortranarray(rng.standard_normal((n, b)).astype(dt))
            work = z.copy(order="F")
            flops = n * n * b

            def scipy_solve():
                work[...] = z  # solved in place, as flowkern's TriSolve is
                solve_triangular(a, work, lower=True, overwrite_b=True, check_finite=False)

            def scipy_mul():
                work[...] = z
                trmm(1.0, a, work, lower=1, overwrite_b=1)

            s = per_call(scipy_solve, args.repeats, args.min_time)
            table.row("K3 TriSolve", f"n={n}", dname, "scipy", flops / s / 1e9, "GFLOP/s")
            s = per_call(scipy_mul, args.repeats, args.min_time)
            table.row("K3 TriMul", f"n={n}", dname, "scipy", flops / s / 1e9, "GFLOP/s")
            ta, tz = torch.from_numpy(np.ascontiguousarray(a)), torch.from_numpy(np.ascontiguousarray(z))
            tout = torch.empty_like(tz)
            s = per_call(lambda: torch.linalg.solve_triangular(ta, tz, upper=False, out=tout), args.repeats, args.min_time)
            table.row("K3 TriSolve", f"n={n}", dname, "torch", flops / s / 1e9, "GFLOP/s")
            s = per_call(lambda: torch.matmul(ta, tz, out=tout), args.repeats, args.min_time)
            table.row("K3 TriMul", f"n={n}", dname, "torch", flops / s / 1e9, "GFLOP/s")


# --- K4: the machine's dense rate (GEMM), for M1 and M2 ------------------

def gemm(args, table, np, torch):
    """The rate of OpenBLAS's general matrix product, C = A·B with n = 2048
    (NumPy's matmul into a preallocated output, and torch.mm), 2n³ flops:
    the reference against which the README states M1's and M2's rates."""
    n = 2048
    rng = np.random.default_rng(7)
    for dname in args.dtypes:
        a = rng.standard_normal((n, n)).astype(dname)
        b = rng.standard_normal((n, n)).astype(dname)
        c = np.empty((n, n), dtype=dname)
        s = per_call(lambda: np.matmul(a, b, out=c), args.repeats, args.min_time)
        table.row("K4 GEMM", f"n={n}", dname, "numpy", 2 * n**3 / s / 1e9, "GFLOP/s")
        ta, tb, tc = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c)
        s = per_call(lambda: torch.mm(ta, tb, out=tc), args.repeats, args.min_time)
        table.row("K4 GEMM", f"n={n}", dname, "torch", 2 * n**3 / s / 1e9, "GFLOP/s")


# --- K7: one Adam step -------------------------------------------------------

def adam_step(args, table, torch):
    """One AdamW step (β 0.9 and 0.999, ε 1e-8, weight decay 0.01) on
    157,824 parameters (M1's count) held as one tensor, its gradient and
    moments already there: PyTorch's fused CPU kernel (where this PyTorch
    has one), its foreach and its single-tensor loops, in ns per
    parameter. flowkern's K7 also multiplies the gradient
    by a clipping factor, which the peers are spared."""
    n = 157824
    for dname in args.dtypes:
        dt = getattr(torch, dname)
        torch.manual_seed(7)
        for impl in ("fused", "foreach", "single-tensor"):
            p = torch.nn.Parameter(torch.randn(n, dtype=dt))
            p.grad = torch.randn(n, dtype=dt)
            kw = {"fused": {"fused": True}, "foreach": {"foreach": True}, "single-tensor": {"foreach": False}}[impl]
            try:
                opt = torch.optim.AdamW([p], lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, **kw)
                opt.step()
            except (RuntimeError, TypeError) as e:
                print(f"K7 {impl} {dname}: {e}", file=sys.stderr)
                continue
            table.elements("K7 Adam", f"{n} parameters", dname, f"torch {impl}", opt.step, n)


# --- M1–M3: flows in PyTorch -------------------------------------------------

def torch_models(torch):
    """RealNVP and MAF as the workloads define them, in PyTorch's habit: a
    model's forward goes from data to latent. Our own implementation."""
    nn = torch.nn
    half_log_2pi = 0.5 * math.log(2 * math.pi)

    def clamp(raw):
        return 2 * torch.tanh(raw / 2)

    def normal_log_prob(z):
        return -0.5 * (z * z).sum(1) - z.shape[1] * half_log_2pi

    def network(n_in, hidden, n_out):
        return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_out))

    class Coupling(nn.Module):
        """Keeps the first half (even layers) or the second (odd ones); on
        the density side the other half becomes x₂·exp(s) + t."""

        def __init__(self, dim, hidden, parity):
            super().__init__()
            self.half, self.parity = dim // 2, parity
            self.net = network(self.half, hidden, 2 * self.half)

        def parts(self, x):
            a, b = x[:, :self.half], x[:, self.half:]
            return (a, b) if self.parity == 0 else (b, a)

        def join(self, kept, moved):
            return torch.cat((kept, moved) if self.parity == 0 else (moved, kept), 1)

        def forward(self, x):
            kept, moved = self.parts(x)
            raw, t = self.net(kept).chunk(2, 1)
            s = clamp(raw)
            return self.join(kept, moved * torch.exp(s) + t), s.sum(1)

        def inverse(self, z):
            kept, moved = self.parts(z)
            raw, t = self.net(kept).chunk(2, 1)
            return self.join(kept, (moved - t) * torch.exp(-clamp(raw)))

    class RealNVP(nn.Module):
        def __init__(self, dim=16, layers=8, hidden=128):
            super().__init__()
            self.dim = dim
            self.layers = nn.ModuleList(Coupling(dim, hidden, i % 2) for i in range(layers))

        def log_prob(self, x):
            ld = torch.zeros(x.shape[0], dtype=x.dtype)
            for layer in self.layers:
                x, d = layer(x)
                ld = ld + d
            return normal_log_prob(x) + ld

    class MaskedLinear(nn.Linear):
        def __init__(self, n_in, n_out, mask):
            super().__init__(n_in, n_out)
            self.register_buffer("mask", mask)

        def forward(self, x):
            return nn.functional.linear(x, self.weight * self.mask, self.bias)

    class MADE(nn.Module):
        """Inputs of degrees 1…D, hidden units of degrees 1…D−1 in turn;
        a unit sees the units of lower or equal degree below it, an output of
        degree d those of degree below d. Outputs ŝ and t for every input."""

        def __init__(self, dim, hidden):
            super().__init__()
            din = torch.arange(1, dim + 1)
            dh = torch.arange(hidden) % max(1, dim - 1) + 1
            dout = torch.cat((din, din))
            self.net = nn.Sequential(
                MaskedLinear(dim, hidden, (dh[:, None] >= din[None, :]).float()), nn.ReLU(),
                MaskedLinear(hidden, hidden, (dh[:, None] >= dh[None, :]).float()), nn.ReLU(),
                MaskedLinear(hidden, 2 * dim, (dout[:, None] > dh[None, :]).float()))

        def forward(self, x):
            return self.net(x).chunk(2, 1)

    class MAF(nn.Module):
        def __init__(self, dim=16, layers=5, hidden=128):
            super().__init__()
            self.dim = dim
            self.made = nn.ModuleList(MADE(dim, hidden) for _ in range(layers))

        def log_prob(self, x):
            ld = torch.zeros(x.shape[0], dtype=x.dtype)
            for i, made in enumerate(self.made):
                if i > 0:
                    x = x.flip(1)
                raw, t = made(x)
                s = clamp(raw)
                x, ld = x * torch.exp(s) + t, ld + s.sum(1)
            return normal_log_prob(x) + ld

        def sample(self, n):
            z = torch.randn(n, self.dim, dtype=next(self.parameters()).dtype)
            for i in reversed(range(len(self.made))):
                x = torch.zeros_like(z)
                for _ in range(self.dim):  # x_i needs x_<i: one pass per feature
                    raw, t = self.made[i](x)
                    x = (z - t) * torch.exp(-clamp(raw))
                z = x.flip(1) if i > 0 else x
            return z

    return RealNVP, MAF


def flows(args, table, torch):
    RealNVP, MAF = torch_models(torch)
    for dname in args.dtypes:
        dt = getattr(torch, dname)
        torch.manual_seed(1)
        if "M1" in args.only:
            m = RealNVP().to(dt).eval()
            for b in (4096, 64, 1):
                x = torch.randn(b, 16, dtype=dt)
                with torch.no_grad():
                    table.samples("M1 RealNVP log p", f"batch {b}", dname, "torch", lambda: m.log_prob(x), b)
        if "M2" in args.only:
            m = RealNVP().to(dt).train()
            opt = torch.optim.Adam(m.parameters(), lr=1e-3)
            pool = [torch.randn(512, 16, dtype=dt) for _ in range(64)]
            step = [0]

            def train_step():
                x = pool[step[0] % len(pool)]
                step[0] += 1
                opt.zero_grad(set_to_none=True)
                loss = -m.log_prob(x).mean()
                loss.backward()
                opt.step()

            table.samples("M2 RealNVP training step", "batch 512", dname, "torch", train_step, 512)
        if "M3" in args.only:
            m = MAF().to(dt).eval()
            x = torch.randn(4096, 16, dtype=dt)
            with torch.no_grad():
                table.samples("M3 MAF log p", "batch 4096", dname, "torch", lambda: m.log_prob(x), 4096)
                table.samples("M3 MAF sampling", "4096", dname, "torch", lambda: m.sample(4096), 4096)


# --- K6 and M4: rational-quadratic splines ----------------------------------

def rq_spline(torch, x, uw, uh, ud, inverse, bound=3.0, minimum=1e-3):
    """The monotone rational-quadratic spline of Gregory and Delbourgo on K
    bins of [−bound, bound] with linear tails, parameterised as neural
    spline flows do (Durkan et al. 2019): softmax widths and heights, each
    at least minimum of the interval, derivatives minimum + softplus inside
    and 1 at ±bound. x is (..., ), uw and uh (..., K), ud (..., K − 1).
    Returns y = g(x) (or g⁻¹(x) if inverse) and log |dy/dx|. Our own
    implementation, in the tensor ops such libraries use: a search over the
    knots and gathers of the bin's values."""
    F = torch.nn.functional
    k = uw.shape[-1]

    def knots(u):
        share = minimum + (1 - minimum * k) * torch.softmax(u, -1)
        c = F.pad(torch.cumsum(share, -1), (1, 0)) * (2 * bound) - bound
        c[..., 0], c[..., -1] = -bound, bound
        return c, c[..., 1:] - c[..., :-1]

    cx, w = knots(uw)
    cy, h = knots(uh)
    d = F.pad(minimum + F.softplus(ud), (1, 1), value=1.0)
    inside = (x >= -bound) & (x <= bound)
    xc = x.clamp(-bound, bound)
    search = cy if inverse else cx
    b = (xc[..., None] >= search[..., 1:-1]).sum(-1, keepdim=True)

    def at(t):
        return t.gather(-1, b)[..., 0]

    x0, y0, wk, hk = at(cx), at(cy), at(w), at(h)
    dk, dk1 = at(d), d[..., 1:].gather(-1, b)[..., 0]
    delta = hk / wk
    c2 = dk + dk1 - 2 * delta
    if inverse:
        r = xc - y0
        a = r * c2 + hk * (delta - dk)
        bb = hk * dk - r * c2
        c = -delta * r
        disc = (bb * bb - 4 * a * c).clamp(min=0)
        theta = 2 * c / (-bb - torch.sqrt(disc))
    else:
        theta = (xc - x0) / wk
    t1 = theta * (1 - theta)
    den = delta + c2 * t1
    num = delta * delta * (dk1 * theta * theta + 2 * delta * t1 + dk * (1 - theta) ** 2)
    lad = torch.log(num) - 2 * torch.log(den)
    if inverse:
        y = x0 + theta * wk
        lad = -lad
    else:
        y = y0 + hk * (delta * theta * theta + dk * t1) / den
    return torch.where(inside, y, x), torch.where(inside, lad, torch.zeros_like(lad))


def spline_kernel(args, table, torch):
    """K6: splines of x (4096×8) with K = 8, the parameters N(0, 1), the
    per-row log-determinant summed: forward, inverse, and the forward
    pass's backward pass."""
    rows, cols, k = 4096, 8, 8
    for dname in args.dtypes:
        dt = getattr(torch, dname)
        g = torch.Generator().manual_seed(6)
        x = 1.5 * torch.randn(rows, cols, generator=g, dtype=dt)
        p = torch.randn(rows, cols, 3 * k - 1, generator=g, dtype=dt)
        uw, uh, ud = p[..., :k], p[..., k:2 * k], p[..., 2 * k:]
        with torch.no_grad():
            y, _ = rq_spline(torch, x, uw, uh, ud, False)

            def run(inp, inverse):
                out, lad = rq_spline(torch, inp, uw, uh, ud, inverse)
                return out, lad.sum(1)

            table.elements("K6 spline forward", "4096x8 K8", dname, "torch", lambda: run(x, False), rows * cols)
            table.elements("K6 spline inverse", "4096x8 K8", dname, "torch", lambda: run(y, True), rows * cols)

        # The backward pass of the forward spline: the gradients of
        # Σ dOut·y + Σ dLogdet·logdet for the input and the parameters, by
        # autograd.
        d_out = torch.randn(rows, cols, generator=g, dtype=dt)
        d_ld = torch.randn(rows, generator=g, dtype=dt)
        xg, pg = x.clone().requires_grad_(), p.clone().requires_grad_()

        def backward():
            out, lad = rq_spline(torch, xg, pg[..., :k], pg[..., k:2 * k], pg[..., 2 * k:], False)
            loss = (d_out * out).sum() + (d_ld * lad.sum(1)).sum()
            return torch.autograd.grad(loss, (xg, pg))

        table.elements("K6 spline backward", "4096x8 K8", dname, "torch", backward, rows * cols)


def nsf_model(torch):
    """M4's NSF: D = 16, 8 spline couplings on alternating halves, each
    half's 23 parameters a coordinate from a network 8 → 128 → 128 → 8·23
    of the other half, K = 8, B = 3, standard normal base."""
    nn = torch.nn
    k, half_log_2pi = 8, 0.5 * math.log(2 * math.pi)

    class Coupling(nn.Module):
        def __init__(self, dim, hidden, parity):
            super().__init__()
            self.half, self.parity = dim // 2, parity
            self.net = nn.Sequential(nn.Linear(self.half, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                     nn.Linear(hidden, self.half * (3 * k - 1)))

        def apply(self, x, inverse):
            a, b = x[:, :self.half], x[:, self.half:]
            kept, moved = (a, b) if self.parity == 0 else (b, a)
            p = self.net(kept).view(-1, self.half, 3 * k - 1)
            out, lad = rq_spline(torch, moved, p[..., :k], p[..., k:2 * k], p[..., 2 * k:], inverse)
            joined = torch.cat((kept, out) if self.parity == 0 else (out, kept), 1)
            return joined, lad.sum(1)

    class NSF(nn.Module):
        def __init__(self, dim=16, layers=8, hidden=128):
            super().__init__()
            self.dim = dim
            self.layers = nn.ModuleList(Coupling(dim, hidden, i % 2) for i in range(layers))

        def log_prob(self, x):
            ld = torch.zeros(x.shape[0], dtype=x.dtype)
            for layer in self.layers:
                x, d = layer.apply(x, False)
                ld = ld + d
            return -0.5 * (x * x).sum(1) - self.dim * half_log_2pi + ld

        def sample(self, n):
            z = torch.randn(n, self.dim, dtype=next(self.parameters()).dtype)
            for layer in reversed(self.layers):
                z, _ = layer.apply(z, True)
            return z

    return NSF


def nsf_flow(args, table, torch):
    NSF = nsf_model(torch)
    for dname in args.dtypes:
        dt = getattr(torch, dname)
        torch.manual_seed(4)
        m = NSF().to(dt).eval()
        x = torch.randn(4096, 16, dtype=dt)
        with torch.no_grad():
            table.samples("M4 NSF log p", "batch 4096", dname, "torch", lambda: m.log_prob(x), 4096)
            table.samples("M4 NSF sampling", "4096", dname, "torch", lambda: m.sample(4096), 4096)


def main():
    args = parse_args()
    if not args.plain_malloc and "GLIBC_TUNABLES" not in os.environ:
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, GLIBC_TUNABLES=MALLOC_TUNABLES))
    for v in THREAD_VARIABLES:  # before NumPy, SciPy and PyTorch start their pools
        os.environ[v] = str(args.threads)
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    except ImportError:
        pass
    print(f"numpy {np.__version__}, torch {torch.__version__}, {args.threads} thread(s)", file=sys.stderr)
    table = Table(args)
    if args.only & {"K0", "K1", "K2"}:
        elementwise(args, table, np, torch)
    if "K3" in args.only:
        trisolve(args, table, np, torch)
    if "K6" in args.only:
        spline_kernel(args, table, torch)
    if "K4" in args.only:
        gemm(args, table, np, torch)
    if "K7" in args.only:
        adam_step(args, table, torch)
    if args.only & {"M1", "M2", "M3"}:
        flows(args, table, torch)
    if "M4" in args.only:
        nsf_flow(args, table, torch)


if __name__ == "__main__":
    main()
