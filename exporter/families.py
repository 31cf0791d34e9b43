"""Small conv super-resolution networks of four public families, exported the way people export them.

``python -m exporter.families --out samples/models`` builds ESPCN, SRCNN, Real-ESRGAN's SRVGGNetCompact and
EDSR-baseline in PyTorch at a small width, exports each twice with the TorchScript ONNX exporter (opset 17):
once at a fixed input size (``<family>-x<S>-fixed``) and once with dynamic H and W (``<family>-x<S>-dyn``),
and writes onnxruntime goldens (``test_data_set_K``) and a README.md card next to each model.

The nets are untrained: each is initialized analytically to compute a classical upscaling (bicubic or
bilinear, see ``FAMILIES``) through its real layer structure, and every weight is then perturbed by seeded
noise so that all channels reach the output. The outputs are sane images, and a kernel that mixes up channels,
phases or activation slopes changes them far beyond the golden tolerance.
"""
from __future__ import annotations

import argparse
import inspect
import io
import math
import os
import shutil
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IMAGES = os.path.join(ROOT, "samples", "images")
SEED = 0
OPSET = 17
# Carried (analytic) rows keep their default init scaled by NOISE: small enough that the output stays close to
# the classical upscaling, large enough (about 1e-2 on the output) that every weight shows in the goldens.
NOISE = 0.05


# ------------------------------------------------------------------ classical upscaling as conv taps
def _cubic(t: float, a: float = -0.75) -> float:
    """Keys' cubic convolution kernel with PyTorch's a = -0.75 (upsample_bicubic2d)."""
    t = abs(t)
    if t <= 1:
        return ((a + 2) * t - (a + 3)) * t * t + 1
    if t < 2:
        return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return 0.0


def _linear(t: float) -> float:
    return max(0.0, 1.0 - abs(t))


def phase_taps(scale: int, mode: str, size: int) -> np.ndarray:
    """(scale, size) weights: output pixel ``k*scale + i`` of ``F.interpolate(mode, align_corners=False)`` as
    taps on input pixels ``k - size//2 .. k + size//2``. Exact away from the borders, where PyTorch clamps
    indices and a zero-padded conv does not."""
    kern = {"bicubic": _cubic, "bilinear": _linear}[mode]
    half = size // 2
    taps = np.zeros((scale, size), dtype=np.float64)
    for i in range(scale):
        src = (i + 0.5) / scale - 0.5
        for o in range(-half, half + 1):
            taps[i, o + half] = kern(src - o)
    if not np.allclose(taps.sum(1), 1.0):  # a tap fell outside the window
        raise ValueError(f"a {size}x{size} window cannot hold {mode} x{scale} taps")
    return taps


def phase_kernels(scale: int, mode: str, size: int) -> np.ndarray:
    """(scale*scale, size, size): the 2-D kernel of each sub-pixel phase ``i*scale + j`` (PixelShuffle order)."""
    t = phase_taps(scale, mode, size)
    return np.stack([np.outer(t[i], t[j]) for i in range(scale) for j in range(scale)])


