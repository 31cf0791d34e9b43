"""Third-party-style restoration nets, exported as their users export them, to probe qmc's generality.

``python -m exporter.probe_nets --out DIR [--only NAME,...]`` builds 27 small random-initialised (seed 0)
versions of the layer patterns public restoration and super-resolution code uses (RCAN channel
attention, DnCNN with BatchNorm, FFDNet's pixel unshuffle and noise map, IMDN's split and contrast
attention, NAFNet's LayerNorm2d and SimpleGate, a U-Net with ConvTranspose and one with pooling,
RRDB with nearest and bilinear resizes, SwinIR-style windows and its pad-and-crop, Restormer's
transposed attention, CBAM, FSRCNN, CARN, rarer activations, GroupNorm, einsum attention, repeat and
round, circular padding, pixel unshuffle, and legacy Upsample at opsets 9-11), exports each with
PyTorch's TorchScript exporter at a fixed 32x32 size (``NAME-fixed``) and with dynamic H and W
(``NAME-dyn``, golden at 24x40), and writes an onnxruntime golden (``test_data_set_0``) beside each.
``--exporter dynamo`` exports with torch.onnx.export's default since PyTorch 2.9 instead (the FX
exporter, opset 18 and later: Mish, Pad's wrap mode, bool Greater/Where for Softplus's threshold).
Only the ``-dyn`` exports of ``--exporter dynamo --only swish,circular --out
test/fixtures/dynamo`` are committed (checked by test/dynamo-exports.test.ts); the rest is cheap
to remake, and the check is

    for d in DIR/*/; do for t in js ts wasm wasm-simd wasm-relaxed; do
      qmc verify $d/model.onnx --golden $d/test_data_set_0 --target $t; done; done

The README's "Third-party networks" section lists what passes and what is still missing.
"""
from __future__ import annotations

import argparse
import io
import os
import warnings

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

