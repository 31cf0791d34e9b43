"""Checkpoints saved by the official MambaIR / Q-MambaIR training code (BasicSR) as exporter models.

A BasicSR checkpoint is ``{"params": state_dict}`` and/or ``{"params_ema": ...}``; a bare state dict and
this exporter's own ``{"state_dict": ...}`` load too. The architecture is read from the tensors' names
and shapes (``infer_config``), the exporter's MambaIR is built from it, and every tensor must map onto
it by name and shape (scalars stored as (1,) map onto 0-d ones); whatever does not is listed in one
``CheckpointError``. ``mean`` is a plain attribute in the official code (no tensor), a buffer here.

Quantizers follow the official semantics (exporter/QUANTIZER-SEMANTICS.md): a quantizer whose
``init_state`` is 0 was never initialised (its alpha is uninitialised memory in the official code), so
loading refuses it unless calibration images are given, which initialise it as the official code's
first training batch does.
"""
from __future__ import annotations

import math
import os
import re

import numpy as np
import torch

from .data import degrade_eval
from .imgutil import load_rgb, rgb_to_y_u8
from .model import Config, MambaIR
from .quant import load_qmambair_state_dict, named_quantizers, use_official_init

WRAPPER_KEYS = ("params", "params_ema", "state_dict")
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
_GROUP = re.compile(r"^layers\.(\d+)\.")
_BLOCK = re.compile(r"^layers\.(\d+)\.residual_group\.blocks\.(\d+)\.")


class CheckpointError(Exception):
    """A checkpoint that cannot become an exporter model; the message says what and why."""