def delta(size: int) -> np.ndarray:
    k = np.zeros((size, size))
    k[size // 2, size // 2] = 1.0
    return k


def damp(conv: nn.Conv2d, rows: list[int]):
    """Shrink the default init of these output rows to NOISE: they keep a trace of every input channel."""
    with torch.no_grad():
        conv.weight[rows] *= NOISE
        if conv.bias is not None:
            conv.bias[rows] *= NOISE


def carry(conv: nn.Conv2d, links: list[tuple[int, int, np.ndarray]]):
    """Damp the rows named in ``links`` and add each (out, in, kernel) tap set: those rows then compute the
    analytic function plus noise; the other rows keep their full random init."""
    damp(conv, sorted({o for o, _, _ in links}))
    with torch.no_grad():
        for o, i, k in links:
            conv.weight[o, i] += torch.from_numpy(k).to(conv.weight.dtype)


def pixel_shuffle_explicit(x: torch.Tensor, r: int, channels: int) -> torch.Tensor:
    """PixelShuffle as many ESPCN ports write it: exports Reshape -> Transpose -> Reshape, not DepthToSpace."""
    b, _, h, w = x.shape
    x = x.reshape(b, channels, r, r, h, w).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(b, channels, h * r, w * r)


# ------------------------------------------------------------------ the four families
class ESPCN(nn.Module):
    """ESPCN (Shi et al. 2016) on Y as in PyTorch's super-resolution tutorial: conv5x5, conv3x3, conv3x3 to r*r
    channels, ReLU between; sub-pixel shuffle written out as reshape/permute/reshape."""

    def __init__(self, scale=3, channels=1, width=32, mid=24):
        super().__init__()
        self.scale, self.channels = scale, channels
        self.conv1 = nn.Conv2d(channels, width, 5, padding=2)
        self.conv2 = nn.Conv2d(width, mid, 3, padding=1)
        self.conv3 = nn.Conv2d(mid, channels * scale * scale, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        return pixel_shuffle_explicit(self.conv3(x), self.scale, self.channels)

    def init_bicubic(self):
        # conv1 computes +/- each bicubic phase (a 5x5 window holds the 4 taps of every x3 phase); ReLU keeps
        # the positive parts, conv2 carries them, conv3 recombines relu(p) - relu(-p) = p.
        rr = self.scale * self.scale
        phases = phase_kernels(self.scale, "bicubic", 5)
        links1, links2, links3 = [], [], []
        for c in range(self.channels):
            for p in range(rr):
                q = c * rr + p
                pos, neg = 2 * q, 2 * q + 1
                links1 += [(pos, c, phases[p]), (neg, c, -phases[p])]
                links2 += [(pos, pos, delta(3)), (neg, neg, delta(3))]
                links3 += [(q, pos, delta(3)), (q, neg, -delta(3))]
        carry(self.conv1, links1)
        carry(self.conv2, links2)
        carry(self.conv3, links3)


class SRCNN(nn.Module):
    """SRCNN (Dong et al. 2014), 9-1-5 with 'same' padding as the common PyTorch ports, on a bicubic upscale."""

    def __init__(self, scale=3, channels=3, n1=64, n2=32):
        super().__init__()
        self.scale = scale
        self.conv1 = nn.Conv2d(channels, n1, 9, padding=4)
        self.conv2 = nn.Conv2d(n1, n2, 1)
        self.conv3 = nn.Conv2d(n2, channels, 5, padding=2)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        return self.conv3(x)

    def init_bicubic(self):
        # +/- copies of each channel through the two ReLUs, recombined by conv3: the identity on the bicubic input
        c_in = self.conv3.out_channels
        links1, links2, links3 = [], [], []
        for c in range(c_in):
            pos, neg = c, c_in + c
            links1 += [(pos, c, delta(9)), (neg, c, -delta(9))]
            links2 += [(pos, pos, delta(1)), (neg, neg, delta(1))]
            links3 += [(c, pos, delta(5)), (c, neg, -delta(5))]
        carry(self.conv1, links1)
        carry(self.conv2, links2)
        carry(self.conv3, links3)


class SRVGGNetCompact(nn.Module):
    """Real-ESRGAN's SRVGGNetCompact (realesr-general-x4v3 / animevideov3): conv+PReLU stack, a conv to
    out*r*r channels, PixelShuffle, plus the nearest upscale of the input."""

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=24, num_conv=6, upscale=4):
        super().__init__()
        self.upscale = upscale
        self.body = nn.ModuleList([nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)])
        for _ in range(num_conv):
            self.body.append(nn.Conv2d(num_feat, num_feat, 3, 1, 1))
            self.body.append(nn.PReLU(num_parameters=num_feat))
        self.body.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x):
        out = x
        for layer in self.body:
            out = layer(out)
        out = self.upsampler(out)
        base = F.interpolate(x, scale_factor=self.upscale, mode="nearest")
        return out + base

    def init_bilinear(self, gen: torch.Generator):
        # Per-channel PReLU slopes spread around the default 0.25; each +/- pair shares one slope a, and
        # prelu(x) - prelu(-x) = (1 + a) x, so every conv carries x exactly whatever the slopes. The last conv
        # adds (bilinear - nearest) per phase: a 3x3 window holds both at x4.
        convs = [m for m in self.body if isinstance(m, nn.Conv2d)]
        prelus = [m for m in self.body if isinstance(m, nn.PReLU)]
        c_in = convs[0].in_channels
        with torch.no_grad():
            for act in prelus:
                act.weight.copy_(0.25 + 0.2 * (torch.rand(act.weight.shape, generator=gen) - 0.5))
                act.weight[c_in:2 * c_in] = act.weight[:c_in]
        carry(convs[0], [(c, c, delta(3)) for c in range(c_in)] + [(c_in + c, c, -delta(3)) for c in range(c_in)])

        def recombine(act: nn.PReLU, c: int) -> list[tuple[int, float]]:
            """(source channel, gain) pairs that turn the +/- pair of colour c back into x."""
            g = 1.0 / (1.0 + act.weight[c].item())
            return [(c, g), (c_in + c, -g)]

        for conv, act in zip(convs[1:-1], prelus):
            carry(conv, [(sign_row, src, sign * g * delta(3))
                         for c in range(c_in) for src, g in recombine(act, c)
                         for sign_row, sign in ((c, 1.0), (c_in + c, -1.0))])
        rr = self.upscale * self.upscale
        resid = phase_kernels(self.upscale, "bilinear", 3) - delta(3)[None]
        carry(convs[-1], [(c * rr + p, src, g * resid[p])
                          for c in range(c_in) for p in range(rr) for src, g in recombine(prelus[-1], c)])