class CA(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.body = nn.Sequential(nn.Conv2d(c, c // r, 1), nn.ReLU(True), nn.Conv2d(c // r, c, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.body(self.pool(x))


class RCAN(nn.Module):
    def __init__(self, c=16, scale=2):
        super().__init__()
        self.head = nn.Conv2d(3, c, 3, padding=1)
        self.blocks = nn.Sequential(*[nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(True), nn.Conv2d(c, c, 3, padding=1), CA(c)) for _ in range(2)])
        self.up = nn.Sequential(nn.Conv2d(c, 3 * scale * scale, 3, padding=1), nn.PixelShuffle(scale))

    def forward(self, x):
        h = self.head(x)
        for b in self.blocks:
            h = h + b(h)
        return self.up(h)


class DnCNN(nn.Module):
    def __init__(self, c=16, depth=5):
        super().__init__()
        layers = [nn.Conv2d(3, c, 3, padding=1), nn.ReLU(True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(True)]
        layers += [nn.Conv2d(c, 3, 3, padding=1)]
        self.net = nn.Sequential(*layers)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.1, 0.1)

    def forward(self, x):
        return x - self.net(x)


class FFDNet(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(13, c, 3, padding=1), nn.ReLU(True), nn.Conv2d(c, c, 3, padding=1), nn.ReLU(True), nn.Conv2d(c, 12, 3, padding=1))

    def forward(self, x):
        d = F.pixel_unshuffle(x, 2)
        sigma = torch.full_like(d[:, :1], 25.0 / 255.0)
        return F.pixel_shuffle(self.net(torch.cat([d, sigma], 1)), 2)


class IMDB(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.c1 = nn.Conv2d(c, c, 3, padding=1)
        self.c2 = nn.Conv2d(c * 3 // 4, c, 3, padding=1)
        self.c3 = nn.Conv2d(c // 4 * 2, c, 1)
        self.act = nn.LeakyReLU(0.05)
        self.ca = nn.Conv2d(c, c, 1)

    def forward(self, x):
        a = self.act(self.c1(x))
        d1, r1 = torch.split(a, (4, 12), dim=1)
        b = self.act(self.c2(r1))
        d2, _ = torch.split(b, (4, 12), dim=1)
        out = torch.cat([d1, d2], 1)
        out = self.c3(out)
        mean = out.mean(dim=(2, 3), keepdim=True)
        std = (out - mean).pow(2).mean(dim=(2, 3), keepdim=True).sqrt()
        return x + out * torch.sigmoid(self.ca(std + mean))


class IMDN(nn.Module):
    def __init__(self, c=16, scale=2):
        super().__init__()
        self.head = nn.Conv2d(3, c, 3, padding=1)
        self.b = nn.Sequential(IMDB(c), IMDB(c))
        self.up = nn.Sequential(nn.Conv2d(c, 3 * scale * scale, 3, padding=1), nn.PixelShuffle(scale))

    def forward(self, x):
        h = self.head(x)
        return self.up(self.b(h) + h)


class LayerNorm2d(nn.Module):
    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(c) + 0.5)
        self.bias = nn.Parameter(torch.rand(c) * 0.1)
        self.eps = eps

    def forward(self, x):
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        y = (x - mu) / (var + self.eps).sqrt()
        return self.weight.view(1, -1, 1, 1) * y + self.bias.view(1, -1, 1, 1)


class NAFBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n1 = LayerNorm2d(c)
        self.c1 = nn.Conv2d(c, 2 * c, 1)
        self.c2 = nn.Conv2d(2 * c, 2 * c, 3, padding=1, groups=2 * c)
        self.sca = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c, 1))
        self.c3 = nn.Conv2d(c, c, 1)
        self.beta = nn.Parameter(torch.rand(1, c, 1, 1))

    def forward(self, inp):
        x = self.c2(self.c1(self.n1(inp)))
        a, b = x.chunk(2, dim=1)
        x = a * b
        x = x * self.sca(x)
        return inp + self.c3(x) * self.beta


class NAFNet(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.intro = nn.Conv2d(3, c, 3, padding=1)
        self.down = nn.Conv2d(c, 2 * c, 2, 2)
        self.mid = NAFBlock(2 * c)
        self.up = nn.Sequential(nn.Conv2d(2 * c, 4 * c, 1, bias=False), nn.PixelShuffle(2))
        self.enc = NAFBlock(c)
        self.ending = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, x):
        e = self.enc(self.intro(x))
        m = self.mid(self.down(e))
        return x + self.ending(self.up(m) + e)


class UNet(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.e1 = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.InstanceNorm2d(c, affine=True), nn.ReLU())
        self.e2 = nn.Sequential(nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.ReLU())
        self.u = nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1)
        self.o = nn.Conv2d(2 * c, 3, 3, padding=1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(a)
        return self.o(torch.cat([self.u(b), a], 1)).tanh() * 0.5 + x


class RRDBish(nn.Module):
    def __init__(self, c=16, g=8):
        super().__init__()
        self.head = nn.Conv2d(3, c, 3, padding=1)
        self.d1 = nn.Conv2d(c, g, 3, padding=1)
        self.d2 = nn.Conv2d(c + g, g, 3, padding=1)
        self.d3 = nn.Conv2d(c + 2 * g, c, 3, padding=1)
        self.act = nn.LeakyReLU(0.2, True)
        self.up = nn.Conv2d(c, c, 3, padding=1)
        self.last = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, x):
        h = self.head(x)
        a = self.act(self.d1(h))
        b = self.act(self.d2(torch.cat([h, a], 1)))
        h = h + 0.2 * self.d3(torch.cat([h, a, b], 1))
        h = self.act(self.up(F.interpolate(h, scale_factor=2, mode="nearest")))
        return self.last(h) + F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class BilinearAC(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
        z = F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
        return self.c(y) + z + F.gelu(y)


class WinAttn(nn.Module):
    """A SwinIR-style block at a fixed size: windows by reshape/permute, attention, MLP with GELU."""
    def __init__(self, c=16, ws=8, heads=2):
        super().__init__()
        self.c, self.ws, self.h = c, ws, heads
        self.norm = nn.LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.norm2 = nn.LayerNorm(c)
        self.mlp = nn.Sequential(nn.Linear(c, 2 * c), nn.GELU(), nn.Linear(2 * c, c))

    def forward(self, x):  # x: B, H, W, C
        B, H, W, C = x.shape
        ws = self.ws
        s = self.norm(x).view(B, H // ws, ws, W // ws, ws, C).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, C)
        qkv = self.qkv(s).reshape(-1, ws * ws, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = (q * (C // self.h) ** -0.5) @ k.transpose(-2, -1)
        o = (a.softmax(-1) @ v).transpose(1, 2).reshape(-1, ws * ws, C)
        o = self.proj(o).view(B, H // ws, W // ws, ws, ws, C).permute(0, 1, 3, 2, 4, 5).reshape(B, H, W, C)
        x = x + o
        return x + self.mlp(self.norm2(x))


class SwinLite(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.head = nn.Conv2d(3, c, 3, padding=1)
        self.blk = WinAttn(c)
        self.tail = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, x):
        h = self.head(x)
        t = self.blk(h.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return x + self.tail(t)


class MDTA(nn.Module):
    def __init__(self, c=16, heads=2):
        super().__init__()
        self.heads = heads
        self.temperature = nn.Parameter(torch.rand(heads, 1, 1) + 0.5)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.dw = nn.Conv2d(3 * c, 3 * c, 3, padding=1, groups=3 * c)
        self.proj = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.dw(self.qkv(x)).chunk(3, dim=1)
        q = q.reshape(b, self.heads, c // self.heads, h * w)
        k = k.reshape(b, self.heads, c // self.heads, h * w)
        v = v.reshape(b, self.heads, c // self.heads, h * w)
        q = F.normalize(q, dim=-1)
        k = F.normalize(k, dim=-1)
        attn = (q @ k.transpose(-2, -1)) * self.temperature
        out = attn.softmax(dim=-1) @ v
        return self.proj(out.reshape(b, c, h, w))


class Restormerish(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.head = nn.Conv2d(3, c, 3, padding=1)
        self.norm = nn.GroupNorm(1, c)
        self.attn = MDTA(c)
        self.ffn_in = nn.Conv2d(c, 4 * c, 1)
        self.ffn_dw = nn.Conv2d(4 * c, 4 * c, 3, padding=1, groups=4 * c)
        self.ffn_out = nn.Conv2d(2 * c, c, 1)
        self.tail = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, x):
        h = self.head(x)
        h = h + self.attn(self.norm(h))
        a, g = self.ffn_dw(self.ffn_in(h)).chunk(2, dim=1)
        h = h + self.ffn_out(F.gelu(a) * g)
        return x + self.tail(h)


class CBAM(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.c1 = nn.Conv2d(3, c, 3, padding=1)
        self.mlp = nn.Sequential(nn.Conv2d(c, 4, 1), nn.ReLU(), nn.Conv2d(4, c, 1))
        self.sp = nn.Conv2d(2, 1, 7, padding=3)
        self.c2 = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, x):
        h = self.c1(x)
        ca = torch.sigmoid(self.mlp(F.adaptive_avg_pool2d(h, 1)) + self.mlp(F.adaptive_max_pool2d(h, 1)))
        h = h * ca
        sa = torch.sigmoid(self.sp(torch.cat([h.mean(1, keepdim=True), h.amax(1, keepdim=True)], 1)))
        return x + self.c2(h * sa)


class UNetPool(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.e = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.ReLU())
        self.m = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU())
        self.o = nn.Conv2d(2 * c, 3, 3, padding=1)

    def forward(self, x):
        a = self.e(x)
        b = self.m(F.max_pool2d(a, 2))
        b = F.interpolate(b, scale_factor=2, mode="bilinear", align_corners=False)
        p = F.avg_pool2d(a, 3, stride=1, padding=1)
        return self.o(torch.cat([b, p], 1)) + torch.clamp(x, 0.1, 0.9)


class FSRCNN(nn.Module):
    def __init__(self, scale=3):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.PReLU(16), nn.Conv2d(16, 8, 1), nn.PReLU(8),
                               nn.Conv2d(8, 8, 3, padding=1), nn.PReLU(8), nn.Conv2d(8, 16, 1), nn.PReLU(16))
        self.d = nn.ConvTranspose2d(16, 1, 9, stride=scale, padding=4, output_padding=scale - 1)

    def forward(self, x):
        return self.d(self.f(x))


class CARNish(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.h = nn.Conv2d(3, c, 3, padding=1)
        self.g = nn.Conv2d(c, c, 3, padding=1, groups=4)
        self.c = nn.Conv2d(2 * c, c, 1)
        self.up = nn.Sequential(nn.Conv2d(c, 12, 3, padding=1), nn.PixelShuffle(2))
        self.elu = nn.ELU()

    def forward(self, x):
        h = self.h(x)
        g = self.elu(self.g(h))
        h = self.c(torch.cat([h, g], 1))
        return torch.maximum(self.up(h), torch.zeros(1)) + F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=True)


class MinimalSwish(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.a = nn.Conv2d(3, c, 3, padding=1)
        self.b = nn.Conv2d(c, 3, 3, padding=(1, 1), padding_mode="reflect")

    def forward(self, x):
        h = F.silu(self.a(x))
        h = F.hardswish(h) + F.mish(h) * 0.1 + F.softplus(h) * 0.01
        return self.b(F.pad(h, (1, 1, 1, 1), mode="replicate"))[:, :, 1:-1, 1:-1] + x


class PadCrop(nn.Module):
    """SwinIR's forward: pad to the window size (reflect), run, crop back."""
    def __init__(self, ws=8, c=8):
        super().__init__()
        self.ws = ws
        self.a = nn.Conv2d(3, c, 3, padding=1)
        self.b = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, x):
        _, _, h, w = x.size()
        mh = (self.ws - h % self.ws) % self.ws
        mw = (self.ws - w % self.ws) % self.ws
        y = F.pad(x, (0, mw, 0, mh), "reflect")
        y = self.b(torch.relu(self.a(y)))
        return (y + F.pad(x, (0, mw, 0, mh), "reflect"))[:, :, :h, :w]


class UpNet(nn.Module):  # old-opset nearest/bilinear upsampling
    def __init__(self, mode="nearest"):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode=mode)
        self.b = nn.Conv2d(8, 3, 3, padding=1)

    def forward(self, x):
        return self.b(F.relu(self.up(self.a(x))))


class Acts(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 8, 3, padding=1)
        self.c = nn.Conv2d(8, 3, 3, padding=1)

    def forward(self, x):
        h = F.elu(self.a(x))
        h = F.selu(self.b(h)) + F.mish(h) + F.softsign(h) + F.relu6(h) + F.hardtanh(h) + F.silu(h)
        return self.c(h)


class GN(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 16, 3, padding=1)
        self.n = nn.GroupNorm(4, 16)
        self.b = nn.Conv2d(16, 3, 3, padding=1)

    def forward(self, x):
        return x + self.b(F.silu(self.n(self.a(x))))


class Einsum(nn.Module):  # channel attention written with einsum
    def __init__(self):
        super().__init__()
        self.qkv = nn.Conv2d(3, 24, 1)
        self.o = nn.Conv2d(8, 3, 1)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=1)
        a = torch.einsum("bchw,bdhw->bcd", q, k).softmax(-1)
        return x + self.o(torch.einsum("bcd,bdhw->bchw", a, v))


class Repeat(nn.Module):  # grayscale net fed a replicated channel; rounded 8-bit output
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 1, 3, padding=1)

    def forward(self, x):
        y = x.mean(dim=1, keepdim=True)
        h = self.b(F.relu(self.a(y.repeat(1, 3, 1, 1))))
        return torch.round((h + y).clamp(0, 1) * 255) / 255


class Recip(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 3, 3, padding=1)

    def forward(self, x):
        h = self.a(x)
        h = h * torch.reciprocal(1 + h.abs()) + torch.log(1 + h * h) + torch.floor(h) * 0.01 + torch.sign(h) * 0.1
        return self.b(h)


class Circular(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=1, padding_mode="circular")
        self.b = nn.Conv2d(8, 3, 3, padding=1, padding_mode="replicate")
        self.t = nn.ConvTranspose2d(3, 3, 4, stride=2, padding=1, groups=3)

    def forward(self, x):
        return self.t(self.b(F.relu(self.a(x))))


class PixelUnshuffle(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(12, 12, 3, padding=1)

    def forward(self, x):
        return F.pixel_shuffle(self.a(F.pixel_unshuffle(x, 2)), 2) + F.interpolate(x, scale_factor=1, mode="bicubic", align_corners=True)

# name: (constructor, opset, input channels, whether a dynamic-size export exists)
NETS = {
    "rcan": (RCAN, 17, 3, True),
    "dncnn": (DnCNN, 17, 3, True),
    "ffdnet": (FFDNet, 17, 3, True),
    "imdn": (IMDN, 17, 3, True),
    "nafnet": (NAFNet, 17, 3, True),
    "unet": (UNet, 17, 3, True),
    "rrdb": (RRDBish, 17, 3, True),
    "bilinear-ac": (BilinearAC, 17, 3, True),
    "swinlite": (SwinLite, 17, 3, False),
    "restormerish": (Restormerish, 17, 3, True),
    "cbam": (CBAM, 17, 3, True),
    "unetpool": (UNetPool, 17, 3, True),
    "fsrcnn": (FSRCNN, 17, 1, True),
    "carnish": (CARNish, 17, 3, True),
    "swish": (MinimalSwish, 17, 3, True),
    "padcrop": (PadCrop, 17, 3, True),
    "upsample-nearest-op9": (lambda: UpNet("nearest"), 9, 3, True),
    "upsample-bilinear-op9": (lambda: UpNet("bilinear"), 9, 3, True),
    "upsample-nearest-op10": (lambda: UpNet("nearest"), 10, 3, True),
    "upsample-bilinear-op11": (lambda: UpNet("bilinear"), 11, 3, True),
    "acts": (Acts, 17, 3, True),
    "groupnorm": (GN, 17, 3, True),
    "einsum": (Einsum, 17, 3, True),
    "repeat-round": (Repeat, 17, 3, True),
    "recip-log": (Recip, 17, 3, True),
    "circular": (Circular, 17, 3, True),
    "unshuffle": (PixelUnshuffle, 17, 3, True),
}


def export(net: nn.Module, path: str, opset: int, channels: int, dynamic: bool, h: int, w: int, exporter: str) -> None:
    """Exports `net` to path/model.onnx and writes onnxruntime's output on a random input beside it.

    ``exporter`` "torchscript" is torch.onnx.export(dynamo=False) at the net's opset; "dynamo" is
    torch.onnx.export's default since PyTorch 2.9 (the FX exporter, needs onnxscript) at its own opset.
    """
    import onnxruntime as ort

    kw = dict(input_names=["input"], output_names=["output"])
    if dynamic:
        kw["dynamic_axes"] = {"input": {2: "height", 3: "width"}, "output": {2: "oh", 3: "ow"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        example = (torch.rand(1, channels, h, w),)
        if exporter == "dynamo":
            data = torch.onnx.export(net, example, dynamo=True, verbose=False, **kw).model_proto.SerializeToString()
        else:
            buf = io.BytesIO()
            torch.onnx.export(net, example, buf, dynamo=False, opset_version=opset, do_constant_folding=True, **kw)
            data = buf.getvalue()
    golden = os.path.join(path, "test_data_set_0")
    os.makedirs(golden, exist_ok=True)
    with open(os.path.join(path, "model.onnx"), "wb") as f:
        f.write(data)
    x = torch.rand(1, channels, h, w).numpy()
    y = ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    for name, value in (("input_0.pb", numpy_helper.from_array(x, "input")), ("output_0.pb", numpy_helper.from_array(y, "output"))):
        with open(os.path.join(golden, name), "wb") as f:
            f.write(value.SerializeToString())
    model = onnx.load_from_string(data)
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"{path}: {exporter}, opset {model.opset_import[0].version}, {', '.join(ops)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder to write NAME-fixed/ and NAME-dyn/ into")
    parser.add_argument("--only", default="", help="comma-separated names (default: all of " + ", ".join(NETS) + ")")
    parser.add_argument(
        "--exporter",
        choices=("torchscript", "dynamo"),
        default="torchscript",
        help="torch.onnx.export(dynamo=False) at each net's opset, or the dynamo exporter (PyTorch's default since 2.9) at its own",
    )
    parser.add_argument("--opset", type=int, help="the TorchScript exporter's opset for every net (default: each net's own)")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(NETS)
    for name in names:
        if name not in NETS:
            parser.error(f"unknown net '{name}'; known: {', '.join(NETS)}")
        make, opset, channels, dynamic = NETS[name]
        opset = args.opset or opset
        torch.manual_seed(0)
        net = make().eval()
        export(net, os.path.join(args.out, f"{name}-fixed"), opset, channels, False, 32, 32, args.exporter)
        if dynamic:
            export(net, os.path.join(args.out, f"{name}-dyn"), opset, channels, True, 24, 40, args.exporter)


if __name__ == "__main__":
    main()
