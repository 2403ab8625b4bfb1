#!/usr/bin/env python3
"""Makes the fixtures under Tests/TensorsTests/Fixtures that the Tensors tests compare against.

Run with the project's Python (scripts/requirements.txt):  $SOFTNEG_PYTHON scripts/make_tensor_fixtures.py,
or ./venv/bin/python after scripts/venv
(safetensors 0.8.0, torch 2.15.0, Pillow 13.0.0, numpy 2.4.6 when these were made).

- dtypes/{f32,f16,bf16}.safetensors, written by the Python `safetensors` package, holding every
  special value of the dtype (subnormals, +-inf, nan, -0, extremes) plus ordinary values; the
  Float32 bit patterns torch's `.float()` gives for them are in dtypes/expected.json (numpy's for
  F16 NaNs, see float_bits).
- dtypes/mixed.safetensors: F32, F16, BF16, I64 and BOOL tensors in one file, as the Python
  package lays them out (sorted by alignment, then name).
- writer/{f32,f16,bf16}.safetensors: what the Python package writes for the tensors defined by
  `writer_tensors()` below (the Swift test rebuilds the same tensors and must write the same bytes).
- malformed/*.safetensors + malformed/expected.json: hostile or broken files, each with the
  message fragment the Swift reader must give; the script checks Python's reader refuses them too.
- images/*: PNG and JPEG files written by Pillow, with Pillow's decoded RGB bytes in
  images/expected.json (the reference the Swift reader must match).
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import save_file, load_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "TensorsTests", "Fixtures")


def path(*parts):
    p = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def float_bits(t):
    """Float32 bit patterns of `t` widened to Float32, as unsigned ints.

    torch's `.float()` for all but F16 NaNs; those it canonicalises to 0x7FFFFFFF, dropping
    sign and payload, so F16 uses numpy's IEEE widening (sign and payload kept, as the F16C
    instruction and Swift's Float16 do), after checking both agree on every other value.
    """
    torch_bits = [int(b) & 0xFFFFFFFF for b in t.float().contiguous().view(torch.int32).flatten().tolist()]
    if t.dtype != torch.float16:
        return torch_bits
    numpy_bits = [int(b) for b in t.contiguous().view(torch.int16).numpy().view(np.float16).astype(np.float32).view(np.uint32).flatten()]
    for tb, nb in zip(torch_bits, numpy_bits):
        is_nan = (nb & 0x7F800000) == 0x7F800000 and (nb & 0x007FFFFF) != 0
        assert is_nan or tb == nb, (hex(tb), hex(nb))
    return numpy_bits


# ---------------------------------------------------------------- dtypes

def special_values(dtype):
    if dtype == torch.float16:
        bits = [0x0000, 0x8000, 0x0001, 0x8001, 0x0002, 0x01FF, 0x0200, 0x03FF, 0x83FF, 0x0400, 0x8400,
                0x3C00, 0xBC00, 0x3555, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7C01, 0x7D55]
        return torch.tensor(bits, dtype=torch.int32).to(torch.int16).view(torch.float16)
    if dtype == torch.bfloat16:
        bits = [0x0000, 0x8000, 0x0001, 0x8001, 0x007F, 0x0080, 0x8080, 0x3F80, 0xBF80, 0x3EAB,
                0x7F7F, 0xFF7F, 0x7F80, 0xFF80, 0x7FC0, 0xFFC0, 0x7F81]
        return torch.tensor(bits, dtype=torch.int32).to(torch.int16).view(torch.bfloat16)
    bits = [0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007FFFFF, 0x00800000, 0x3F800000,
            0xBF800000, 0x3EAAAAAB, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000,
            0xFFC00000, 0x7F800001, 0x7FA5A5A5]
    return torch.tensor(bits, dtype=torch.int64).to(torch.int32).view(torch.float32)


def make_dtypes():
    expected = {}
    g = torch.Generator().manual_seed(0)
    for name, dtype in [("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16)]:
        tensors = {
            "special": special_values(dtype),
            "normal.weight": (torch.randn(3, 4, 5, generator=g) * 3).to(dtype),
            "scalar": torch.tensor(1.5, dtype=dtype),
            "empty": torch.zeros(0, 3, dtype=dtype),
        }
        save_file(tensors, path("dtypes", f"{name}.safetensors"), metadata={"format": "pt", "made_by": "make_tensor_fixtures.py"})
        expected[name] = {k: {"shape": list(v.shape), "bits": float_bits(v)} for k, v in tensors.items()}
    # F16/BF16 narrowing: torch's rounding of chosen Float32 values (ties, overflow, subnormal edges).
    probes = torch.tensor([0x3F801000, 0x3F803000, 0x3F800FFF, 0x477FF000, 0x477FEFFF, 0x47800000, 0x33000000,
                           0x33000001, 0x32FFFFFF, 0x387FC000, 0x387FE000, 0x38800000, 0x3F808000, 0x3F818000,
                           0x3F807FFF, 0x7F7FFFFF, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x3EAAAAAB,
                           0x00000001, 0xC2C80000, 0x3C23D70A],
                          dtype=torch.int64).to(torch.int32).view(torch.float32)
    expected["narrowing"] = {
        "input_bits": float_bits(probes),
        "f16_bits": [int(b) & 0xFFFF for b in probes.half().view(torch.int16).tolist()],
        "bf16_bits": [int(b) & 0xFFFF for b in probes.bfloat16().view(torch.int16).tolist()],
    }
    mixed = {
        "a.f32": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4,
        "b.f16": torch.tensor([0.5, -2.0, 65504.0], dtype=torch.float16),
        "c.bf16": torch.tensor([[1.0, -0.0], [3.0, 1e30]], dtype=torch.bfloat16),
        "d.i64": torch.tensor([0, 1, 76, -3, 16777217], dtype=torch.int64),
        "e.bool": torch.tensor([True, False, True]),
    }
    save_file(mixed, path("dtypes", "mixed.safetensors"))
    expected["mixed"] = {k: {"shape": list(v.shape), "bits": float_bits(v)} for k, v in mixed.items()}
    with open(path("dtypes", "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


# ---------------------------------------------------------------- writer

def writer_tensors():
    """Values every test can rebuild exactly: value(i) = (i - 7) / 8 over the flat index."""
    def ramp(*shape):
        n = int(np.prod(shape)) if shape else 1
        return ((torch.arange(n, dtype=torch.float32) - 7) / 8).reshape(shape)
    return {
        "up.weight": ramp(4, 3),
        "down.bias": ramp(5),
        "a": ramp(2, 1, 2),
        "scalar": ramp(),
        "mid.block.0.norm": ramp(3, 3),
    }


def make_writer():
    meta = {"format": "pt"}
    for name, dtype in [("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16)]:
        t = {k: v.to(dtype) for k, v in writer_tensors().items()}
        save_file(t, path("writer", f"{name}.safetensors"), metadata=meta)


# ---------------------------------------------------------------- malformed corpus

def header_file(header, data=b"", raw_header=None, declared_length=None):
    body = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    n = len(body) if declared_length is None else declared_length
    return struct.pack("<Q", n) + body + data


def make_malformed():
    cases = []

    def case(name, content, error, stage="open", tensor=None):
        with open(path("malformed", name + ".safetensors"), "wb") as f:
            f.write(content)
        cases.append({"file": name + ".safetensors", "error": error, "stage": stage, "tensor": tensor})

    t = lambda dtype, shape, a, b: {"dtype": dtype, "shape": shape, "data_offsets": [a, b]}
    ok = t("F32", [2], 0, 8)
    case("empty", b"", "a safetensors file starts with an 8-byte header length")
    case("five_bytes", b"\x01\x02\x03\x04\x05", "a safetensors file starts with an 8-byte header length")
    case("huge_header_length", header_file({"x": ok}, bytes(8), declared_length=2**63 + 5), "exceeds the 100000000-byte limit")
    case("header_past_end", header_file({"x": ok}, bytes(8), declared_length=5000), "runs past the end of the file")
    case("not_json", header_file(None, bytes(8), raw_header=b"{\"x\": {\"dtype\": \"F32\""), "not valid JSON")
    case("garbage_after_json", header_file(None, bytes(8), raw_header=b"{} xyz  "), "unexpected text after the JSON value")
    case("top_level_array", header_file([1, 2]), "not a JSON object")
    case("entry_not_object", header_file({"x": [1, 2]}), "tensor 'x': entry is an array")
    case("missing_dtype", header_file({"x": {"shape": [2], "data_offsets": [0, 8]}}, bytes(8)), "tensor 'x': missing \"dtype\"")
    case("missing_shape", header_file({"x": {"dtype": "F32", "data_offsets": [0, 8]}}, bytes(8)), "tensor 'x': missing \"shape\"")
    case("missing_offsets", header_file({"x": {"dtype": "F32", "shape": [2]}}, bytes(8)), "tensor 'x': missing \"data_offsets\"")
    case("unknown_dtype", header_file({"x": t("Q4", [2], 0, 8)}, bytes(8)), "tensor 'x': unknown dtype 'Q4'")
    case("dtype_not_string", header_file({"x": t(4, [2], 0, 8)}, bytes(8)), "tensor 'x': \"dtype\" must be a string")
    case("negative_shape", header_file({"x": t("F32", [-2], 0, 8)}, bytes(8)), "tensor 'x': \"shape\" must hold non-negative integers")
    case("fractional_shape", header_file({"x": t("F32", [2.5], 0, 8)}, bytes(8)), "tensor 'x': \"shape\" must hold non-negative integers")
    case("shape_overflow", header_file({"x": t("F32", [2**40, 2**40], 0, 8)}, bytes(8)), "tensor 'x': shape [1099511627776,1099511627776] is too large")
    case("size_mismatch", header_file({"x": t("F32", [2, 3], 0, 20)}, bytes(24)), "tensor 'x': shape [2,3] of F32 needs 24 bytes, but data_offsets [0,20] hold 20")
    case("offsets_past_data", header_file({"x": t("F32", [4], 0, 16)}, bytes(8)), "tensor 'x': data_offsets [0,16] run past the end of the data (8 bytes")
    case("offsets_reversed", header_file({"x": t("F32", [0], 8, 0)}, bytes(8)), "tensor 'x': data_offsets [8,0] end before they begin")
    case("offsets_three", header_file({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4, 8]}}, bytes(8)), "must be [begin, end], got 3 numbers")
    case("offsets_huge", header_file({"x": {"dtype": "U8", "shape": [1], "data_offsets": [2**64 - 1, 2**64]}}, bytes(8)), "too large")
    case("overlap", header_file({"x": t("F32", [2], 0, 8), "y": t("F32", [2], 4, 12)}, bytes(12)), "tensors 'x' [0,8] and 'y' [4,12] overlap")
    case("metadata_not_strings", header_file({"__metadata__": {"epoch": 3}, "x": ok}, bytes(8)), "__metadata__ entry 'epoch' is a number; metadata values must be strings")
    case("metadata_not_object", header_file({"__metadata__": "pt", "x": ok}, bytes(8)), "__metadata__ is a string, not an object of strings")
    case("duplicate_tensor", header_file(None, bytes(8), raw_header=b'{"x":' + json.dumps(ok).encode() + b',"x":' + json.dumps(ok).encode() + b"}"),
         "tensor 'x' appears twice in the header")
    case("invalid_utf8_key", header_file(None, bytes(8), raw_header=b'{"\xff\xfe":' + json.dumps(ok).encode() + b"}"), "string is not valid UTF-8")
    case("deep_nesting", header_file(None, raw_header=b"[" * 5000 + b"]" * 5000), "nesting deeper than 64 levels")
    case("control_char_key", header_file(None, bytes(8), raw_header=b'{"a\nb":' + json.dumps(ok).encode() + b"}"), "control character in a string")
    # A valid Python-written file cut short inside its data.
    with open(path("writer", "f32.safetensors"), "rb") as f:
        whole = f.read()
    case("truncated_data", whole[:-10], "run past the end of the data")
    case("truncated_header", whole[:20], "runs past the end of the file")
    # Known dtype the reader does not convert: the file opens, the tensor is refused by name.
    f8 = {"w": torch.tensor([0.5, 1.0], dtype=torch.float8_e4m3fn), "ok": torch.ones(2)}
    save_file(f8, path("malformed", "f8_tensor.safetensors"))
    cases.append({"file": "f8_tensor.safetensors", "stage": "tensor", "tensor": "w",
                  "error": "tensor 'w': dtype F8_E4M3 cannot be converted to Float32"})

    # Python's reader must refuse them too, except where it is knowingly more lenient
    # (a repeated key: serde keeps the last one; we refuse the ambiguity).
    lenient = {"duplicate_tensor.safetensors"}
    for c in cases:
        if c["stage"] != "open":
            continue
        try:
            load_file(path("malformed", c["file"]))
        except Exception:
            continue
        if c["file"] not in lenient:
            sys.exit(f"python safetensors accepted malformed/{c['file']}")
    with open(path("malformed", "expected.json"), "w") as f:
        json.dump(cases, f, indent=1)


# ---------------------------------------------------------------- images

def make_images():
    rng = np.random.default_rng(0)
    expected = {}

    def record(name):
        img = Image.open(path("images", name))
        expected[name] = {"width": img.width, "height": img.height,
                          "rgb": np.asarray(img.convert("RGB"), dtype=np.uint8).flatten().tolist()}

    rgb = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    Image.fromarray(rgb, "RGB").save(path("images", "rgb.png"))
    record("rgb.png")
    rgba = rng.integers(0, 256, size=(4, 6, 4), dtype=np.uint8)
    rgba[0, 0, 3] = 0
    Image.fromarray(rgba, "RGBA").save(path("images", "rgba.png"))
    record("rgba.png")
    gray = rng.integers(0, 256, size=(3, 5), dtype=np.uint8)
    Image.fromarray(gray, "L").save(path("images", "gray.png"))
    record("gray.png")
    Image.fromarray(rgb, "RGB").quantize(colors=8).save(path("images", "palette.png"))
    record("palette.png")
    # A smooth photo-like picture (so the JPEG is not all ringing), 4:2:0 subsampled.
    y, x = np.mgrid[0:24, 0:32]
    photo = np.stack([x * 8, y * 10, (x + y) * 4], axis=-1) + rng.integers(0, 20, size=(24, 32, 3))
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB").save(path("images", "photo.jpg"), quality=90)
    record("photo.jpg")
    Image.fromarray(gray, "L").save(path("images", "gray.jpg"), quality=95)
    record("gray.jpg")
    # 16-bit grayscale: the reader scales 16-bit samples to 8 bits as libpng does, round(v / 257).
    g16 = np.array([[0, 257, 65535], [1000, 32768, 65278]], dtype=np.uint16)
    Image.fromarray(g16).save(path("images", "gray16.png"))
    expected["gray16.png"] = {"width": 3, "height": 2,
                              "rgb": [int(round(v / 257)) for v in g16.flatten() for _ in range(3)]}
    # Broken images the reader must refuse with an error.
    with open(path("images", "photo.jpg"), "rb") as f:
        jpeg = f.read()
    with open(path("images", "truncated.jpg"), "wb") as f:
        f.write(jpeg[:200])
    with open(path("images", "rgb.png"), "rb") as f:
        png = f.read()
    with open(path("images", "truncated.png"), "wb") as f:
        f.write(png[:60])
    with open(path("images", "not_an_image.png"), "wb") as f:
        f.write(b"hello, this is text\n")
    with open(path("images", "expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    make_dtypes()
    make_writer()
    make_malformed()
    make_images()
    print("fixtures written to", os.path.normpath(ROOT))