class MeanShift(nn.Conv2d):
    """EDSR's MeanShift: a frozen 1x1 conv that subtracts (sign -1) or adds back (sign +1) the DIV2K mean."""

    def __init__(self, rgb_range=1.0, rgb_mean=(0.4488, 0.4371, 0.4040), rgb_std=(1.0, 1.0, 1.0), sign=-1):
        super().__init__(3, 3, kernel_size=1)
        std = torch.tensor(rgb_std)
        self.weight.data = torch.eye(3).view(3, 3, 1, 1) / std.view(3, 1, 1, 1)
        self.bias.data = sign * rgb_range * torch.tensor(rgb_mean) / std
        for p in self.parameters():
            p.requires_grad = False


class ResBlock(nn.Module):
    def __init__(self, n_feats, res_scale):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(n_feats, n_feats, 3, padding=1), nn.ReLU(True),
                                  nn.Conv2d(n_feats, n_feats, 3, padding=1))
        self.res_scale = res_scale

    def forward(self, x):
        res = self.body(x).mul(self.res_scale)
        res += x
        return res


class EDSR(nn.Module):
    """EDSR (Lim et al. 2017) baseline layout as in the official code: sub_mean, head, ResBlocks, body conv,
    global skip, Upsampler (conv + PixelShuffle), tail conv, add_mean."""

    def __init__(self, scale=2, n_feats=16, n_resblocks=4, res_scale=0.1):
        super().__init__()
        self.sub_mean = MeanShift(sign=-1)
        self.head = nn.Sequential(nn.Conv2d(3, n_feats, 3, padding=1))
        self.body = nn.Sequential(*[ResBlock(n_feats, res_scale) for _ in range(n_resblocks)],
                                  nn.Conv2d(n_feats, n_feats, 3, padding=1))
        self.tail = nn.Sequential(nn.Conv2d(n_feats, scale * scale * n_feats, 3, padding=1), nn.PixelShuffle(scale),
                                  nn.Conv2d(n_feats, 3, 3, padding=1))
        self.add_mean = MeanShift(sign=1)
        self.scale = scale

    def forward(self, x):
        x = self.sub_mean(x)
        x = self.head(x)
        res = self.body(x)
        res += x
        x = self.tail(res)
        return self.add_mean(x)

    def init_bilinear(self):
        # Channels 0-2 of the trunk carry the mean-shifted image (head identity, ResBlocks and body conv damped
        # by NOISE, global skip); the upsampler conv copies it to every phase (a nearest upscale) and the tail's
        # [1/4, 1/2, 1/4] blur turns nearest x2 into bilinear x2.
        if self.scale != 2:
            raise ValueError(f"the tail blur makes bilinear x2 only, not x{self.scale}")
        rr = self.scale * self.scale
        carry(self.head[0], [(c, c, delta(3)) for c in range(3)])
        for block in self.body[:-1]:
            damp(block.body[2], [0, 1, 2])
        damp(self.body[-1], [0, 1, 2])
        carry(self.tail[0], [(c * rr + p, c, delta(3)) for c in range(3) for p in range(rr)])
        blur = np.outer([0.25, 0.5, 0.25], [0.25, 0.5, 0.25])
        carry(self.tail[2], [(c, c, blur) for c in range(3)])


