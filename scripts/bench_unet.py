#!/usr/bin/env python3
"""PyTorch + diffusers side of the model benchmarks (issues 4 and 5).

    python scripts/bench_unet.py small|sd15|train|itm [--reps N] [--model DIR] [--samples N]

small, sd15: UNet2DConditionModel with random weights in the configs the Swift side
  (`snbench unet small|sd15`) uses, forward pass under no_grad.
train: one training step of the small config at batch 8 (forward, MSE against a fixed target,
  backward, gradient clipping to norm 1, AdamW lr 1e-4), as `snbench train`.
itm: the reference DiffusionITM loop of diffusion-itm on one 2-image x 2-caption item of the
  diffusers folder --model (default: the bundled model): for every image and caption, the
  conditional and the unconditional pass over --samples grid timesteps in batches of 16, the
  unconditional pass re-run per caption. Seconds per item, as `snbench itm`.
itm-sd15: the same loop on Stable Diffusion 1.5's UNet with random weights, random 4x32x32
  latents and random 77x768 caption states (--samples, default 4), as `snbench itm sd15`.
On 2 threads; prints one line: "<name>\t<best seconds>\t<median seconds>\t<peak RSS MB>". Best-of
because the machine is shared; the peak RSS is the whole process's (weights included). Run each
benchmark in its own process.
"""
import argparse
import json
import resource
import statistics
import time

import torch
from diffusers import DDPMScheduler, UNet2DConditionModel
from transformers import CLIPTextModel, CLIPTokenizer

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


def forward_step(spec):
    unet = UNet2DConditionModel(**spec["config"]).eval()
    c = spec["config"].get("in_channels", 4)
    x = torch.randn(spec["batch"], c, spec["size"], spec["size"])
    ctx = torch.randn(spec["batch"], spec["tokens"], spec["config"]["cross_attention_dim"])
    t = torch.full((spec["batch"],), 500)

    def step():
        with torch.no_grad():
            unet(x, t, ctx)
    return step


def train_step(spec):
    unet = UNet2DConditionModel(**spec["config"]).train()
    c = spec["config"]["in_channels"]
    x = torch.randn(spec["batch"], c, spec["size"], spec["size"])
    target = torch.randn_like(x)
    ctx = torch.randn(spec["batch"], spec["tokens"], spec["config"]["cross_attention_dim"])
    t = torch.full((spec["batch"],), 500)
    optimizer = torch.optim.AdamW(unet.parameters(), lr=1e-4)

    def step():
        loss = torch.nn.functional.mse_loss(unet(x, t, ctx).sample, target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    return step


# The same two captions as Sources/snbench/ITMBenchmark.swift.
CAPTIONS = ["a red square to the left of a blue circle", "a blue square to the left of a red circle"]


def reference_itm(unet, latents, contexts, empty, noise, ts, abar, batch=16):
    """diffusion-itm's loop: for every image and caption, the conditional and the unconditional
    pass over the timesteps in batches, the unconditional one re-run per caption."""
    def step():
        with torch.no_grad():
            for z0 in latents:
                for ctx in contexts:
                    for s in range(0, len(ts), batch):
                        t, e = ts[s:s + batch], noise[s:s + batch]
                        a = abar[t].view(-1, 1, 1, 1)
                        xt = a.sqrt() * z0 + (1 - a).sqrt() * e
                        n = len(t)
                        cond = unet(xt, t, ctx.expand(n, -1, -1)).sample
                        uncond = unet(xt, t, empty.expand(n, -1, -1)).sample
                        ((cond - e) ** 2).mean(dim=(1, 2, 3)) - ((uncond - e) ** 2).mean(dim=(1, 2, 3))
    return step


def grid(abar, samples):
    return torch.linspace(0, len(abar) - 1, samples).long()  # evenly spaced, as the reference's grid


def itm_item(model, samples):
    unet = UNet2DConditionModel.from_pretrained(model, subfolder="unet").eval()
    text = CLIPTextModel.from_pretrained(model, subfolder="text_encoder").eval()
    tokenizer = CLIPTokenizer.from_pretrained(model, subfolder="tokenizer")
    with open(f"{model}/scheduler/scheduler_config.json") as f:
        abar = DDPMScheduler.from_config(json.load(f)).alphas_cumprod
    size, channels = unet.config.sample_size, unet.config.in_channels

    def encode(prompt):
        ids = tokenizer([prompt], padding="max_length", max_length=tokenizer.model_max_length, truncation=True,
                        return_tensors="pt").input_ids
        with torch.no_grad():
            return text(ids).last_hidden_state

    latents = 2 * torch.rand(2, 1, channels, size, size) - 1  # a pixel-space model's "latents"
    contexts = [encode(c) for c in CAPTIONS]
    return reference_itm(unet, latents, contexts, encode(""), torch.randn(samples, channels, size, size),
                         grid(abar, samples), abar)


def itm_sd15_item(samples):
    spec = CONFIGS["sd15"]
    unet = UNet2DConditionModel(**spec["config"]).eval()
    size = spec["size"]
    abar = DDPMScheduler().alphas_cumprod
    return reference_itm(unet, torch.randn(2, 1, 4, size, size), torch.randn(2, 1, spec["tokens"], 768),
                         torch.randn(1, spec["tokens"], 768), torch.randn(samples, 4, size, size), grid(abar, samples), abar)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("config", choices=sorted(CONFIGS) + ["train", "itm", "itm-sd15"])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default="examples/models/shapes-base")
    parser.add_argument("--samples", type=int, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.config == "train":
        step = train_step(CONFIGS["small"])
    elif args.config == "itm":
        step = itm_item(args.model, args.samples or 32)
    elif args.config == "itm-sd15":
        step = itm_sd15_item(args.samples or 4)
    else:
        step = forward_step(CONFIGS[args.config])
    step()  # warm-up
    times = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.config}\t{min(times):.3f}\t{statistics.median(times):.3f}\t{peak_mb:.0f}", flush=True)


if __name__ == "__main__":
    main()
