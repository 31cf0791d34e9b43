"""MambaIR v1 (light and classic variants) with optional Q-MambaIR quantizers (QMAMBAIR.md).

Parameter names follow the public MambaIR / Q-MambaIR code (see ``quant.load_qmambair_state_dict``).
Internally tokens are kept as (B, H, W, C), which is the same computation as MambaIR's (B, L, C).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import ops
from .quant import ActQuant, DlsQuant, RfaQuant

RGB_MEAN = (0.4488, 0.4371, 0.4040)


@dataclass
class Config:
    name: str = "tiny-sr2"
    style: str = "light"  # light | classic
    task: str = "sr"  # sr | denoise | car
    upscale: int = 2
    in_ch: int = 3
    channels: int = 24
    groups: int = 2
    depth: int = 2
    d_state: int = 8
    expand: float = 1.2
    bits: int | None = None  # None: full precision; else W=A=bits
    # The CAB of each block: "dw" (Q-MambaIR's light SR: 1x1, depthwise 3x3, GELU, 1x1, dilated depthwise)
    # or "conv" (MambaIR's: 3x3 C->C/ratio, GELU, 3x3); "" picks by style (light: dw/2, classic: conv/3).
    # MambaIR's own light SR model is conv/6. Left out of to_json at their defaults (committed exports).
    cab: str = ""
    cab_ratio: int = 0

    def cab_spec(self) -> tuple[str, int]:
        kind = self.cab or ("dw" if self.style == "light" else "conv")
        return kind, self.cab_ratio or (2 if kind == "dw" else 3)

    @property
    def upsampler(self) -> str:
        if self.task != "sr":
            return ""
        return "pixelshuffledirect" if self.style == "light" else "pixelshuffle"

    def to_json(self):
        d = asdict(self)
        for k in ("cab", "cab_ratio"):
            if d[k] == Config.__dataclass_fields__[k].default:
                del d[k]
        return json.dumps(d, sort_keys=True)

    @staticmethod
    def from_dict(d):
        return Config(**{k: v for k, v in d.items() if k in Config.__dataclass_fields__})


# ------------------------------------------------------------------ quantizable layers
class QConv2d(nn.Conv2d):
    """Conv2d whose input passes ActQuant and whose weight passes RfaQuant when bits is set. The
    conv zero-pads the *dequantized* input (QMAMBAIR.md 2.4 pitfall)."""

    def __init__(self, *args, bits=None, **kw):
        super().__init__(*args, **kw)
        self.bits = bits
        if bits:
            self.conv_act_quant = ActQuant(bits)
            self.conv_weight_quant = RfaQuant(bits)

    def forward(self, x):
        if not self.bits:
            return super().forward(x)
        return self._conv_forward(self.conv_act_quant(x), self.conv_weight_quant(self.weight), self.bias)


class QLinear(nn.Linear):
    def __init__(self, in_f, out_f, bias=False, bits=None, act="act"):
        super().__init__(in_f, out_f, bias=bias)
        self.bits = bits
        if bits:
            self.linear_act_quant = ActQuant(bits) if act == "act" else DlsQuant(bits)
            self.linear_weight_quant = RfaQuant(bits)

    def forward(self, x):
        if not self.bits:
            return super().forward(x)
        return F.linear(self.linear_act_quant(x), self.linear_weight_quant(self.weight), self.bias)


# ------------------------------------------------------------------ blocks
class ChannelAttention(nn.Module):
    def __init__(self, c, squeeze=30):
        super().__init__()
        m = max(1, c // squeeze)
        self.attention = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, m, 1), nn.ReLU(inplace=True),
                                       nn.Conv2d(m, c, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.attention(x)


class CAB(nn.Module):
    def __init__(self, c, cab: tuple[str, int], bits=None):
        super().__init__()
        kind, ratio = cab
        if kind == "dw":
            h = c // ratio
            self.cab = nn.Sequential(
                QConv2d(c, h, 1, bits=bits),
                QConv2d(h, h, 3, 1, 1, groups=h, bits=bits),
                nn.GELU(),
                QConv2d(h, c, 1, bits=bits),
                QConv2d(c, c, 3, 1, 2, dilation=2, groups=c, bits=bits),
                ChannelAttention(c, 30),
            )
        elif kind == "conv":
            h = c // ratio
            self.cab = nn.Sequential(
                QConv2d(c, h, 3, 1, 1, bits=bits),
                nn.GELU(),
                QConv2d(h, c, 3, 1, 1, bits=bits),
                ChannelAttention(c, 30),
            )
        else:
            raise ValueError(f"CAB kind {kind!r}: expected 'dw' or 'conv'")

    def forward(self, x):
        return self.cab(x)


class SS2D(nn.Module):
    def __init__(self, d_model, d_state=16, expand=2.0, bits=None, dt_min=0.001, dt_max=0.1,
                 dt_init_floor=1e-4):
        super().__init__()
        self.d_model, self.d_state = d_model, d_state
        self.d_inner = E = int(expand * d_model)
        self.dt_rank = R = math.ceil(d_model / 16)
        K = 4
        self.bits = bits
        self.in_proj = QLinear(d_model, 2 * E, bias=False, bits=bits, act="act")
        self.conv2d = QConv2d(E, E, 3, 1, 1, groups=E, bias=True, bits=bits)
        xw = torch.empty(K, R + 2 * d_state, E).uniform_(-1 / math.sqrt(E), 1 / math.sqrt(E))
        self.x_proj_weight = nn.Parameter(xw)
        std = R ** -0.5
        self.dt_projs_weight = nn.Parameter(torch.empty(K, E, R).uniform_(-std, std))
        dt = torch.exp(torch.rand(K, E) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        dt = torch.clamp(dt, min=dt_init_floor)
        self.dt_projs_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))
        A = torch.arange(1, d_state + 1, dtype=torch.float32).repeat(K * E, 1)
        self.A_logs = nn.Parameter(torch.log(A))
        self.Ds = nn.Parameter(torch.ones(K * E))
        self.out_norm = nn.LayerNorm(E)
        self.out_proj = QLinear(E, d_model, bias=False, bits=bits, act="dls")
        if bits:
            self.x_proj_act_q = ActQuant(bits)
            self.x_proj_weight_q = RfaQuant(bits)
            self.dt_proj_act_q = ActQuant(bits)
            self.dt_proj_weight_q = RfaQuant(bits)
            for n in ("xs_q", "dts_q", "As_q", "Bs_q", "Cs_q", "Ds_q", "dt_projs_bias_q"):
                setattr(self, n, DlsQuant(bits))

    def forward(self, x):  # x: (B, H, W, C)
        Bsz, H, W, _ = x.shape
        E, N, R, q = self.d_inner, self.d_state, self.dt_rank, self.bits
        xz = self.in_proj(x)
        xi, z = xz.chunk(2, dim=-1)
        xi = F.silu(self.conv2d(xi.permute(0, 3, 1, 2).contiguous()))
        xs = ops.cross_scan_d(xi)  # (B, 4, E, L)
        wx = self.x_proj_weight_q(self.x_proj_weight) if q else self.x_proj_weight
        x_dbl = torch.matmul(wx, self.x_proj_act_q(xs) if q else xs)  # (B, 4, R+2N, L)
        dts, Bs, Cs = torch.split(x_dbl, [R, N, N], dim=2)
        wdt = self.dt_proj_weight_q(self.dt_projs_weight) if q else self.dt_projs_weight
        dts = torch.matmul(wdt, self.dt_proj_act_q(dts) if q else dts)  # (B, 4, E, L)
        u = xs.reshape(Bsz, 4 * E, -1)
        delta = dts.reshape(Bsz, 4 * E, -1)
        if ops.mode() == "torch":
            A = -torch.exp(self.A_logs.float())
        else:  # export: A enters the graph as a constant (the exporter does not fold Exp/Neg of weights)
            A = ops.untraced(lambda: -torch.exp(self.A_logs.float()))
        D = self.Ds.float()
        db = self.dt_projs_bias.float().reshape(-1)
        Bs = Bs.contiguous()
        Cs = Cs.contiguous()
        if q:
            u, delta = self.xs_q(u), self.dts_q(delta)
            Bs, Cs = self.Bs_q(Bs), self.Cs_q(Cs)
            if ops.mode() == "std":  # constant tensors: DlsQuant pre-applied in the standard form
                A, D, db = ops.untraced(lambda: (self.As_q(A), self.Ds_q(D), self.dt_projs_bias_q(db)))
            else:
                A, D, db = self.As_q(A), self.Ds_q(D), self.dt_projs_bias_q(db)
        y = ops.selective_scan_d(u, delta, A, Bs, Cs, D, db).reshape(Bsz, 4, E, -1)
        y = ops.cross_merge_d(y, xi)  # (B, E, L)
        y = y.transpose(1, 2).reshape(Bsz, H, W, E)
        y = self.out_norm(y) * F.silu(z)
        return self.out_proj(y)


class VSSBlock(nn.Module):
    def __init__(self, c, d_state, expand, cab, bits=None):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c)
        self.self_attention = SS2D(c, d_state, expand, bits=bits)
        self.skip_scale = nn.Parameter(torch.ones(c))
        self.conv_blk = CAB(c, cab, bits=bits)
        self.ln_2 = nn.LayerNorm(c)
        self.skip_scale2 = nn.Parameter(torch.ones(c))

    def forward(self, x):  # (B, H, W, C)
        x = x * self.skip_scale + self.self_attention(self.ln_1(x))
        c = self.conv_blk(self.ln_2(x).permute(0, 3, 1, 2).contiguous()).permute(0, 2, 3, 1)
        return x * self.skip_scale2 + c


class BasicLayer(nn.Module):
    def __init__(self, c, depth, d_state, expand, cab, bits=None):
        super().__init__()
        self.blocks = nn.ModuleList([VSSBlock(c, d_state, expand, cab, bits) for _ in range(depth)])

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x


class ResidualGroup(nn.Module):
    def __init__(self, c, depth, d_state, expand, cab, bits=None):
        super().__init__()
        self.residual_group = BasicLayer(c, depth, d_state, expand, cab, bits)
        self.conv = QConv2d(c, c, 3, 1, 1, bits=bits)

    def forward(self, x):  # (B, H, W, C)
        y = self.residual_group(x).permute(0, 3, 1, 2).contiguous()
        return self.conv(y).permute(0, 2, 3, 1) + x


class PatchEmbedNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.LayerNorm(c)

    def forward(self, x):
        return self.norm(x)


class MambaIR(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        c, bits = cfg.channels, cfg.bits
        cab = cfg.cab_spec()
        mean = RGB_MEAN if cfg.in_ch == 3 else (0.0,) * cfg.in_ch
        self.register_buffer("mean", torch.tensor(mean).view(1, cfg.in_ch, 1, 1))
        self.conv_first = nn.Conv2d(cfg.in_ch, c, 3, 1, 1)
        self.patch_embed = PatchEmbedNorm(c)
        self.layers = nn.ModuleList(
            [ResidualGroup(c, cfg.depth, cfg.d_state, cfg.expand, cab, bits) for _ in range(cfg.groups)])
        self.norm = nn.LayerNorm(c)
        self.conv_after_body = nn.Conv2d(c, c, 3, 1, 1)
        s = cfg.upscale
        if cfg.upsampler == "pixelshuffledirect":
            self.upsample = nn.Sequential(nn.Conv2d(c, cfg.in_ch * s * s, 3, 1, 1), nn.PixelShuffle(s))
        elif cfg.upsampler == "pixelshuffle":
            self.conv_before_upsample = nn.Sequential(nn.Conv2d(c, 64, 3, 1, 1), nn.LeakyReLU(0.01, inplace=True))
            m = []
            if s in (2, 4):
                for _ in range(int(math.log2(s))):
                    m += [nn.Conv2d(64, 256, 3, 1, 1), nn.PixelShuffle(2)]
            elif s == 3:
                m += [nn.Conv2d(64, 576, 3, 1, 1), nn.PixelShuffle(3)]
            elif s != 1:
                raise ValueError(f"upscale {s}")
            self.upsample = nn.Sequential(*m)
            self.conv_last = nn.Conv2d(64, cfg.in_ch, 3, 1, 1)
        else:
            self.conv_last = nn.Conv2d(c, cfg.in_ch, 3, 1, 1)

    def forward(self, x):
        x = x - self.mean
        f0 = self.conv_first(x)
        t = self.patch_embed(f0.permute(0, 2, 3, 1))
        for layer in self.layers:
            t = layer(t)
        t = self.norm(t).permute(0, 3, 1, 2)
        feat = self.conv_after_body(t) + f0
        up = self.cfg.upsampler
        if up == "pixelshuffledirect":
            out = self.upsample(feat)
        elif up == "pixelshuffle":
            out = self.conv_last(self.upsample(self.conv_before_upsample(feat)))
        else:
            out = x + self.conv_last(feat)
        return out + self.mean


PRESETS = {
    "tiny-sr2": dict(style="light", task="sr", upscale=2, in_ch=3, channels=24, groups=2, depth=2, d_state=8,
                     expand=1.2),
    "tiny-dn25": dict(style="light", task="denoise", upscale=1, in_ch=3, channels=24, groups=2, depth=2,
                      d_state=8, expand=1.2),
    "tiny-car10": dict(style="light", task="car", upscale=1, in_ch=1, channels=24, groups=2, depth=2,
                       d_state=8, expand=1.2),
    "light-sr2": dict(style="light", task="sr", upscale=2, in_ch=3, channels=60, groups=4, depth=6, d_state=10,
                      expand=1.2),
}


def scale_residual_branches(net: "MambaIR", factor: float) -> int:
    """Residual-branch-scaled initialisation (as in Fixup / SkipInit / ReZero): multiply the weights (and
    bias) of the layer that ends each residual branch of every VSSBlock -- the SS2D ``out_proj`` and the
    CAB's last conv -- and of every ResidualGroup (its tail conv) by ``factor``. With MambaIR's own initialisation every untrained branch adds an
    O(1) update, and over many blocks a one-code flip in a whole-tensor DlsQuant statistic is amplified
    chaotically; a small factor keeps the untrained network well-conditioned (a trained one learns its
    own scales). Returns the number of layers scaled."""
    n = 0
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, VSSBlock):
                m.self_attention.out_proj.weight.mul_(factor)
                last = [l for l in m.conv_blk.cab if isinstance(l, nn.Conv2d)][-1]
                last.weight.mul_(factor)
                if last.bias is not None:
                    last.bias.mul_(factor)
                n += 2
            elif isinstance(m, ResidualGroup):  # the group-level residual branch ends in its tail conv
                m.conv.weight.mul_(factor)
                if m.conv.bias is not None:
                    m.conv.bias.mul_(factor)
                n += 1
    return n


def make_config(preset: str, bits=None, **over) -> Config:
    d = dict(PRESETS[preset])
    d.update(over)
    return Config(name=preset, bits=bits, **d)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for n, p in model.named_parameters() if "quant" not in n and not n.endswith("_q")
               and "_q." not in n)
