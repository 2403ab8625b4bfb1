#!/usr/bin/env python3
"""Trains a SoftNeg model folder from scratch with PyTorch + diffusers, the way examples/binding_study.sn
trains it with SoftNeg's own trainer, so the two trainers can be compared at training scale.

    $SOFTNEG_PYTHON scripts/reference_train.py START_FOLDER DATA_FOLDER OUT_FOLDER \
        --steps 2000 --every 500 [--lr 3e-4 --batch 32 --uncond-prob 0.1 --seed 0 --threads 1]

START_FOLDER is a pixel-space pipeline folder written by `save(new_model(...), path)` (the same
initial weights); DATA_FOLDER is `shapes_world("training", ..., out: DATA_FOLDER)` (NegCLIP's
train_neg_clip.tsv with PNG images). Every --every steps it writes OUT_FOLDER/step-N, a folder `load` reads (unet/ and
text_encoder/ from save_pretrained, tokenizer/, scheduler/ and model_index.json copied), which
scripts/reference_probes.sn then scores with the same probes as the study.

The recipe is the study's: plain denoising loss E||e - eps(x_t, t, w)||^2 on x0 = 2 img - 1,
t uniform over the scheduler's training steps, captions replaced by "" with probability
--uncond-prob, AdamW (weight decay 1e-2), gradients clipped to norm 1, text encoder trained too,
batches drawn without replacement from a fresh permutation per epoch. Randomness is torch's,
seeded, so runs are repeatable but not bit-equal to SoftNeg's.
"""
import argparse
import csv
import os
import shutil
import sys

import numpy
import torch
from diffusers import DDPMScheduler, UNet2DConditionModel
from PIL import Image
from transformers import CLIPTextModel, CLIPTokenizer

sys.dont_write_bytecode = True


def read_examples(folder):
    """(caption, image [3,H,W] in [0,1]) for every row of the TSV, images decoded once."""
    rows = []
    with open(os.path.join(folder, "train_neg_clip.tsv"), newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            image = Image.open(os.path.join(folder, row["filepath"])).convert("RGB")
            pixels = torch.from_numpy(numpy.asarray(image, dtype=numpy.float32) / 255.0).permute(2, 0, 1)
            rows.append((row["title"], pixels))
    return rows


def save(unet, text_encoder, start, out):
    """A folder SoftNeg's `load` reads: the trained components plus the start's other files."""
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    unet.save_pretrained(os.path.join(tmp, "unet"))
    text_encoder.save_pretrained(os.path.join(tmp, "text_encoder"))
    for name in ("tokenizer", "scheduler"):
        shutil.copytree(os.path.join(start, name), os.path.join(tmp, name))
    shutil.copy(os.path.join(start, "model_index.json"), tmp)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("start")
    p.add_argument("data")
    p.add_argument("out")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--every", type=int, default=500)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--uncond-prob", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    unet = UNet2DConditionModel.from_pretrained(os.path.join(a.start, "unet"))
    text_encoder = CLIPTextModel.from_pretrained(os.path.join(a.start, "text_encoder"))
    tokenizer = CLIPTokenizer.from_pretrained(os.path.join(a.start, "tokenizer"))
    scheduler = DDPMScheduler.from_pretrained(os.path.join(a.start, "scheduler"))
    examples = read_examples(a.data)
    print(f"{len(examples)} examples, {sum(q.numel() for q in unet.parameters())} UNet parameters", flush=True)

    params = list(unet.parameters()) + list(text_encoder.parameters())
    optimizer = torch.optim.AdamW(params, lr=a.lr, weight_decay=1e-2)
    generator = torch.Generator().manual_seed(a.seed)
    unet.train()
    text_encoder.train()
    order = []
    for step in range(1, a.steps + 1):
        if len(order) < a.batch:
            order += torch.randperm(len(examples), generator=generator).tolist()
        batch, order = order[: a.batch], order[a.batch:]
        captions = [examples[i][0] for i in batch]
        keep = torch.rand(len(captions), generator=generator) >= a.uncond_prob
        captions = [c if k else "" for c, k in zip(captions, keep.tolist())]
        x0 = torch.stack([examples[i][1] for i in batch]) * 2 - 1
        ids = tokenizer(captions, padding="max_length", max_length=tokenizer.model_max_length,
                        truncation=True, return_tensors="pt").input_ids
        context = text_encoder(ids).last_hidden_state
        t = torch.randint(0, scheduler.config.num_train_timesteps, (len(batch),), generator=generator)
        noise = torch.randn(x0.shape, generator=generator)
        xt = scheduler.add_noise(x0, noise, t)
        loss = torch.nn.functional.mse_loss(unet(xt, t, context).sample, noise)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.5f}", flush=True)
        if step % a.every == 0 or step == a.steps:
            save(unet, text_encoder, a.start, os.path.join(a.out, f"step-{step}"))


if __name__ == "__main__":
    main()
