#!/usr/bin/env python3
"""Builds the test fixtures of the Diffusion tests: tiny random-weight diffusers models, their
inputs and reference outputs, tokenizer ids on the real CLIP vocabulary, and scheduler values.

Run:  $SOFTNEG_PYTHON scripts/make_fixtures.py [schedulers] [sampling]   (CI never runs it; outputs are
committed; naming parts remakes only those, on the committed models)
(or ./venv/bin/python after scripts/venv, which installs the versions below)
Made with: Python 3.11, torch 2.15.0 (CPU), diffusers 0.42.1, transformers 5.24.0 (tokenizers
backend), safetensors 0.8.0, numpy 2.4.6, scipy 1.17.1 (diffusers' LMS scheduler needs it), open-clip-torch 3.3.0 — the exact versions of a run are
written to Tests/DiffusionTests/Fixtures/VERSIONS.txt. Every random tensor has its own fixed seed;
torch runs on one thread, so a second run writes the same bytes.

Layout (under Tests/DiffusionTests/Fixtures/; tensors in *.safetensors are F32, scalars shape [1]):
  clip-vocab/                 real CLIP vocab.json + merges.txt, SD-1.x tokenizer_config.json /
                              special_tokens_map.json (pad = <|endoftext|>)
  clip-vocab-pad-bang/        the same config files with pad "!" (SD 2.x); vocab/merges: clip-vocab/
  tokenizer/*.json            transformers CLIPTokenizer ids for SENTENCES: `ids` (no padding, no
                              truncation) and `padded` (padding="max_length", max_length=77, truncation)
  tokenizer/ascii-unk/        a vocab with no non-ASCII byte symbol (unknown-token reference)
  scheduler/*.json            betas/alphas_cumprod, timesteps, add_noise, DDIM step, DDPM step; runs.json
                              (every scheduler class, whole runs step by step), all_timesteps.json,
                              class_configs.json (checkpoint configs read as each class)
  models/sd1-tiny/            SD-1.x-style pipeline folder; models/sd2-tiny/; models/pixel-tiny/ (no vae/)
  models/sd1-tiny.safetensors single-file original-SD checkpoint of sd1-tiny (weights identical)
  models/sd1-tiny-vae-legacy/ sd1-tiny's VAE with legacy attention names (query/key/value/proj_attn)
  models/sd1-tiny-vae-sharded/ the same VAE in shards with diffusion_pytorch_model.safetensors.index.json
  models/sd1-tiny-vae-fp16/   the same VAE as diffusion_pytorch_model.fp16.safetensors only
  refs/<model>.ref.safetensors           text encoder / UNet / VAE references
  refs/<model>-generate.ref.safetensors  3-step guided DDIM generation
  refs/<model>-generate-<kind>.ref.safetensors  6-step guided generation with each scheduler kind
                              (ddim ddpm pndm euler euler_a dpm++ lms), as StableDiffusionPipeline
  refs/<model>-edit-<kind>.ref.safetensors      SDEdit (strength 0.6, 6 steps) with each kind, as
                              StableDiffusionImg2ImgPipeline (scripts/fixtures/sampling.py)
  refs/<model>-itm.ref.safetensors       DiffusionITM (sd1-tiny, pixel-tiny)
  refs/sd1-tiny-loss-*.ref.safetensors   loss values and gradients for every UNet parameter
  refs/sd1-tiny-vae-fp16.ref.safetensors decode with the fp16 weights (upcast to F32)

Formulas (a_t = alphas_cumprod[t] of the model's scheduler config, DDIMScheduler.from_config):
  x_t = sqrt(a_t) z0 + sqrt(1 - a_t) e                               (scheduler.add_noise)
  latents z0: vae.encode(2 img - 1).latent_dist.mean * scaling_factor; pixel models z0 = 2 img - 1
  DiffusionITM (the original diffusion-itm loop): timesteps t_k = 10, 10 + r, ... < 990, r = 1000 /
    samples (samples = 10); noise e_k [T, C, h, w] one per timestep, shared by both images and both
    captions; for image m, caption n:
      cond[m, n, k] = || e_k - eps(x_t(z0_m, e_k, t_k), t_k, w_n) ||_2   (un-squared, over C*h*w)
      uncond[m, k]  = same with the empty caption ""
      text_scores[m, n]  = -mean_k cond[m, n, k]                  (rank captions n for image m)
      image_scores[m, n] = -mean_k (cond[m, n, k] - uncond[m, k]) (rank images m for caption n)
  Losses, batch of B = 2, timesteps t [B], noise e [B, C, h, w]; x_t and e shared inside each
  example; err(x, w) = mean over batch and C*h*w of (e - eps(x, t, w))^2:
      noneg   = err(x_t, w)
      hardneg = L_pos - min(L_neg, lambda * detach(L_pos)), L_pos = err(x_t, w),
                caption negative: L_neg = err(x_t, w_neg);
                image negative:   L_neg = err(x_t_neg, w), x_t_neg = add_noise(z0_neg, e, t)
      softneg = err(x_t, w) - err(x_t, ""), gradients through both terms
  Gradients are d loss / d parameter for every UNet parameter (text encoder and VAE frozen).
"""
import json
import os
import platform
import shutil
import sys

import numpy
import safetensors
import scipy
import torch

sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import diffusers  # noqa: E402
import transformers  # noqa: E402
from diffusers import AutoencoderKL, StableDiffusionPipeline  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

from fixtures import itm_losses, ldm_checkpoint, models, sampling, schedulers  # noqa: E402
from fixtures.common import FIXTURES, MODELS, REFS, randn, save_tensors, write_text  # noqa: E402


