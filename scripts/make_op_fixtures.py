#!/usr/bin/env python3
"""Writes the reference values for the Tensor op tests (Tests/TensorsTests/Fixtures/ops/*.json).

Run with the project's Python (scripts/requirements.txt): $SOFTNEG_PYTHON scripts/make_op_fixtures.py,
or ./venv/bin/python after scripts/venv

Every case holds float32 inputs (drawn from a fixed seed), a fixed random cotangent R of the
output's shape, and, computed by PyTorch in float64 from exactly those float32 inputs:
  output        = f(inputs)
  grads[name]   = d/d(input) of L = sum(f(inputs) * R)
so the Swift Float32 forward and backward are compared against an exact-as-possible reference.
JSON numbers carry nine significant digits: inputs read back as the exact float32 values,
references to ~1e-9 relative. The files are committed; CI never runs Python.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "Tests", "TensorsTests", "Fixtures", "ops")
GEN = torch.Generator().manual_seed(20240611)


def randn(*shape, scale=1.0):
    return (torch.randn(tuple(shape), generator=GEN, dtype=torch.float32) * scale).to(torch.float32)


def away_from_zero(*shape, gap=0.1):
    """Values with |x| >= gap, so finite differences never straddle a kink at 0."""
    x = randn(*shape)
    return (torch.sign(x) * (x.abs() + gap)).to(torch.float32)


def positive(*shape, lo=0.2):
    return (torch.rand(tuple(shape), generator=GEN, dtype=torch.float32) * 2 + lo).to(torch.float32)


def enc(t):
    """Nine significant digits identify a float32 exactly (and keep float64 references to ~1e-9)."""
    t = t.detach()
    return {"shape": list(t.shape), "data": [float("%.9g" % v) for v in t.reshape(-1).tolist()]}


def case(name, op, fn, inputs, attrs=None, differentiable=None, extra=None):
    """`fn` maps float64 tensors (in the order of `inputs`) to the output."""
    names = list(inputs.keys())
    diff = set(differentiable if differentiable is not None else names)
    xs = {}
    for n in names:
        x = inputs[n].to(torch.float64).clone()
        if n in diff:
            x.requires_grad_(True)
        xs[n] = x
    y = fn(**xs)
    r = randn(*y.shape)
    loss = (y * r.to(torch.float64)).sum()
    grads = {}
    if diff:
        gs = torch.autograd.grad(loss, [xs[n] for n in names if n in diff])
        grads = {n: enc(g) for n, g in zip([n for n in names if n in diff], gs)}
    c = {
        "name": name,
        "op": op,
        "attrs": attrs or {},
        "inputs": {n: enc(inputs[n]) for n in names},
        "cotangent": enc(r),
        "output": enc(y),
        "grads": grads,
    }
    if extra:
        c.update(extra)
    return c


def conv_cases():
    cs = []

    def conv(name, n, cin, h, w, cout, k, stride, padding, bias):
        inputs = {"x": randn(n, cin, h, w), "weight": randn(cout, cin, k, k, scale=0.3)}
        if bias:
            inputs["bias"] = randn(cout)
        fn = lambda x, weight, bias=None: F.conv2d(x, weight, bias, stride=stride, padding=padding)
        cs.append(case(name, "conv2d", fn, inputs, {"stride": stride, "padding": padding}))

    conv("3x3_pad1_stride1_bias", 2, 3, 6, 5, 4, 3, 1, 1, True)
    conv("3x3_pad1_stride2_bias_odd", 2, 3, 7, 9, 5, 3, 2, 1, True)
    conv("3x3_pad1_stride2_even", 1, 4, 8, 8, 3, 3, 2, 1, False)
    conv("3x3_pad0_odd", 2, 2, 5, 7, 3, 3, 1, 0, False)
    conv("1x1_bias_batch2", 2, 5, 4, 3, 6, 1, 1, 0, True)
    conv("1x1_nobias", 1, 4, 3, 3, 2, 1, 1, 0, False)
    conv("1x1_stride2", 2, 3, 5, 5, 2, 1, 2, 0, True)
    conv("3x3_pad2_stride3", 1, 2, 7, 6, 2, 3, 3, 2, True)
    conv("5x5_pad2", 1, 2, 6, 6, 3, 5, 1, 2, True)
    conv("1x1_spatial1", 2, 8, 1, 1, 4, 1, 1, 0, True)
    return cs


def norm_cases():
    cs = []

    def gn(name, shape, groups, affine, eps=1e-5, shift=0.0):
        c = shape[1]
        inputs = {"x": (randn(*shape) + shift).to(torch.float32)}
        if affine:
            inputs["weight"] = randn(c) + 1
            inputs["bias"] = randn(c)
        fn = lambda x, weight=None, bias=None: F.group_norm(x, groups, weight, bias, eps)
        cs.append(case(name, "group_norm", fn, inputs, {"groups": groups, "eps": eps}))

    gn("4d_affine", [2, 6, 3, 4], 3, True)
    gn("4d_plain", [2, 4, 3, 3], 2, False)
    gn("3d_affine", [2, 4, 5], 4, True, eps=1e-6)
    gn("one_group_offset", [1, 4, 2, 3], 1, True, shift=50.0)

    def ln(name, shape, affine, eps=1e-5):
        d = shape[-1]
        inputs = {"x": randn(*shape)}
        if affine:
            inputs["weight"] = randn(d) + 1
            inputs["bias"] = randn(d)
        fn = lambda x, weight=None, bias=None: F.layer_norm(x, [d], weight, bias, eps)
        cs.append(case(name, "layer_norm", fn, inputs, {"eps": eps}))

    ln("3d_affine", [2, 3, 8], True)
    ln("2d_plain", [4, 6], False)
    ln("1d_affine", [7], True, eps=1e-6)
    return cs


def softmax_cases():
    cs = []

    def sm(name, x, axis):
        cs.append(case(name, "softmax", lambda x: torch.softmax(x, dim=axis), {"x": x}, {"axis": axis}))

    sm("last", randn(2, 3, 5), -1)
    sm("middle", randn(2, 4, 3), 1)
    sm("first", randn(3, 4), 0)
    sm("large_values", (randn(2, 6) * 30 + 200).to(torch.float32), -1)
    return cs


def attention_cases():
    cs = []

    def ref(q, k, v, heads, mask=None):
        b, lq, d = q.shape
        lk = k.shape[1]
        dh = d // heads
        sp = lambda t, l: t.reshape(b, l, heads, dh).transpose(1, 2)
        o = F.scaled_dot_product_attention(sp(q, lq), sp(k, lk), sp(v, lk), attn_mask=mask)
        return o.transpose(1, 2).reshape(b, lq, d)

    def att(name, b, lq, lk, d, heads, mask=None, mask_grad=False):
        inputs = {"q": randn(b, lq, d), "k": randn(b, lk, d), "v": randn(b, lk, d)}
        diff = ["q", "k", "v"] + (["mask"] if mask_grad else [])
        if mask is not None:
            inputs["mask"] = mask
        fn = lambda q, k, v, mask=None: ref(q, k, v, heads, mask)
        cs.append(case(name, "attention", fn, inputs, {"heads": heads}, differentiable=diff))

    att("self_2heads", 2, 4, 4, 8, 2)
    att("cross_1head", 1, 3, 5, 6, 1)
    att("cross_4heads", 2, 3, 5, 8, 4)
    att("additive_mask_batch", 2, 3, 5, 8, 2, mask=randn(2, 1, 1, 5))
    causal = torch.full((4, 4), torch.finfo(torch.float32).min).triu(1).to(torch.float32)
    att("causal_mask", 2, 4, 4, 8, 2, mask=causal)
    att("mask_with_gradient", 2, 3, 4, 6, 3, mask=randn(3, 4), mask_grad=True)
    att("long_keys_mask_per_head", 1, 5, 37, 16, 2, mask=randn(1, 2, 5, 1))
    return cs


def matmul_cases():
    cs = []

    def mm(name, a, b, ta=False, tb=False):
        def fn(a, b):
            x = a.transpose(-1, -2) if ta else a
            y = b.transpose(-1, -2) if tb else b
            return torch.matmul(x, y)
        cs.append(case(name, "matmul", fn, {"a": a, "b": b}, {"transposeA": ta, "transposeB": tb}))

    mm("plain", randn(3, 4), randn(4, 5))
    mm("transposeA", randn(4, 3), randn(4, 5), ta=True)
    mm("transposeB", randn(3, 4), randn(5, 4), tb=True)
    mm("transposeAB", randn(4, 3), randn(5, 4), ta=True, tb=True)
    mm("batched", randn(2, 3, 4), randn(2, 4, 5))
    mm("batched_4d_tb", randn(2, 2, 3, 4), randn(2, 2, 5, 4), tb=True)
    mm("batched_ta", randn(2, 4, 3), randn(2, 4, 5), ta=True)
    mm("shared_b", randn(2, 3, 4), randn(4, 5))
    mm("shared_b_tb", randn(2, 3, 4), randn(5, 4), tb=True)
    mm("shared_b_ta", randn(2, 4, 3), randn(4, 5), ta=True)
    mm("shared_b_ta_tb", randn(2, 4, 3), randn(5, 4), ta=True, tb=True)

    def lin(name, x, wshape, bias):
        inputs = {"x": x, "weight": randn(*wshape)}
        if bias:
            inputs["bias"] = randn(wshape[0])
        cs.append(case(name, "linear", lambda x, weight, bias=None: F.linear(x, weight, bias), inputs))

    lin("3d_bias", randn(2, 3, 5), [4, 5], True)
    lin("2d_nobias", randn(3, 5), [2, 5], False)
    lin("1d_bias", randn(5), [3, 5], True)
    return cs


def unary_cases():
    cs = []
    x = randn(3, 7, scale=2.0)
    table = {
        "gelu": (lambda x: F.gelu(x), x),
        "quick_gelu": (lambda x: x * torch.sigmoid(1.702 * x), x),
        "silu": (lambda x: F.silu(x), x),
        "sigmoid": (torch.sigmoid, x),
        "tanh": (torch.tanh, x),
        "exp": (torch.exp, x),
        "log": (torch.log, positive(3, 7)),
        "sqrt": (torch.sqrt, positive(3, 7)),
        "abs": (torch.abs, away_from_zero(3, 7)),
        "relu": (torch.relu, away_from_zero(3, 7)),
        "sin": (torch.sin, x),
        "cos": (torch.cos, x),
        "square": (torch.square, x),
        "neg": (torch.neg, x),
        "clamp": (lambda x: torch.clamp(x, -0.5, 0.75), away_from_zero(3, 7)),
        "affine": (lambda x: 1.5 * x - 0.25, x),
        "add_scalar": (lambda x: x + 0.75, x),
        "rsub_scalar": (lambda x: 0.75 - x, x),
        "mul_scalar": (lambda x: x * -2.5, x),
        "div_scalar": (lambda x: x / 3.0, x),
    }
    for name, (fn, inp) in table.items():
        if name == "clamp":
            # Keep the values off the clamp boundaries so finite differences stay on one side.
            far = (inp - torch.where((inp + 0.5).abs() < 0.05, 0.1, 0.0) + torch.where((inp - 0.75).abs() < 0.05, 0.1, 0.0))
            inp = far.to(torch.float32)
        cs.append(case(name, name, lambda x, fn=fn: fn(x), {"x": inp}))
    return cs


def binary_cases():
    cs = []
    ops = {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "pow": lambda a, b: torch.pow(a, b),
        "maximum": lambda a, b: torch.maximum(a, b),
        "minimum": lambda a, b: torch.minimum(a, b),
    }
    shapes = [
        ("same", [2, 3, 4], [2, 3, 4]),
        ("lastdim", [2, 3, 4], [4]),
        ("both", [2, 1, 4], [3, 1]),
        ("channel", [2, 3, 2, 2], [1, 3, 1, 1]),
        ("scalar_rhs", [2, 3], []),
        ("lhs_broadcast", [1, 4], [3, 4]),
    ]
    for op, fn in ops.items():
        for sname, sa, sb in shapes:
            if op == "pow":
                a, b = positive(*sa, lo=0.5), randn(*sb)
            elif op == "div":
                a, b = randn(*sa), away_from_zero(*sb, gap=0.5)
            else:
                a, b = randn(*sa), randn(*sb)
            if op in ("maximum", "minimum"):
                # Keep |a - b| away from 0 so finite differences do not straddle the switch.
                shape = torch.broadcast_shapes(a.shape, b.shape)
                da = (a.expand(shape) - b.expand(shape)).abs().min().item()
                while da < 0.05:
                    a, b = randn(*sa), randn(*sb)
                    da = (a.expand(shape) - b.expand(shape)).abs().min().item()
            cs.append(case(f"{op}_{sname}", op, fn, {"a": a, "b": b}))
    return cs


def reduction_cases():
    cs = []
    x = randn(2, 3, 4)
    for op in ["sum", "mean", "variance", "max", "min"]:
        for axes, keep in [([1], False), ([0, 2], True), ([-1], False), (None, False), ([0, 1, 2], True)]:
            def fn(x, op=op, axes=axes, keep=keep):
                dims = tuple(range(x.dim())) if axes is None else tuple(axes)
                if op == "sum":
                    return x.sum(dim=dims, keepdim=keep)
                if op == "mean":
                    return x.mean(dim=dims, keepdim=keep)
                if op == "variance":
                    return x.var(dim=dims, keepdim=keep, unbiased=False)
                if op == "max":
                    return x.amax(dim=dims, keepdim=keep)
                return x.amin(dim=dims, keepdim=keep)
            tag = "all" if axes is None else "_".join(str(a) for a in axes)
            attrs = {"keepDims": keep}
            if axes is not None:
                attrs["axes"] = axes
            cs.append(case(f"{op}_{tag}{'_keep' if keep else ''}", op, fn, {"x": x}, attrs))
    cs.append(case("variance_unbiased_1", "variance", lambda x: x.var(dim=1, unbiased=True), {"x": x},
                   {"axes": [1], "keepDims": False, "unbiased": True}))
    y = randn(3, 5)
    cs.append(case("argmax_1", "argmax", lambda x: x.argmax(dim=1).to(torch.float64), {"x": y}, {"axis": 1},
                   differentiable=[]))
    cs.append(case("argmax_0", "argmax", lambda x: x.argmax(dim=0).to(torch.float64), {"x": y}, {"axis": 0},
                   differentiable=[]))
    return cs


def shape_cases():
    cs = []
    x = randn(2, 3, 4)
    cs.append(case("reshape", "reshape", lambda x: x.reshape(4, -1), {"x": x}, {"shape": [4, -1]}))
    cs.append(case("permute", "permute", lambda x: x.permute(2, 0, 1), {"x": x}, {"order": [2, 0, 1]}))
    cs.append(case("permute_4d", "permute", lambda x: x.permute(0, 2, 3, 1), {"x": randn(2, 3, 2, 4)},
                   {"order": [0, 2, 3, 1]}))
    cs.append(case("transpose", "transpose", lambda x: x.transpose(0, 2), {"x": x}, {"a": 0, "b": 2}))
    cs.append(case("slice_step", "slice", lambda x: x[:, :, 1:4:2], {"x": x},
                   {"axis": 2, "start": 1, "end": 4, "step": 2}))
    cs.append(case("slice_middle", "slice", lambda x: x[:, 1:3], {"x": x}, {"axis": 1, "start": 1, "end": 3, "step": 1}))
    a, b, c = randn(2, 1, 4), randn(2, 3, 4), randn(2, 2, 4)
    cs.append(case("cat_axis1", "cat", lambda a, b, c: torch.cat([a, b, c], dim=1), {"a": a, "b": b, "c": c}, {"axis": 1}))
    a, b = randn(2, 3), randn(2, 3)
    cs.append(case("stack_axis1", "stack", lambda a, b: torch.stack([a, b], dim=1), {"a": a, "b": b}, {"axis": 1}))
    cs.append(case("split_axis2", "split", lambda x: torch.cat([p * (i + 1) for i, p in enumerate(torch.split(x, [1, 3], dim=2))], dim=2),
                   {"x": x}, {"sizes": [1, 3], "axis": 2}))
    cs.append(case("chunk_axis1", "chunk", lambda x: torch.cat([p * (i + 1) for i, p in enumerate(torch.chunk(x, 3, dim=1))], dim=1),
                   {"x": x}, {"chunks": 3, "axis": 1}))
    cs.append(case("broadcast", "broadcast", lambda x: x.expand(2, 3, 4), {"x": randn(3, 1)}, {"shape": [2, 3, 4]}))
    table = randn(5, 3)
    ids = [4, 0, 4, 2, 1, 4]
    cs.append(case("embedding", "embedding", lambda table: F.embedding(torch.tensor(ids).reshape(2, 3), table),
                   {"table": table}, {"ids": ids, "idsShape": [2, 3]}))
    cs.append(case("upsample_nearest2x", "upsample_nearest2x", lambda x: F.interpolate(x, scale_factor=2, mode="nearest"),
                   {"x": randn(2, 3, 3, 4)}))
    return cs


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    groups = {
        "conv2d": conv_cases,
        "norm": norm_cases,
        "softmax": softmax_cases,
        "attention": attention_cases,
        "matmul": matmul_cases,
        "unary": unary_cases,
        "binary": binary_cases,
        "reductions": reduction_cases,
        "shape": shape_cases,
    }
    for index, (group, make) in enumerate(groups.items()):
        # One seed per group, so adding a case to one group leaves the others' numbers alone.
        GEN.manual_seed(20240611 + index)
        cases = make()
        doc = {"generator": f"scripts/make_op_fixtures.py, torch {torch.__version__}, float64 references",
               "cases": cases}
        path = os.path.join(OUT_DIR, f"{group}.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        os.replace(tmp, path)
        print(f"{path}: {len(cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    sys.exit(main())
