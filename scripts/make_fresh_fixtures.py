#!/usr/bin/env python3
"""Checks, in transformers and diffusers, what SoftNeg's from-scratch model code writes, and
writes the references FreshModelTests compares against (Tests/DiffusionTests/Fixtures/fresh/).

Run (CI never runs it; outputs are committed):
  SOFTNEG_FRESH_FIXTURES=/tmp/fresh swift test -c release --filter FreshModelTests
  $SOFTNEG_PYTHON scripts/make_fresh_fixtures.py /tmp/fresh    (or ./venv/bin/python, see scripts/venv)

The Swift run writes into /tmp/fresh:
  tiny-tokenizer/      BPETrainer on the hand-made corpus (13 merges), model_max_length 12
  default-tokenizer/   DefaultModelRecipe's tokenizer trained on the test's caption list, length 32
  default-model/       DefaultModelRecipe().build(captions:, seed: 7) saved as a diffusers folder
This script copies the two tokenizer folders into fresh/ (the test compares them byte for byte
with what the trainer writes), and writes:
  tokenizer-ids.json            transformers CLIPTokenizer ids for SENTENCES on both folders: `ids`
                                (no padding) and `padded` (padding="max_length" to model_max_length,
                                truncation)
  default-model.ref.safetensors inputs and outputs of the model as transformers / diffusers load it:
                                input_ids [2, 32] of PROMPTS, text_states = CLIPTextModel(...)
                                .last_hidden_state [2, 32, 64], x [2, 3, 32, 32] ~ N(0, 1) (seed 0),
                                t = [10, 700], unet_out = UNet2DConditionModel(x, t, text_states).sample
  default-model.json            parameter counts (unet, text_encoder), the folder's size in bytes,
                                library versions
The model folder itself (about 6 MB) is not committed: the test rebuilds it from its seed.
Loading is strict: a missing, unexpected or mis-shaped weight is an error here.
"""
import json
import os
import platform
import shutil
import sys

sys.dont_write_bytecode = True

import diffusers  # noqa: E402
import safetensors  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from diffusers import DDPMScheduler, UNet2DConditionModel  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import CLIPTextModel, CLIPTokenizer  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "DiffusionTests", "Fixtures", "fresh")
TOKENIZERS = ("tiny-tokenizer", "default-tokenizer")
SENTENCES = [
    "low lower newest widest zoo",
    "Low, LOWER; newest!! widest...",
    "a red square to the left of a blue circle",
    "There is a small green star above a large purple diamond.",
    "the orange cross is to the right of the yellow triangle",
    "a magenta dodecahedron beside an ochre rhombus",
    "caf\u00e9 na\u00efve \u2603 \U0001F600",
    "it's 42 o'clock   and\tthey've gone",
    "<|endoftext|> inside <|startoftext|> text",
    "",
    "   ",
    "a red square " * 12,
]
PROMPTS = ["a red square to the left of a blue circle", "there is a small green star"]


def versions():
    return {"python": platform.python_version(), "torch": torch.__version__, "diffusers": diffusers.__version__,
            "transformers": transformers.__version__, "safetensors": safetensors.__version__}


def tokenizer_ids(src):
    ids, padded, sizes = {}, {}, {}
    for name in TOKENIZERS:
        dst = os.path.join(OUT, name)
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(os.path.join(src, name), dst)
        tok = CLIPTokenizer.from_pretrained(dst)
        assert tok.pad_token == "<|endoftext|>" and tok.bos_token == "<|startoftext|>", name
        ids[name] = [tok(s)["input_ids"] for s in SENTENCES]
        padded[name] = tok(SENTENCES, padding="max_length", max_length=tok.model_max_length, truncation=True)["input_ids"]
        sizes[name] = len(tok)
    with open(os.path.join(OUT, "tokenizer-ids.json"), "w") as f:
        json.dump({"made_with": versions(), "sentences": SENTENCES, "ids": ids, "padded": padded, "vocab_size": sizes},
                  f, indent=1, ensure_ascii=False)
        f.write("\n")
    return sizes


def strict(model_class, folder):
    model, info = model_class.from_pretrained(folder, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    assert not problems, f"{folder}: {problems}"
    return model.eval()


def model_refs(src):
    folder = os.path.join(src, "default-model")
    unet = strict(UNet2DConditionModel, os.path.join(folder, "unet"))
    text = strict(CLIPTextModel, os.path.join(folder, "text_encoder"))
    tok = CLIPTokenizer.from_pretrained(os.path.join(folder, "tokenizer"))
    scheduler = DDPMScheduler.from_pretrained(os.path.join(folder, "scheduler"))
    assert scheduler.config.beta_schedule == "linear" and scheduler.config.num_train_timesteps == 1000
    for name in ("vocab.json", "merges.txt"):
        with open(os.path.join(folder, "tokenizer", name), "rb") as a, open(os.path.join(OUT, "default-tokenizer", name), "rb") as b:
            assert a.read() == b.read(), f"the model's {name} should be the default tokenizer's"
    assert len(tok) == text.config.vocab_size and tok.eos_token_id == text.config.eos_token_id

    ids = tok(PROMPTS, padding="max_length", max_length=tok.model_max_length, truncation=True, return_tensors="pt").input_ids
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    t = torch.tensor([10.0, 700.0])
    with torch.no_grad():
        states = text(ids).last_hidden_state
        out = unet(x, t, states).sample
    save_file({"input_ids": ids.float().contiguous(), "text_states": states.contiguous(), "x": x, "t": t,
               "unet_out": out.contiguous()},
              os.path.join(OUT, "default-model.ref.safetensors"), metadata={"prompts": json.dumps(PROMPTS)})

    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs)
    counts = {"unet": sum(p.numel() for p in unet.parameters()), "text_encoder": sum(p.numel() for p in text.parameters()),
              "folder_bytes": size, "made_with": versions()}
    with open(os.path.join(OUT, "default-model.json"), "w") as f:
        json.dump(counts, f, indent=1)
        f.write("\n")
    return counts


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT, exist_ok=True)
    print("vocabulary sizes:", tokenizer_ids(sys.argv[1]))
    print("default model:", model_refs(sys.argv[1]))


if __name__ == "__main__":
    main()