# ------------------------------------------------------------------ the catalogue
@dataclass(frozen=True)
class Family:
    name: str
    scale: int
    channels: int
    build: Callable[[bool], nn.Module]  # tiny -> the seeded, initialized module in eval mode
    fixed_wh: tuple[int, int]
    crops: tuple  # (image, top, left) of set 0 (fixed_wh) and set 1 (DYN_WH, dyn only)
    mirrors: str
    structure: str
    init: str

    @property
    def stem(self):
        return f"{self.name}-x{self.scale}"


DYN_WH = (37, 29)  # the second, odd size of each dyn model
INTERIOR_BORDER = 4  # input pixels dropped at each side for the interior PSNR (past the zero-padding's reach)


def _seeded(fn):
    def build(tiny: bool = False):
        torch.manual_seed(SEED)
        return fn(tiny).eval()
    return build


@_seeded
def build_espcn(tiny):
    net = ESPCN(scale=3, channels=1, width=24 if tiny else 32, mid=18 if tiny else 24)
    net.init_bicubic()
    return net


@_seeded
def build_srcnn(tiny):
    net = SRCNN(scale=3, channels=3, n1=16 if tiny else 64, n2=8 if tiny else 32)
    net.init_bicubic()
    return net


@_seeded
def build_srvgg(tiny):
    net = SRVGGNetCompact(num_feat=8 if tiny else 24, num_conv=2 if tiny else 6, upscale=4)
    net.init_bilinear(torch.Generator().manual_seed(SEED + 1))
    return net


@_seeded
def build_edsr(tiny):
    net = EDSR(scale=2, n_feats=8 if tiny else 16, n_resblocks=2 if tiny else 4)
    net.init_bilinear()
    return net


