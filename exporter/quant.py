"""Q-MambaIR quantizer modules (QMAMBAIR.md section 2) with their training behaviour.

State-dict names follow the public Q-MambaIR code: ActQuant/RfaQuant hold ``alpha``, ``beta``
(RfaQuant also ``a``), DlsQuant holds ``weight1..weight4`` and ``weight21..weight24``; all hold the
buffers ``init_state`` (0 until the first training batch initialised them) and ``signed`` (set from
the first batch, min < -1e-5, then frozen).

Two first-batch initialisations exist: this exporter's own (``initialise``, used to train the sample
models) and the official Q-MambaIR code's (``initialise_official``, chosen per quantizer by
``use_official_init``; exporter/QUANTIZER-SEMANTICS.md states both).
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

    official_init = False  # set per instance by use_official_init

    def is_signed(self) -> bool:
        return bool(self.signed.item() > 0.5)

    def _maybe_init(self, x):
        """First training batch: initialise (only a quantizer whose init_state is still 0)."""
        if self.training and self.init_state.item() == 0:
            (self.initialise_official if self.official_init else self.initialise)(x.detach())

    @staticmethod
    def _official_signed(x) -> bool:
        return bool(x.min().item() < -1e-5)

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

    @torch.no_grad()
    def initialise_official(self, x):
        """Official: signed from min(x + beta); alpha = 2 mean|x + beta| / sqrt(Qp); beta kept."""
        xb = x + self.beta
        signed = self._official_signed(xb)
        self.signed.fill_(1.0 if signed else 0.0)
        _, qp = ops.qrange(self.bits, signed)
        self.alpha.fill_((2.0 * xb.abs().mean() / math.sqrt(qp)).item())
        self.init_state.fill_(1.0)

    def forward(self, x):
        self._maybe_init(x)
        return ops.act_quant_d(x, self.alpha, self.beta, self.bits, self.is_signed())


class DlsQuant(_QBase):
    """Dynamic activation quantizer (DLS): scale and offset from per-call statistics."""

    def __init__(self, bits: int):
        super().__init__(bits)
        for n in ("weight1", "weight2", "weight3", "weight4", "weight21", "weight22", "weight23", "weight24"):
            setattr(self, n, nn.Parameter(torch.tensor(0.0)))

    def w(self):
        return torch.stack(self.w_params())

    @torch.no_grad()
    def initialise(self, x):
        signed = bool(x.min().item() < -1e-5)
        self.signed.fill_(1.0 if signed else 0.0)
        _, qp = ops.qrange(self.bits, signed)
        for p in self.w_params():
            p.fill_(0.0)
        if signed:  # the paper's start: beta = -mean, alpha = 3*std/Qp
            self.weight21.fill_(-1.0)
            self.weight2.fill_(3.0 / qp)
        else:  # unsigned grid starting at 0: beta = -min, alpha = (max-min)/Qp (then capped)
            self.weight23.fill_(-1.0)
            self.weight4.fill_(1.0 / qp)
        self.init_state.fill_(1.0)

    @torch.no_grad()
    def initialise_official(self, x):
        """Official: only the signed flag comes from the batch; the eight weights are the official
        constructor's (w1 = 1/(2^(b-1)-1), w2 = 3/(2^(b-1)-1), w21 = -1, the others 0), whatever the flag."""
        self.signed.fill_(1.0 if self._official_signed(x) else 0.0)
        q = 2 ** (self.bits - 1) - 1
        for p, v in zip(self.w_params(), (1.0 / q, 3.0 / q, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0)):
            p.fill_(v)
        self.init_state.fill_(1.0)

    def w_params(self):
        return (self.weight1, self.weight2, self.weight3, self.weight4,
                self.weight21, self.weight22, self.weight23, self.weight24)

    def forward(self, x):
        self._maybe_init(x)
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
    def initialise_official(self, w):
        """Official: signed from min(w + beta); alpha = 2 mean|w + beta| / sqrt(Qp) and a = [Qn..Qp], both
        of that range (an unsigned weight gets a = [0..2^b-1])."""
        wb = w + self.beta
        signed = self._official_signed(wb)
        self.signed.fill_(1.0 if signed else 0.0)
        qn, qp = ops.qrange(self.bits, signed)
        self.alpha.fill_((2.0 * wb.abs().mean() / math.sqrt(qp)).item())
        self.a.copy_(torch.arange(qn, qp + 1, dtype=torch.float32))
        self.init_state.fill_(1.0)

    def unsigned_quant(self, w):
        """The official code's RFA with signed = 0: u is clipped to the unsigned range [0, 2^b-1] but
        the output levels stay the signed grid L_k = k - 2^(b-1). Inference only (no gradient)."""
        qp = 2 ** self.bits - 1
        u = torch.clamp((w + self.beta) / self.alpha, 0, qp)
        t = (self.a[:-1] + self.a[1:]) * 0.5
        idx = torch.arange(1, qp + 1, dtype=w.dtype, device=w.device)
        k = ((u.unsqueeze(-1) > t).to(w.dtype) * idx).amax(-1)
        return (k - float(2 ** (self.bits - 1))) * self.alpha - self.beta

    @torch.no_grad()
    def sanitize(self):
        """Keep the allocation points ordered (called after optimiser steps)."""
        self.a.copy_(torch.sort(self.a).values)

    def forward(self, w):
        self._maybe_init(w)
        if self.is_signed():
            return ops.rfa_quant_d(w, self.alpha, self.beta, self.a, self.bits)
        if ops.mode() == "torch":
            return self.unsigned_quant(w)
        # Exported graphs know only the signed RfaQuant: give it the official unsigned result w_hat as its
        # weight and the plain grid a = [Qn..Qp]. (w_hat + beta)/alpha is L_k to float rounding, far from
        # the half-integer thresholds, so it re-encodes to the same codes and the same w_hat.
        qn, qp = ops.qrange(self.bits, True)
        w_hat, grid = ops.untraced(lambda: (self.unsigned_quant(w), torch.arange(qn, qp + 1, dtype=w.dtype)))
        return ops.rfa_quant_d(w_hat, self.alpha, self.beta, grid, self.bits)


def quantizers(model: nn.Module):
    return [m for m in model.modules() if isinstance(m, _QBase)]


def named_quantizers(model: nn.Module):
    return [(n, m) for n, m in model.named_modules() if isinstance(m, _QBase)]


def use_official_init(model: nn.Module):
    """Quantizers still at init_state 0 will initialise as the official Q-MambaIR code does."""
    for q in quantizers(model):
        q.official_init = True


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
