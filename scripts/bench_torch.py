#!/usr/bin/env python3
"""PyTorch's side of scripts/bench: GFLOP/s for the same sgemm and conv2d shapes snbench times,
measured the same way (one warm-up, then the best of repetitions filling about a second).
Prints "name<TAB>GFLOP/s" lines with the same names snbench prints.

    python scripts/bench_torch.py [--only sgemm|conv2d]
"""
import os
import sys
import time

import torch
import torch.nn.functional as F


# BENCH_CLOCK=cpu: process CPU time, as snbench does (used with one thread).
clock = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter


def rate(flops, body, budget=1.0):
    body()
    best, start, reps = float("inf"), clock(), 0
    while reps < 3 or clock() - start < budget:
        t0 = clock()
        body()
        best = min(best, clock() - t0)
        reps += 1
    return flops / best / 1e9


def report(name, gflops):
    print(f"{name}\t{gflops:.1f}", flush=True)


def main():
    only = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--only" else None
    torch.manual_seed(0)
    if os.environ.get("BENCH_THREADS"):
        torch.set_num_threads(int(os.environ["BENCH_THREADS"]))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, MKL {torch.backends.mkl.is_available()}", file=sys.stderr)
    with torch.inference_mode():
        if only in (None, "sgemm"):
            for m, n, k in [(1024, 1024, 1024), (4096, 320, 320), (1024, 640, 640), (77, 768, 768), (4096, 1280, 320)]:
                a, b = torch.rand(m, k) * 2 - 1, torch.rand(k, n) * 2 - 1
                report(f"sgemm {m}x{n}x{k}", rate(2.0 * m * n * k, lambda: torch.matmul(a, b)))
        if only in (None, "conv2d"):
            for batch in (1, 2):
                for c, hw in [(320, 32), (320, 64), (640, 16), (640, 32), (1280, 8), (1280, 16)]:
                    x = torch.rand(batch, c, hw, hw) * 2 - 1
                    w, bias = torch.rand(c, c, 3, 3) * 2 - 1, torch.rand(c) * 2 - 1
                    flops = 2.0 * batch * c * hw * hw * c * 9
                    report(f"conv2d {c}->{c} {hw}x{hw} b{batch}",
                           rate(flops, lambda: F.conv2d(x, w, bias, stride=1, padding=1)))


if __name__ == "__main__":
    main()
