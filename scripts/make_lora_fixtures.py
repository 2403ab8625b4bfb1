#!/usr/bin/env python3
"""Loads what SoftNeg writes for LoRA in diffusers, checks it computes what SoftNeg computed, and
writes the references LoRACompatibilityTests compares against (Tests/DiffusionTests/Fixtures/lora/).

Run (CI never runs it; outputs are committed; needs peft next to diffusers):
  swift build -c release --product sn
  $SOFTNEG_PYTHON scripts/make_lora_fixtures.py [path/to/sn]    (or ./venv/bin/python, see scripts/venv)

1. `sn scripts/fixtures/lora_export.sn TMP` fine-tunes rank-4 adapters on the tiny SD-1.x fixture
   and writes TMP/lora.safetensors (finetune's save_lora:), TMP/merged/ (finetune's save:, the
   adapters fused) and TMP/sn.safetensors (inputs x, t, ctx and SoftNeg's UNet outputs).
2. Here: the fixture pipeline with `load_lora_weights(TMP/lora.safetensors)`, and the merged
   folder through `StableDiffusionPipeline.from_pretrained`, each run on the same inputs; both
   must match SoftNeg's output, and the adapters must change the output (else the check is empty).
3. Writes lora/lora.safetensors (SoftNeg's file, byte for byte) and lora/lora.ref.safetensors
   (x, t, ctx; `diffusers_lora` = the UNet with load_lora_weights, `diffusers_merged` = the
   merged folder's UNet), plus lora/VERSIONS.txt.
"""
import os
import platform
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True

import diffusers  # noqa: E402
import peft  # noqa: E402
import torch  # noqa: E402
from diffusers import StableDiffusionPipeline  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURES = os.path.join(ROOT, "Tests", "DiffusionTests", "Fixtures")
BASE = os.path.join(FIXTURES, "models", "sd1-tiny")
OUT = os.path.join(FIXTURES, "lora")


def unet_out(pipe, s):
    with torch.no_grad():
        return pipe.unet(s["x"], s["t"], encoder_hidden_states=s["ctx"]).sample


def max_rel(a, b):
    return float((a - b).abs().max() / b.abs().max())


def main():
    sn = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "sn")
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sn, os.path.join(ROOT, "scripts", "fixtures", "lora_export.sn"), tmp], cwd=ROOT, check=True)
        s = load_file(os.path.join(tmp, "sn.safetensors"))
        s["t"] = s["t"].long()

        pipe = StableDiffusionPipeline.from_pretrained(BASE, safety_checker=None, requires_safety_checker=False)
        base = unet_out(pipe, s)
        pipe.load_lora_weights(tmp, weight_name="lora.safetensors")
        with_lora = unet_out(pipe, s)
        merged_pipe = StableDiffusionPipeline.from_pretrained(os.path.join(tmp, "merged"), safety_checker=None,
                                                              requires_safety_checker=False)
        merged = unet_out(merged_pipe, s)

        checks = {
            "base model: diffusers vs SoftNeg": max_rel(s["base"], base),
            "load_lora_weights vs SoftNeg": max_rel(s["out"], with_lora),
            "merged folder vs SoftNeg": max_rel(s["out"], merged),
        }
        for name, err in checks.items():
            print(f"{name}: max relative error {err:.2e}")
            assert err < 1e-5, name
        change = max_rel(with_lora, base)
        print(f"adapters change the output by {change:.2e} (relative)")
        assert change > 1e-2, "the adapters barely matter: the check would not see a wrong layout"

        os.makedirs(OUT, exist_ok=True)
        shutil.copyfile(os.path.join(tmp, "lora.safetensors"), os.path.join(OUT, "lora.safetensors"))
        refs = {"x": s["x"], "t": s["t"].float(), "ctx": s["ctx"],
                "diffusers_lora": with_lora.contiguous(), "diffusers_merged": merged.contiguous()}
        save_file(refs, os.path.join(OUT, "lora.ref.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(OUT, "VERSIONS.txt"), "w") as f:
        f.write(f"python {platform.python_version()}, torch {torch.__version__}, diffusers {diffusers.__version__}, "
                f"peft {peft.__version__}\n")


if __name__ == "__main__":
    main()
