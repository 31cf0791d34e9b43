"""Q-MambaIR quantizer modules (QMAMBAIR.md section 2) with their training behaviour.

State-dict names follow the public Q-MambaIR code: ActQuant/RfaQuant hold ``alpha``, ``beta``
(RfaQuant also ``a``), DlsQuant holds ``weight1..weight4`` and ``weight21..weight24``; all hold the
buffers ``init_state`` (0 until the first training batch initialised them) and ``signed`` (set from
the first batch, min < -1e-5, then frozen).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from . import ops


class _QBase(nn.Module):
    def __init__(self, bits: int):
        super().__init__()
        self.bits = int(bits)
        self.register_buffer("init_state", torch.zeros(()))
        self.register_buffer("signed", torch.zeros(()))

    def is_signed(self) -> bool:
        return bool(self.signed.item() > 0.5)

    def _needs_init(self) -> bool:
        return self.training and self.init_state.item() == 0

    def extra_repr(self):
        return f"bits={self.bits}, signed={self.is_signed()}, init={int(self.init_state.item())}"


class ActQuant(_QBase):
    """Static LSQ+-style activation quantizer: y = round(clip((x+beta)/alpha, Qn, Qp))*alpha - beta."""

    def __init__(self, bits: int):
        super().__init__(bits)
        self.alpha = nn.Parameter(torch.tensor(1.0))
        self.beta = nn.Parameter(torch.tensor(0.0))

    @torch.no_grad()
    def initialise(self, x):
        signed = bool(x.min().item() < -1e-5)
        self.signed.fill_(1.0 if signed else 0.0)
        qn, qp = ops.qrange(self.bits, signed)
        mu, sd = x.mean(), x.std()
        lo = torch.maximum(x.min(), mu - 3 * sd)
        hi = torch.minimum(x.max(), mu + 3 * sd)
        alpha = torch.clamp((hi - lo) / (qp - qn), min=1e-4)
        self.alpha.fill_(alpha.item())
        self.beta.fill_((qn * alpha - lo).item())
        self.init_state.fill_(1.0)

    def forward(self, x):
        if self._needs_init():
            self.initialise(x.detach())
        return ops.act_quant_d(x, self.alpha, self.beta, self.bits, self.is_signed())


class DlsQuant(_QBase):
    """Dynamic activation quantizer (DLS): scale and offset from per-call statistics."""

    def __init__(self, bits: int):
        super().__init__(bits)
        for n in ("weight1", "weight2", "weight3", "weight4", "weight21", "weight22", "weight23", "weight24"):
            setattr(self, n, nn.Parameter(torch.tensor(0.0)))

    def w(self):
        return torch.stack([self.weight1, self.weight2, self.weight3, self.weight4,
                            self.weight21, self.weight22, self.weight23, self.weight24])

    @torch.no_grad()
    def initialise(self, x):
        signed = bool(x.min().item() < -1e-5)
        self.signed.fill_(1.0 if signed else 0.0)
        _, qp = ops.qrange(self.bits, signed)
        for p in (self.weight1, self.weight2, self.weight3, self.weight4,
                  self.weight21, self.weight22, self.weight23, self.weight24):
            p.fill_(0.0)
        if signed:  # the paper's start: beta = -mean, alpha = 3*std/Qp
            self.weight21.fill_(-1.0)
            self.weight2.fill_(3.0 / qp)
        else:  # unsigned grid starting at 0: beta = -min, alpha = (max-min)/Qp (then capped)
            self.weight23.fill_(-1.0)
            self.weight4.fill_(1.0 / qp)
        self.init_state.fill_(1.0)

    def forward(self, x):
        if self._needs_init():
            self.initialise(x.detach())
        return ops.dls_quant_d(x, self.w(), self.bits, self.is_signed())


class RfaQuant(_QBase):
    """Weight quantizer with learnable allocation points ``a`` (RFA). Forward: hard thresholds at the
    midpoints of ``a``; backward: derivative of the piecewise-linear curve through (a_i, L_i), which
    trains ``a`` (and passes straight through at initialisation, where it is the identity)."""

    def __init__(self, bits: int):
        super().__init__(bits)
        qn, qp = ops.qrange(bits, True)
        self.alpha = nn.Parameter(torch.tensor(1.0))
        self.beta = nn.Parameter(torch.tensor(0.0))
        self.a = nn.Parameter(torch.arange(qn, qp + 1, dtype=torch.float32))

    @torch.no_grad()
    def initialise(self, w):
        self.signed.fill_(1.0)
        _, qp = ops.qrange(self.bits, True)
        self.alpha.fill_(max(2.0 * w.abs().mean().item() / math.sqrt(qp), 1e-6))
        self.beta.fill_(0.0)
        qn, qp = ops.qrange(self.bits, True)
        self.a.copy_(torch.arange(qn, qp + 1, dtype=torch.float32))
        self.init_state.fill_(1.0)

    @torch.no_grad()
    def sanitize(self):
        """Keep the allocation points ordered (called after optimiser steps)."""
        self.a.copy_(torch.sort(self.a).values)

    def forward(self, w):
        if self._needs_init():
            self.initialise(w.detach())
        return ops.rfa_quant_d(w, self.alpha, self.beta, self.a, self.bits)


def quantizers(model: nn.Module):
    return [m for m in model.modules() if isinstance(m, _QBase)]


def load_qmambair_state_dict(model: nn.Module, sd: dict, strict: bool = True):
    """Load a state dict that uses the public (Q-)MambaIR names. Scalars stored as shape (1,) (as the
    public code does) are reshaped to this module's 0-d parameters; ``init_state``/``signed`` are
    accepted as float, bool or int tensors."""
    own = model.state_dict()
    fixed = {}
    for k, v in sd.items():
        if k in own and isinstance(v, torch.Tensor):
            t = own[k]
            if v.shape != t.shape and v.numel() == t.numel():
                v = v.reshape(t.shape)
            fixed[k] = v.to(t.dtype)
        else:
            fixed[k] = v
    res = model.load_state_dict(fixed, strict=strict)
    return res