FAMILIES = [
    Family("espcn", 3, 1, build_espcn, (64, 48), (("cat-128x96.png", 20, 30), ("flower-96x96.png", 40, 50)),
           mirrors="ESPCN x3 (Shi et al., CVPR 2016) as in PyTorch's super-resolution tutorial "
                   "(pytorch/examples super_resolution, 'Exporting a model from PyTorch to ONNX'): one Y channel in, "
                   "conv5x5 -> ReLU -> conv3x3 -> ReLU -> conv3x3 to r*r channels -> sub-pixel shuffle. "
                   "The tutorial's net has one more 3x3 conv and widths 64/64/32; this keeps the paper's three "
                   "convs at widths 32/24, and writes the shuffle as reshape -> permute -> reshape as many "
                   "ESPCN ports do (so the graph has Reshape/Transpose, not DepthToSpace).",
           structure="conv5x5 1->32, ReLU, conv3x3 32->24, ReLU, conv3x3 24->9, reshape (1,1,3,3,H,W), "
                     "permute (0,1,4,2,5,3), reshape (1,1,3H,3W)",
           init="conv1 computes +/- each of the 9 bicubic x3 phases (PyTorch's a = -0.75; a 5x5 window holds "
                "the 4 taps of every phase), conv2 carries them, conv3 recombines relu(p) - relu(-p) = p: "
                "bicubic x3 of the Y channel"),
    Family("srcnn", 3, 3, build_srcnn, (40, 32), (("flower-96x96.png", 30, 20), ("cat-128x96.png", 50, 70)),
           mirrors="SRCNN x3 (Dong et al., ECCV 2014 / TPAMI 2016) 9-1-5 with 64/32 channels, as the common "
                   "PyTorch ports write it (e.g. yjn870/SRCNN-pytorch, with 'same' padding), but on RGB and "
                   "with the bicubic pre-upscale inside the network: F.interpolate(scale_factor=3, "
                   "mode='bicubic', align_corners=False) -> Resize (cubic, coefficient -0.75).",
           structure="Resize bicubic x3, conv9x9 3->64, ReLU, conv1x1 64->32, ReLU, conv5x5 32->3",
           init="+/- copies of each colour channel pass the two ReLUs and conv3 recombines them: the identity "
                "on the bicubic upscale (the net's output is bicubic x3 plus the noise)"),
    Family("srvgg", 4, 3, build_srvgg, (32, 24), (("cat-128x96.png", 40, 60), ("flower-96x96.png", 10, 30)),
           mirrors="Real-ESRGAN's SRVGGNetCompact (xinntao/Real-ESRGAN realesrgan/archs/srvgg_arch.py, "
                   "the realesr-general-x4v3 / realesr-animevideov3 models) at num_feat 24, num_conv 6 (the "
                   "released ones use 64 and 16-32): conv3x3 + per-channel PReLU stack, conv3x3 to 3*16 "
                   "channels, nn.PixelShuffle(4) (exports DepthToSpace, CRD), plus "
                   "F.interpolate(x, scale_factor=4, mode='nearest') of the input.",
           structure="conv3x3 3->24, PReLU(24), 6 x [conv3x3 24->24, PReLU(24)], conv3x3 24->48, "
                     "PixelShuffle(4), + nearest x4 of the input",
           init="per-channel PReLU slopes drawn in 0.25 +/- 0.1; +/- copies of each colour channel pass every "
                "conv + PReLU exactly (prelu(x) - prelu(-x) = (1 + a) x), and the last conv adds bilinear x4 "
                "minus nearest x4 per phase: output = bilinear x4 plus the noise"),
    Family("edsr", 2, 3, build_edsr, (32, 32), (("flower-96x96.png", 50, 40), ("cat-128x96.png", 30, 80)),
           mirrors="EDSR baseline x2 (Lim et al., CVPRW 2017; sanghyun-son/EDSR-PyTorch src/model/edsr.py) at "
                   "n_feats 16, n_resblocks 4 (the baseline has 64 and 16), res_scale 0.1 (the large EDSR's; the "
                   "baseline's 1.0 exports the same Mul): MeanShift 1x1 convs (DIV2K mean, rgb_range 1), head conv, "
                   "ResBlocks conv-ReLU-conv with res_scale Mul and Add, body conv, global skip, Upsampler "
                   "(conv to 4*n_feats + nn.PixelShuffle(2)), tail conv.",
           structure="conv1x1 sub_mean, conv3x3 3->16, 4 x ResBlock [conv3x3, ReLU, conv3x3, Mul 0.1, Add], "
                     "conv3x3, Add (global skip), conv3x3 16->64, PixelShuffle(2), conv3x3 16->3, conv1x1 add_mean",
           init="trunk channels 0-2 carry the mean-shifted image (head identity, ResBlocks and body conv rows "
                "damped), the upsampler conv copies it to all 4 phases (nearest x2) and the tail's "
                "[1/4, 1/2, 1/4] blur makes nearest x2 into bilinear x2: output = bilinear x2 plus the noise"),
]