def read_state_dict(path: str, param_key: str | None = None) -> tuple[dict, str]:
    """The tensors of a checkpoint file and where they were found ("params_ema", "params",
    "state_dict" or "bare"). Without ``param_key``, ``params`` wins: BasicSR's default ``param_key_g``,
    which MambaIR's own test configs load."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file")
    except Exception as e:  # a pickle with more than tensors and plain containers, or not a checkpoint
        raise CheckpointError(f"{path}: not a loadable PyTorch checkpoint ({type(e).__name__}: {str(e)[:200]})")
    if not isinstance(obj, dict):
        raise CheckpointError(f"{path}: expected a dict of tensors (a state dict), found {type(obj).__name__}")
    if param_key is not None:
        if not isinstance(obj.get(param_key), dict):
            raise CheckpointError(f"{path}: no state dict under {param_key!r}; top-level keys: {sorted(obj)[:10]}")
        where = param_key
    else:
        where = next((k for k in WRAPPER_KEYS if isinstance(obj.get(k), dict)), "bare")
    sd = obj if where == "bare" else obj[where]
    bad = [k for k, v in sd.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise CheckpointError(f"{path}: expected a state dict (name -> tensor); under {where!r} these are not "
                              f"tensors: {bad[:10]} (top-level keys: {sorted(obj)[:10]})")
    if sd and all(k.startswith("module.") for k in sd):  # saved from a DataParallel wrapper
        sd = {k[len("module."):]: v for k, v in sd.items()}
    return dict(sd), where


def _shape(t) -> str:
    return "(" + ", ".join(str(d) for d in t.shape) + ")"


def _expand_for(c: int, e: int) -> float:
    """A float expand with int(expand * C) == E (E/C itself can land one ulp low)."""
    x = e / c
    for _ in range(4):
        if int(x * c) == e:
            return x
        x = math.nextafter(x, math.inf)
    raise CheckpointError(f"no expand ratio gives d_inner {e} for embed_dim {c}")


def infer_config(sd: dict, name: str = "checkpoint") -> tuple[Config, list[int]]:
    """The exporter Config the tensors describe, and the depth of each residual group."""
    if "conv_first.weight" not in sd or "layers.0.residual_group.blocks.0.self_attention.A_logs" not in sd:
        raise CheckpointError("not a MambaIR / Q-MambaIR state dict: it lacks conv_first.weight or "
                              f"layers.0.residual_group.blocks.0.self_attention.A_logs; its first keys: "
                              f"{list(sd)[:8]}")
    c, in_ch = sd["conv_first.weight"].shape[:2]
    groups = sorted({int(m.group(1)) for k in sd if (m := _GROUP.match(k))})
    blocks = {}
    for k in sd:
        if m := _BLOCK.match(k):
            blocks.setdefault(int(m.group(1)), set()).add(int(m.group(2)))
    depths = [len(blocks.get(g, ())) for g in range(len(groups))]
    blk = "layers.0.residual_group.blocks.0."
    a_logs = sd[blk + "self_attention.A_logs"]
    e, d_state = a_logs.shape[0] // 4, a_logs.shape[1]
    if f"{blk}conv_blk.cab.5.attention.1.weight" in sd:
        cab = "dw"
    elif f"{blk}conv_blk.cab.3.attention.1.weight" in sd:
        cab = "conv"
    else:
        raise CheckpointError(f"unknown CAB layout in {blk}conv_blk: "
                              f"{sorted(k[len(blk):] for k in sd if k.startswith(blk + 'conv_blk'))}")
    cab_ratio = c // sd[f"{blk}conv_blk.cab.0.weight"].shape[0]
    if "conv_before_upsample.0.weight" in sd:
        style, task = "classic", "sr"
        ups = [sd[k].shape[0] for k in sorted(sd) if re.fullmatch(r"upsample\.\d+\.weight", k)]
        upscale = 3 if ups == [9 * 64] else 2 ** len(ups)
    elif "upsample.0.weight" in sd:
        style, task = "light", "sr"
        upscale = math.isqrt(sd["upsample.0.weight"].shape[0] // in_ch)
    else:  # denoising / JPEG artifact removal: no upsampler, the output adds the input
        style, task, upscale = ("light" if cab == "dw" else "classic"), ("car" if in_ch == 1 else "denoise"), 1
    points = [v for k, v in sd.items() if k.endswith("_weight_quant.a") or k.endswith("_weight_q.a")]
    bits = int(round(math.log2(points[0].numel()))) if points else None
    cfg = Config(name=name, style=style, task=task, upscale=upscale, in_ch=int(in_ch), channels=int(c),
                 groups=len(groups), depth=max(depths), d_state=int(d_state), expand=_expand_for(int(c), int(e)),
                 bits=bits, cab=cab, cab_ratio=int(cab_ratio))
    return cfg, depths


def describe(cfg: Config, depths: list[int]) -> str:
    kind, ratio = cfg.cab_spec()
    head = {"sr": f"SR x{cfg.upscale} ({cfg.upsampler})", "denoise": "denoising", "car": "JPEG artifact removal"}
    prec = f"W{cfg.bits}A{cfg.bits}" if cfg.bits else "FP32"
    e = int(cfg.expand * cfg.channels)
    return (f"MambaIR {cfg.style} {head[cfg.task]}, in_ch {cfg.in_ch}, embed_dim {cfg.channels}, depths {depths}, "
            f"d_state {cfg.d_state}, expand {cfg.expand:.6g} (d_inner {e}), dt_rank {math.ceil(cfg.channels / 16)}, "
            f"CAB {kind} (ratio {ratio}), {prec}")


def map_onto(net: MambaIR, sd: dict, quantizers_optional: bool) -> None:
    """Load ``sd`` into ``net`` or raise one CheckpointError listing every tensor that does not map.
    With ``quantizers_optional`` (a float checkpoint quantized here) the quantizers may be absent."""
    own = net.state_dict()
    qprefixes = tuple(n + "." for n, _ in named_quantizers(net))
    unexpected = [f"  {k} {_shape(v)}" for k, v in sd.items() if k not in own]
    mismatched = [f"  {k}: checkpoint {_shape(v)}, model {_shape(own[k])}" for k, v in sd.items()
                  if k in own and v.shape != own[k].shape and not (v.numel() == 1 and own[k].numel() == 1)]
    missing = [f"  {k} {_shape(v)}" for k, v in own.items() if k not in sd and k != "mean"
               and not (quantizers_optional and k.startswith(qprefixes))]
    if unexpected or mismatched or missing:
        parts = []
        for title, rows in (("in the checkpoint, not in the model", unexpected),
                            ("shape differs", mismatched), ("in the model, not in the checkpoint", missing)):
            if rows:
                parts.append(f"{title} ({len(rows)}):\n" + "\n".join(rows))
        raise CheckpointError(f"{len(unexpected) + len(mismatched) + len(missing)} tensors do not map onto "
                              f"{describe(net.cfg, [net.cfg.depth] * net.cfg.groups)}:\n" + "\n".join(parts))
    load_qmambair_state_dict(net, {k: v for k, v in sd.items() if k != "mean"} | {"mean": own["mean"]},
                             strict=not quantizers_optional)


def uncalibrated(net: MambaIR) -> list[str]:
    return [n for n, q in named_quantizers(net) if q.init_state.item() == 0]


def calibration_images(folder: str, forbidden: str | None = None) -> list[str]:
    if not os.path.isdir(folder):
        raise CheckpointError(f"--calibrate {folder}: not a folder of images")
    if forbidden and os.path.commonpath([os.path.realpath(folder), os.path.realpath(forbidden)]) == \
            os.path.realpath(forbidden):
        raise CheckpointError(f"--calibrate {folder}: inside the evaluation datasets ({forbidden}); calibrate on "
                              "other images (e.g. samples/images), Set5/Set14 are for evaluation only")
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTS))
    if not files:
        raise CheckpointError(f"--calibrate {folder}: no images ({', '.join(IMAGE_EXTS)})")
    return files


def lq_crops(files: list[str], cfg: Config, n: int, hw: tuple[int, int], seed: int, sigma=25,
             quality=10) -> np.ndarray:
    """``n`` low-quality crops (h x w, NCHW float32 in [0,1]) of the task's input, taken at seeded
    positions from the images in turn: SR bicubic-downscales (MATLAB) an HR crop, denoising adds
    Gaussian noise, JPEG CAR compresses."""
    rng = np.random.default_rng(seed)
    s = cfg.upscale if cfg.task == "sr" else 1
    hh, hw_ = hw[0] * s, hw[1] * s
    images = []
    for f in files:
        im = load_rgb(f)
        if cfg.in_ch == 1:
            im = rgb_to_y_u8(im)[..., None]
        if im.shape[0] >= hh and im.shape[1] >= hw_:
            images.append(im)
    if not images:
        raise CheckpointError(f"no image is at least {hh}x{hw_} pixels ({hw[0]}x{hw[1]} input pixels x{s}); "
                              "give larger images or smaller crops")
    out = []
    for k in range(n):
        im = images[k % len(images)]
        t = int(rng.integers(0, im.shape[0] - hh + 1))
        l = int(rng.integers(0, im.shape[1] - hw_ + 1))
        lq, _ = degrade_eval(cfg.task, im[t:t + hh, l:l + hw_], scale=s, sigma=sigma, quality=quality,
                             seed=seed + k)
        out.append(lq.transpose(2, 0, 1))
    return np.ascontiguousarray(np.stack(out)).astype(np.float32)


def calibrate_official(net: MambaIR, batch: np.ndarray) -> int:
    """Initialise every quantizer still at init_state 0 as the official code's first training batch
    does (one forward pass in training mode); returns how many were initialised."""
    todo = len(uncalibrated(net))
    use_official_init(net)
    net.train()
    with torch.no_grad():
        net(torch.from_numpy(batch))
    net.eval()
    return todo


def quantizer_summary(net: MambaIR) -> dict:
    qs = named_quantizers(net)
    return dict(count=len(qs), signed=sum(q.is_signed() for _, q in qs),
                unsigned=[n for n, q in qs if not q.is_signed()], uninitialised=uncalibrated(net))


def build(sd: dict, name: str, upscale: int | None = None, bits: int | None = None,
          task: str | None = None) -> tuple[MambaIR, list[int], bool]:
    """The exporter model of a state dict, with overrides. Returns (net, depths, quantized_here)."""
    cfg, depths = infer_config(sd, name)
    if len(set(depths)) != 1:
        raise CheckpointError(f"residual groups of different depths {depths}: the exporter's MambaIR has one depth")
    quantized_here = False
    if bits is not None and bits != cfg.bits:
        if cfg.bits is not None:
            raise CheckpointError(f"--bits {bits}: the checkpoint's quantizers are {cfg.bits}-bit (their allocation "
                                  f"points a hold {2 ** cfg.bits} values); re-quantizing a quantized model is not "
                                  "supported, export it as it is")
        cfg.bits, quantized_here = bits, True
    if upscale is not None and upscale != cfg.upscale:
        if cfg.task != "sr":
            raise CheckpointError(f"--upscale {upscale}: the checkpoint has no upsampler (a restoration model, x1)")
        cfg.upscale = upscale  # the mapping below names the upsampler tensors whose shapes then disagree
    if task is not None:
        if (task == "sr") != (cfg.task == "sr"):
            raise CheckpointError(f"--task {task}: the checkpoint's model is {'an' if cfg.task == 'sr' else 'no'} "
                                  "SR model (upsampler tensors)")
        cfg.task = task
    net = MambaIR(cfg)
    map_onto(net, sd, quantizers_optional=quantized_here)
    return net.eval(), depths, quantized_here
