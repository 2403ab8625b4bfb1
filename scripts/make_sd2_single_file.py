#!/usr/bin/env python3
"""Writes Tests/DiffusionTests/Fixtures/models/sd2-tiny.safetensors: the committed sd2-tiny
diffusers folder as an original SD-2.x single-file checkpoint (LDM UNet/VAE names, OpenCLIP text
tower with fused q/k/v), and checks that diffusers' `from_single_file` reads every weight back
exactly. CheckpointTests then requires SoftNeg's single-file loader to give the folder's model.

Run (CI never runs it; the output is committed):
  $SOFTNEG_PYTHON scripts/make_sd2_single_file.py    (or ./venv/bin/python, see scripts/venv)
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from diffusers import StableDiffusionPipeline  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

from fixtures import ldm_checkpoint  # noqa: E402

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "DiffusionTests", "Fixtures", "models")


def assert_same(a, b, what):
    sa, sb = a.state_dict(), b.state_dict()
    keys = {k for k in sa if not k.endswith("position_ids")}
    assert keys == {k for k in sb if not k.endswith("position_ids")}, what
    for k in sorted(keys):
        assert torch.equal(sa[k], sb[k]), f"{what}: {k}"


def main():
    folder = os.path.join(MODELS, "sd2-tiny")
    pipe = StableDiffusionPipeline.from_pretrained(folder, safety_checker=None, requires_safety_checker=False)
    path = os.path.join(MODELS, "sd2-tiny.safetensors")
    save_file(ldm_checkpoint.to_ldm_open_clip(pipe.unet, pipe.vae, pipe.text_encoder), path, metadata={"format": "pt"})
    back = StableDiffusionPipeline.from_single_file(path, config=folder, local_files_only=True, safety_checker=None,
                                                    requires_safety_checker=False)
    for name in ("unet", "vae", "text_encoder"):
        assert_same(getattr(pipe, name), getattr(back, name), name)
    print(f"{path}: {os.path.getsize(path)} bytes; diffusers reads back every weight exactly")


if __name__ == "__main__":
    main()