def versions(open_clip_version=None):
    """The versions of this run; open_clip (only the full run needs it, for the CLIP vocabulary)
    is imported here, or its line kept from the last full run."""
    if open_clip_version is None:
        import open_clip
        open_clip_version = open_clip.__version__
    return "\n".join([
        "Fixtures made by scripts/make_fixtures.py with:",
        f"python {platform.python_version()}",
        f"torch {torch.__version__}",
        f"diffusers {diffusers.__version__}",
        f"transformers {transformers.__version__}",
        f"safetensors {safetensors.__version__}",
        f"numpy {numpy.__version__}",
        f"scipy {scipy.__version__}",
        f"open-clip-torch {open_clip_version}",
    ]) + "\n"


def vae_variants(m):
    """Legacy attention names, a sharded copy and an fp16 variant of sd1-tiny's VAE."""
    vae = m["vae"]
    src = os.path.join(m["root"], "vae")
    sd = load_file(os.path.join(src, "diffusion_pytorch_model.safetensors"))
    legacy_names = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}
    legacy = {}
    for k, v in sd.items():
        nk = k
        if ".mid_block.attentions.0." in k:
            for new, old in legacy_names.items():
                nk = nk.replace(f".attentions.0.{new}.", f".attentions.0.{old}.")
        legacy[nk] = v
    assert any(".query." in k for k in legacy)
    dst = os.path.join(MODELS, "sd1-tiny-vae-legacy")
    os.makedirs(dst, exist_ok=True)
    shutil.copy(os.path.join(src, "config.json"), dst)
    save_file(dict(sorted(legacy.items())), os.path.join(dst, "diffusion_pytorch_model.safetensors"),
              metadata={"format": "pt"})
    models.assert_same_params(vae, AutoencoderKL.from_pretrained(dst))

    dst = os.path.join(MODELS, "sd1-tiny-vae-sharded")
    vae.save_pretrained(dst, max_shard_size="60KB")
    assert os.path.exists(os.path.join(dst, "diffusion_pytorch_model.safetensors.index.json"))
    models.assert_same_params(vae, AutoencoderKL.from_pretrained(dst))

    dst = os.path.join(MODELS, "sd1-tiny-vae-fp16")
    half = AutoencoderKL.from_pretrained(src).to(torch.float16)
    half.save_pretrained(dst, variant="fp16")
    upcast = AutoencoderKL.from_pretrained(dst, variant="fp16", torch_dtype=torch.float16).to(torch.float32).eval()
    z = randn(1302, 2, 4, 8, 8)
    with torch.no_grad():
        decoded = upcast.decode(z).sample
    save_tensors(os.path.join(REFS, "sd1-tiny-vae-fp16.ref.safetensors"), {"latents": z, "decoded": decoded},
                 {"weights": "diffusion_pytorch_model.fp16.safetensors upcast to float32"})


def single_file(m):
    sd = ldm_checkpoint.to_ldm(m["unet"], m["vae"], m["text"])
    path = os.path.join(MODELS, "sd1-tiny.safetensors")
    save_file(sd, path, metadata={"format": "pt"})
    pipe = StableDiffusionPipeline.from_single_file(path, config=m["root"], local_files_only=True,
                                                    safety_checker=None, requires_safety_checker=False)
    models.assert_same_params(m["unet"], pipe.unet)
    models.assert_same_params(m["vae"], pipe.vae)
    models.assert_same_params(m["text"], pipe.text_encoder)


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if len(sys.argv) > 1:
        return only(sys.argv[1:])
    for d in ("models", "refs", "tokenizer", "scheduler", "clip-vocab", "clip-vocab-pad-bang"):
        shutil.rmtree(os.path.join(FIXTURES, d), ignore_errors=True)
    os.makedirs(REFS, exist_ok=True)
    write_text(os.path.join(FIXTURES, "VERSIONS.txt"), versions())

    from fixtures import tokenizers_clip
    vocab, merges = tokenizers_clip.make()
    schedulers.make()
    summary = {}
    for name in ("sd1-tiny", "sd2-tiny", "pixel-tiny"):
        m = models.build(name, vocab, merges)
        models.references(name, m)
        models.generation(name, m)
        if name == "sd1-tiny":
            vae_variants(m)
            single_file(m)
            summary["sd1-tiny losses"] = itm_losses.losses(name, m, 4000)
        if name in ("sd1-tiny", "pixel-tiny"):
            itm_losses.itm(name, m, 3000 + len(summary))
        sampling.make(name, m)
    print(json.dumps(summary, indent=1))
    total = 0
    for root, _, files in os.walk(FIXTURES):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    print(f"fixtures: {total / 1e6:.2f} MB")


def only(parts):
    """Remakes some parts on the committed models: `schedulers` (the scheduler/*.json files) and
    `sampling` (generation and edit references with every scheduler)."""
    unknown = set(parts) - {"schedulers", "sampling"}
    if unknown:
        sys.exit(f"unknown part(s) {sorted(unknown)}; choose from: schedulers, sampling")
    with open(os.path.join(FIXTURES, "VERSIONS.txt")) as f:
        kept = [line.split()[-1] for line in f if line.startswith("open-clip-torch ")]
    write_text(os.path.join(FIXTURES, "VERSIONS.txt"), versions(kept[0] if kept else "not used"))
    if "schedulers" in parts:
        schedulers.make()
    if "sampling" in parts:
        for name in ("sd1-tiny", "sd2-tiny", "pixel-tiny"):
            sampling.make(name, models.load(name))


if __name__ == "__main__":
    main()