# ------------------------------------------------------------------ inputs, export, onnxruntime
def photo_crop(image: str, top: int, left: int, w: int, h: int, channels: int) -> np.ndarray:
    """(1, C, h, w) float32 in [0, 1]: a crop of a samples/images photo; C = 1 is Y as the tutorial takes it
    (PIL's YCbCr, full range BT.601)."""
    im = Image.open(os.path.join(IMAGES, image)).convert("RGB")
    if channels == 1:
        im = im.convert("YCbCr")
    arr = np.asarray(im)[top:top + h, left:left + w, :channels]
    if arr.shape[:2] != (h, w):
        raise ValueError(f"{image} has no {w}x{h} crop at top {top}, left {left}")
    return np.ascontiguousarray(arr.transpose(2, 0, 1)[None]).astype(np.float32) / np.float32(255.0)


def export_bytes(net: nn.Module, channels: int, wh: tuple[int, int], dynamic: bool) -> bytes:
    """torch.onnx.export as people call it: the TorchScript exporter (dynamo=False), opset 17, constant folding;
    dynamic H and W through dynamic_axes."""
    w, h = wh
    x = torch.rand(1, channels, h, w, generator=torch.Generator().manual_seed(SEED))
    kw = dict(opset_version=OPSET, input_names=["input"], output_names=["output"], do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kw["dynamo"] = False
    if dynamic:
        kw["dynamic_axes"] = {"input": {2: "height", 3: "width"}, "output": {2: "out_height", 3: "out_width"}}
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (x,), buf, **kw)
    onnx.checker.check_model(onnx.load_from_string(buf.getvalue()))
    return buf.getvalue()


def ort_run(model: bytes, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    return sess.run(None, {"input": x})[0]


def torch_run(net: nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return net(torch.from_numpy(x)).numpy()


def op_histogram(model: bytes) -> dict[str, int]:
    h: dict[str, int] = {}
    for n in onnx.load_from_string(model).graph.node:
        h[n.op_type] = h.get(n.op_type, 0) + 1
    return dict(sorted(h.items()))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * math.log10(1.0 / mse)


def write_tensor(path: str, arr: np.ndarray):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(arr)).SerializeToString())


