#!/usr/bin/env python3
"""PyTorch + diffusers side of the UNet forward benchmark (issue 4).

    python scripts/bench_unet.py small|sd15 [--reps N]

Builds UNet2DConditionModel with random weights for one of the two configs the Swift side
(`snbench unet small|sd15`) uses, runs the forward pass under no_grad on 2 threads, and prints
one line: "<config>\t<best seconds>\t<median seconds>\t<peak RSS MB>". Best-of because the machine
is shared; the peak RSS is the whole process's (weights included). Run each config in its own process.
"""
import argparse
import resource
import statistics
import time

import torch
from diffusers import UNet2DConditionModel

# The same configs as Sources/snbench/UNetBenchmark.swift.
CONFIGS = {
    # block_out_channels 64/128/256, 2 layers per block, cross_attention_dim 128, 3-channel 32x32, batch 8.
    "small": dict(
        config=dict(
            sample_size=32, in_channels=3, out_channels=3, block_out_channels=(64, 128, 256), layers_per_block=2,
            down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
            up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
            cross_attention_dim=128, attention_head_dim=8,
        ),
        batch=8, size=32, tokens=77,
    ),
    # Stable Diffusion 1.5's unet/config.json (the differing keys; the rest are diffusers' defaults).
    "sd15": dict(
        config=dict(sample_size=64, cross_attention_dim=768, attention_head_dim=8),
        batch=1, size=32, tokens=77,
    ),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("config", choices=sorted(CONFIGS))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    spec = CONFIGS[args.config]
    unet = UNet2DConditionModel(**spec["config"]).eval()
    c = spec["config"].get("in_channels", 4)
    x = torch.randn(spec["batch"], c, spec["size"], spec["size"])
    ctx = torch.randn(spec["batch"], spec["tokens"], spec["config"]["cross_attention_dim"])
    t = torch.full((spec["batch"],), 500)
    times = []
    with torch.no_grad():
        unet(x, t, ctx)  # warm-up
        for _ in range(args.reps):
            t0 = time.perf_counter()
            unet(x, t, ctx)
            times.append(time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.config}\t{min(times):.3f}\t{statistics.median(times):.3f}\t{peak_mb:.0f}", flush=True)


if __name__ == "__main__":
    main()
