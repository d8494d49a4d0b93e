#!/usr/bin/python3
"""Ratios of flowkern against its peers, from one session's runs of both.

    GOMAXPROCS=1 go test -run '^$' -bench 'K0|K1|K2|K3|K6|K7|M1|M2|M3|M4' -count 5 ./bench/ > go.txt
    /usr/bin/python3 bench/peers/peers.py --threads 1 > peers.txt
    /usr/bin/python3 bench/peers/compare.py go.txt peers.txt [--set avx512]

For each workload both sides ran, prints flowkern's median (over -count
and every run in the file), the best peer's median (over the runs in its
file) and the ratio, oriented so that above 1 means
flowkern is faster. Run the two in the same session, best interleaved
(repeat both commands and compare the medians): the machines are noisy.
"""

import argparse
import re
import statistics
import sys
from collections import defaultdict

# flowkern benchmark name (with {t} for f64/f32 and {set} for the kernel
# set) → (peer workload, peer case, unit).
WORKLOADS = [
    ("K0Exp/{t}/4096x8/{set}", "K0 exp", "4096x8", "ns/elem"),
    ("K0Log/{t}/4096x8/{set}", "K0 log", "4096x8", "ns/elem"),
    ("K1AffineCoupling/{t}/forward/4096x8/{set}", "K1 affine forward", "4096x8", "ns/elem"),
    ("K1AffineCoupling/{t}/inverse/4096x8/{set}", "K1 affine inverse", "4096x8", "ns/elem"),
    ("K2LogAbsSum/{t}/4096x16/{set}", "K2 log-abs sum", "4096x16", "ns/elem"),
] + [
    (f"K3{op}/{{t}}/lower/n{n}xB4096/{{set}}", f"K3 {op}", f"n={n}", "GFLOP/s")
    for op in ("TriSolve", "TriMul") for n in (8, 16, 32, 64, 128, 256, 512)
] + [
    ("M1RealNVPLogProb/{t}/b=4096", "M1 RealNVP log p", "batch 4096", "samples/s"),
    ("M1RealNVPLogProb/{t}/b=64", "M1 RealNVP log p", "batch 64", "samples/s"),
    ("M1RealNVPLogProb/{t}/b=1", "M1 RealNVP log p", "batch 1", "µs/call"),
    ("M2RealNVPTrainStep/{t}", "M2 RealNVP training step", "batch 512", "samples/s"),
    ("M3MAF/{t}/logprob", "M3 MAF log p", "batch 4096", "samples/s"),
    ("M3MAF/{t}/sample", "M3 MAF sampling", "4096", "samples/s"),
    ("K6Spline/{t}/forward/4096x8/K8/{set}", "K6 spline forward", "4096x8 K8", "ns/elem"),
    ("K6Spline/{t}/inverse/4096x8/K8/{set}", "K6 spline inverse", "4096x8 K8", "ns/elem"),
    ("K6Spline/{t}/backward/4096x8/K8/{set}", "K6 spline backward", "4096x8 K8", "ns/elem"),
    ("M4NSF/{t}/logprob", "M4 NSF log p", "batch 4096", "samples/s"),
    ("M4NSF/{t}/sample", "M4 NSF sampling", "4096", "samples/s"),
    ("K7Adam/{t}/{set}", "K7 Adam", "157824 parameters", "ns/elem"),
]
LOWER_IS_BETTER = {"ns/elem", "µs/call"}


def go_medians(path):
    """Median of each benchmark's metrics over its runs: {name: {unit: value}}."""
    runs = defaultdict(lambda: defaultdict(list))
    for line in open(path, encoding="utf-8"):
        if not line.startswith("Benchmark"):
            continue
        fields = line.split()
        name = re.sub(r"-\d+$", "", fields[0][len("Benchmark"):])
        for value, unit in zip(fields[2::2], fields[3::2]):
            try:
                runs[name][unit].append(float(value))
            except ValueError:
                pass
    return {n: {u: statistics.median(v) for u, v in units.items()} for n, units in runs.items()}


def peer_medians(path):
    """{(workload, case, dtype, unit): {peer: median}} from peers.py's
    tables (one or several runs)."""
    out = defaultdict(lambda: defaultdict(list))
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] in ("workload", "---"):
            continue
        workload, case, dtype, peer, value, unit = cells
        try:
            out[(workload, case, dtype, unit)][peer].append(float(value))
        except ValueError:
            pass
    return {k: {p: statistics.median(v) for p, v in peers.items()} for k, peers in out.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("go", help="output of go test -bench")
    p.add_argument("peers", help="output of peers.py")
    p.add_argument("--set", default="avx512", help="flowkern kernel set to compare (default avx512)")
    a = p.parse_args()
    ours, theirs = go_medians(a.go), peer_medians(a.peers)
    print("| workload | case | type | flowkern | best peer | ratio |")
    print("|---|---|---|---|---|---|")
    shown = 0
    for pattern, workload, case, unit in WORKLOADS:
        for t, dtype in (("f64", "float64"), ("f32", "float32")):
            name = pattern.format(t=t, set=a.set)
            peers = theirs.get((workload, case, dtype, unit))
            if name not in ours or unit not in ours[name] or not peers:
                continue
            mine = ours[name][unit]
            lower = unit in LOWER_IS_BETTER
            peer, best = min(peers.items(), key=lambda kv: kv[1] if lower else -kv[1])
            ratio = best / mine if lower else mine / best
            print(f"| {workload} | {case} | {dtype} | {mine:.4g} {unit} | {best:.4g} ({peer}) | {ratio:.2f}× |")
            shown += 1
    if shown == 0:
        sys.exit("no workload found in both files (is --set right?)")


if __name__ == "__main__":
    main()