# ------------------------------------------------------------------ one model folder
def write_model(fam: Family, dynamic: bool, out_root: str) -> str:
    net = fam.build(False)
    name = f"{fam.stem}-{'dyn' if dynamic else 'fixed'}"
    folder = os.path.join(out_root, name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    model = export_bytes(net, fam.channels, fam.fixed_wh, dynamic)
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(model)
    sizes = [fam.fixed_wh, DYN_WH] if dynamic else [fam.fixed_wh]
    rows = []
    for k, (wh, crop) in enumerate(zip(sizes, fam.crops)):
        x = photo_crop(crop[0], crop[1], crop[2], *wh, fam.channels)
        y_ort = ort_run(model, x)
        y_torch = torch_run(net, x)
        d = os.path.join(folder, f"test_data_set_{k}")
        os.makedirs(d)
        write_tensor(os.path.join(d, "input_0.pb"), x)
        write_tensor(os.path.join(d, "output_0.pb"), y_ort)
        mode = "bilinear" if fam.name in ("srvgg", "edsr") else "bicubic"
        classic = F.interpolate(torch.from_numpy(x), scale_factor=fam.scale, mode=mode, align_corners=False)
        y, c = np.clip(y_ort, 0, 1), np.clip(classic.numpy(), 0, 1)
        b = INTERIOR_BORDER * fam.scale
        rows.append(dict(k=k, crop=crop, x=x, y=y_ort, mode=mode,
                         max=float(np.abs(y_ort - y_torch).max()), mean=float(np.abs(y_ort - y_torch).mean()),
                         psnr=psnr(y, c), psnr_in=psnr(y[..., b:-b, b:-b], c[..., b:-b, b:-b])))
    n_params = sum(p.numel() for p in net.parameters())
    with open(os.path.join(folder, "README.md"), "w") as f:
        f.write(card(fam, name, dynamic, model, n_params, rows))
    return name


def card(fam: Family, name: str, dynamic: bool, model: bytes, n_params: int, rows: list[dict]) -> str:
    w, h = fam.fixed_wh
    size = ("dynamic H and W (dynamic_axes: input 2 'height', 3 'width'; output 2 'out_height', 3 'out_width'); "
            f"traced at {w}x{h}" if dynamic else f"fixed input (1, {fam.channels}, {h}, {w})")
    lines = [
        f"# {name}",
        "",
        f"{fam.name.upper()} x{fam.scale} ({'Y channel' if fam.channels == 1 else 'RGB'}), a small untrained "
        f"member of a public conv super-resolution family, exported as people export it; {size}.",
        "",
        "## Files",
        "",
        "| file | bytes | what |",
        "|---|---|---|",
        f"| model.onnx | {len(model)} | torch.onnx.export, TorchScript exporter (dynamo=False), opset {OPSET}, "
        "constant folding |",
        "| test_data_set_K/ | | goldens: input_0.pb (1,C,H,W) in [0,1], output_0.pb = onnxruntime's output "
        "(CPU EP, 1 thread) |",
        "",
        "## Architecture",
        "",
        f"- mirrors: {fam.mirrors}",
        f"- layers: {fam.structure}",
        f"- parameters: {n_params:,} ({n_params * 4:,} bytes as float32)",
        f"- ops: `{op_histogram(model)}`",
        f"- input `input` (1, {fam.channels}, {'H' if dynamic else h}, {'W' if dynamic else w}), output `output` "
        f"(1, {fam.channels}, {f'{fam.scale}H' if dynamic else h * fam.scale}, "
        f"{f'{fam.scale}W' if dynamic else w * fam.scale})",
        "",
        "## Weights",
        "",
        f"- untrained. torch.manual_seed({SEED}) default init, then analytic: {fam.init}.",
        f"- the analytic rows keep their default init scaled by {NOISE} as noise, the other rows their full default "
        "init, so every weight reaches the output (about 1e-2) and the goldens check all of them.",
        "- zero-padded convs differ from PyTorch's clamped interpolation at the image border, so the outermost "
        "output pixels are darker than the classical upscale.",
        "",
        "## Goldens",
        "",
        "Inputs are crops of samples/images photos (openly licensed, see exporter/DATA.md), in [0, 1].",
        "",
        "| set | crop (image, top, left) | input | output | ORT vs PyTorch: max abs diff | mean abs diff | "
        "PSNR vs classical upscale dB: whole / interior |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['k']} | {r['crop'][0]}, {r['crop'][1]}, {r['crop'][2]} | {list(r['x'].shape)} | "
                     f"{list(r['y'].shape)} | {r['max']:.3g} | {r['mean']:.3g} | {r['psnr']:.1f} / {r['psnr_in']:.1f} "
                     f"({r['mode']}) |")
    lines += [
        "",
        "PSNR vs classical upscale: the clipped output against PyTorch's F.interpolate of the input "
        "(align_corners=False), peak 1, on the whole image and without the outer "
        f"{INTERIOR_BORDER * fam.scale} output pixels: how close the untrained net stays to what it was built to be.",
        "",
        "## Reproduce",
        "",
        "```",
        ".venv/bin/python -m exporter.families --out samples/models",
        "```",
        "",
        f"Deterministic: the seed is fixed and onnxruntime runs on one thread; torch {torch.__version__.split('+')[0]}, "
        f"onnx {onnx.__version__}.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "samples", "models"), help="folder for the model folders")
    ap.add_argument("--family", action="append", choices=[f.name for f in FAMILIES],
                    help="only these families (repeatable); default all")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    for fam in FAMILIES:
        if args.family and fam.name not in args.family:
            continue
        for dynamic in (False, True):
            print("wrote", write_model(fam, dynamic, args.out))


if __name__ == "__main__":
    main()
