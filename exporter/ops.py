"""Functional forms of the Q-MambaIR quantizers and the SS2D scan (QMAMBAIR.md sections 1-2).

Each operation exists in three forms that share one definition:
  * the plain torch function (training, evaluation, and the *standard-ops* ONNX export, where the
    legacy TorchScript exporter turns it into Round/Clip/Reduce*/CumSum/... nodes);
  * an autograd.Function with a ``symbolic`` that emits the ``ai.qmambair`` custom op (the *compact*
    ONNX export read by qmc);
  * a slow reference (``*_ref``) used only by the tests.
Which form ``dispatch`` picks is set by the ``export_mode`` context manager.
"""
from __future__ import annotations

import contextlib
import math

import torch
import torch.nn.functional as F

DOMAIN = "ai.qmambair"

_MODE = {"mode": "torch"}  # "torch" | "compact" | "std"


@contextlib.contextmanager
def export_mode(mode: str):
    assert mode in ("torch", "compact", "std")
    old = _MODE["mode"]
    _MODE["mode"] = mode
    try:
        yield
    finally:
        _MODE["mode"] = old


def mode() -> str:
    return _MODE["mode"]


def untraced(fn):
    """Evaluate ``fn`` eagerly even while the ONNX tracer runs: its result enters the trace as a
    constant (an initializer). Used to pre-apply weight quantizers in the standard-ops form."""
    state = torch._C._get_tracing_state()
    if state is None:
        with torch.no_grad():
            return fn()
    torch._C._set_tracing_state(None)
    try:
        with torch.no_grad():
            out = fn()
    finally:
        torch._C._set_tracing_state(state)
    return out


def qrange(bits: int, signed: bool) -> tuple[int, int]:
    if signed:
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """round-half-to-even forward, identity backward (straight-through)."""
    if torch.is_grad_enabled() and x.requires_grad:
        return x + (torch.round(x) - x).detach()
    return torch.round(x)


def _numel(x: torch.Tensor) -> torch.Tensor:
    if torch.jit.is_tracing():
        return torch._shape_as_tensor(x).prod().to(x.dtype)
    return torch.tensor(float(x.numel()), dtype=x.dtype, device=x.device)


# ---------------------------------------------------------------- ActQuant (2.1)
def act_quant(x, alpha, beta, bits: int, signed: bool):
    qn, qp = qrange(bits, signed)
    return round_ste(torch.clamp((x + beta) / alpha, qn, qp)) * alpha - beta


# ---------------------------------------------------------------- DlsQuant (2.2)
def dls_stats(x):
    n = _numel(x)
    mu = x.mean()
    d = x - mu
    sd = torch.sqrt((d * d).sum() / (n - 1.0))
    return mu, sd, x.min(), x.max()


def dls_params(x, w, bits: int):
    """Returns (alpha, beta, alpha_div, m, M). ``alpha_div`` is the divisor actually used: alpha, or
    1 where alpha == 0 (constant tensor, M == m). With M == m the final clip maps every element to m,
    which equals x, so the guard gives the exact identity and never NaN."""
    mu, sd, m, M = dls_stats(x)
    beta = w[4] * mu + w[5] * sd + w[6] * m + w[7] * M
    a_raw = torch.abs(w[0] * torch.abs(mu + beta) + w[1] * sd + w[2] * (m + beta) + w[3] * (M + beta))
    alpha = torch.minimum(torch.clamp(a_raw, min=1e-6), (M - m) / float(2 ** bits))
    alpha_div = torch.where(alpha > 0, alpha, torch.ones_like(alpha))
    return alpha, beta, alpha_div, m, M


def dls_quant(x, w, bits: int, signed: bool):
    qn, qp = qrange(bits, signed)
    alpha, beta, alpha_div, m, M = dls_params(x, w, bits)
    q = round_ste(torch.clamp((x + beta) / alpha_div, qn, qp))
    return torch.clamp(q * alpha - beta, m, M)


# ---------------------------------------------------------------- RfaQuant (2.3)
def rfa_codes(w, alpha, beta, a, bits: int):
    """Integer codes q (as float) of RFA: largest i with u > t_i, minus 2^(b-1)."""
    qn, qp = qrange(bits, True)
    u = torch.clamp((w + beta) / alpha, qn, qp)
    t = (a[:-1] + a[1:]) * 0.5
    idx = torch.arange(1, 2 ** bits, dtype=w.dtype, device=w.device)
    gt = (u.unsqueeze(-1) > t).to(w.dtype)
    k = (gt * idx).amax(-1)
    return k - float(2 ** (bits - 1)), u


def rfa_soft(u, a, bits: int):
    """Piecewise-linear surrogate through the knots (a_i, L_i); identity at a = [Qn..Qp]. Its
    derivative is the training backward of RFA (for u and for the allocation points a)."""
    qn = -(2 ** (bits - 1))
    uu = u.unsqueeze(-1)
    lo, hi = a[:-1], a[1:]
    width = torch.clamp(hi - lo, min=1e-2)
    seg = torch.clamp((uu - lo) / width, 0.0, 1.0).sum(-1)
    return qn + seg + torch.clamp(u - a[0], max=0.0) + torch.clamp(u - a[-1], min=0.0)


def rfa_quant(w, alpha, beta, a, bits: int):
    q, u = rfa_codes(w, alpha, beta, a, bits)
    if torch.is_grad_enabled() and (w.requires_grad or a.requires_grad or alpha.requires_grad):
        s = rfa_soft(u, a, bits)
        q = s + (q - s).detach()
    return q * alpha - beta


# ---------------------------------------------------------------- SS2D scan orders (1)
def cross_scan(x):
    """(B,E,H,W) -> (B,4,E,L): row-major, column-major, and both reversed."""
    B, E, H, W = x.shape
    x0 = x.reshape(B, E, -1)
    x1 = x.transpose(2, 3).reshape(B, E, -1)
    x01 = torch.stack([x0, x1], dim=1)
    return torch.cat([x01, torch.flip(x01, dims=[-1])], dim=1)


def cross_merge(y, x_like):
    """(B,4,E,L) -> (B,E,L), undoing each direction's order; summed in MambaIR's order."""
    B, K, E, L = y.shape
    H, W = x_like.shape[-2], x_like.shape[-1]
    inv = torch.flip(y[:, 2:4], dims=[-1])
    wh = y[:, 1].reshape(B, E, W, H).transpose(2, 3).reshape(B, E, -1)
    invwh = inv[:, 1].reshape(B, E, W, H).transpose(2, 3).reshape(B, E, -1)
    return y[:, 0] + inv[:, 0] + wh + invwh


# ---------------------------------------------------------------- SelectiveScan
def softplus(v):
    return torch.where(v > 20.0, v, torch.log1p(torch.exp(torch.clamp(v, max=20.0))))


def selective_scan_ref(u, delta, A, Bm, Cm, D, delta_bias, delta_softplus=True):
    """Plain sequential recurrence of QMAMBAIR.md section 1 (float32). Slow: tests only."""
    Bsz, GE, L = u.shape
    G = Bm.shape[1]
    E = GE // G
    N = A.shape[1]
    dt = delta + delta_bias[None, :, None]
    if delta_softplus:
        dt = softplus(dt)
    Bx = Bm.repeat_interleave(E, dim=1)  # (B, GE, N, L)
    Cx = Cm.repeat_interleave(E, dim=1)
    h = torch.zeros(Bsz, GE, N, dtype=u.dtype, device=u.device)
    ys = []
    for t in range(L):
        h = torch.exp(dt[:, :, t, None] * A[None]) * h + dt[:, :, t, None] * Bx[:, :, :, t] * u[:, :, t, None]
        ys.append((Cx[:, :, :, t] * h).sum(-1) + D[None] * u[:, :, t])
    return torch.stack(ys, dim=-1)


def _shift(x, s: int, fill: float):
    """Shift right by s along the last axis, filling with ``fill`` (same length, any s). Exports as a
    static Pad + Slice."""
    return F.pad(x, (s, 0), value=fill)[..., :-s]


def _hs_scan(a, b, steps: int):
    """Inclusive Hillis-Steele scan of h_t = a_t h_{t-1} + b_t along the last axis (h_{-1} = 0),
    ``steps`` doubling rounds. Every multiplier is a product of values in [0, 1]: no overflow."""
    s = 1
    for _ in range(steps):
        b = b + a * _shift(b, s, 0.0)
        a = a * _shift(a, s, 1.0)
        s *= 2
    return a, b


def selective_scan_chunked(u, delta, A, Bm, Cm, D, delta_bias, delta_softplus=True,
                           chunk: int = 16, max_len: int = 1 << 20, block: int | None = None):
    """Fast parallel form of the same recurrence, in standard tensor ops only.

    L is padded to a multiple of ``chunk`` (a power of two) with identity steps (dt = 0, input 0).
    Inside each chunk: Hillis-Steele scan over log2(chunk) rounds (multipliers exp(dt*A) <= 1).
    Across chunks: the chunk-final states are combined by a second Hillis-Steele scan whose number of
    rounds is fixed for sequences up to ``max_len`` when traced (exact count when eager). Only
    non-positive exponents are ever formed and no division happens, so no intermediate can overflow
    (unlike the divide-by-exp(cumsum) chunked form).

    ``block`` (eager only): process L in blocks of this many steps carrying the state (bounded memory
    for large images; same math)."""
    if block is not None and not torch.jit.is_tracing() and u.shape[-1] > block:
        return _scan_blocked(u, delta, A, Bm, Cm, D, delta_bias, delta_softplus, chunk, block)
    y, _ = _scan_core(u, delta, A, Bm, Cm, D, delta_bias, delta_softplus, chunk, max_len, None)
    return y


def _within_doubling(dA, b0, chunk, to_chunks):
    """Within each chunk: a Hillis-Steele scan of the multipliers exp(dt*A) <= 1 (never overflows).
    ``dA`` is (B,G,E,N,Lp); ``to_chunks`` reshapes such a value to (B,G,E,N,Lp/chunk,chunk) like b0."""
    assert chunk & (chunk - 1) == 0, f"the doubling scan's chunk ({chunk}) must be a power of two"
    return _hs_scan(to_chunks(torch.exp(dA)), b0, int(math.log2(chunk)))


def _within_closed(dA, b0, chunk, to_chunks):
    """Within each chunk, the closed form people write: with S = cumsum(dt*A),
    h_t = exp(S_t) * cumsum(exp(-S) * dt*B*u)_t. exp(-S) overflows to inf once the chunk's total decay
    passes e^88 (and exp(S) underflows to 0 there: inf * 0 = NaN). Returns the decay from the chunk's
    start exp(S) and the states from a zero state at the chunk's start, as ``_within_doubling``."""
    S = torch.cumsum(to_chunks(dA), dim=-1)
    a = torch.exp(S)
    return a, a * torch.cumsum(torch.exp(-S) * b0, dim=-1)


def selective_scan_closed(u, delta, A, Bm, Cm, D, delta_bias, delta_softplus=True,
                          chunk: int = 64, max_len: int = 1 << 20):
    """The chunked closed form: inside each chunk the CumSum closed form (``_within_closed``), across
    chunks the doubling scan of ``selective_scan_chunked``. Same recurrence; overflows (NaN) where a
    chunk's decay passes e^88, which is what makes it the form to test a compiler's recognition on."""
    y, _ = _scan_core(u, delta, A, Bm, Cm, D, delta_bias, delta_softplus, chunk, max_len, None,
                      within=_within_closed)
    return y


def _scan_core(u, delta, A, Bm, Cm, D, delta_bias, delta_softplus, chunk, max_len, h0,
               within=_within_doubling):
    # static sizes (model constants; batch is fixed at export) as Python ints: fewer shape ops
    Bsz, GE, G, N = int(u.shape[0]), int(u.shape[1]), int(Bm.shape[1]), int(A.shape[1])
    E = GE // G
    tracing = torch.jit.is_tracing()
    dt = delta + delta_bias.reshape(1, GE, 1)
    if delta_softplus:
        dt = F.softplus(dt) if tracing else softplus(dt)
    Lt = u.shape[-1]
    nc = (Lt + (chunk - 1)) // chunk
    Lp = nc * chunk
    # pad to Lp with identity steps (dt = 0 -> a = 1, b = 0)
    dtp = F.pad(dt, (0, chunk))[..., :Lp]
    up = F.pad(u, (0, chunk))[..., :Lp]
    Bp = F.pad(Bm, (0, chunk))[..., :Lp]
    dA = dtp.reshape(Bsz, G, E, 1, -1) * A.reshape(1, G, E, N, 1)  # (B,G,E,N,Lp), <= 0
    def to_chunks(v):
        return v.reshape(Bsz, G, E, N, -1, chunk)

    b = to_chunks((dtp * up).reshape(Bsz, G, E, 1, -1) * Bp.reshape(Bsz, G, 1, N, -1))
    a, b = within(dA, b, chunk, to_chunks)
    ac = a[..., -1]  # (B,G,E,N,nc) decay over a whole chunk
    bc = b[..., -1]  # state at chunk end, from a zero state at chunk start
    if h0 is not None:  # carried state enters the first chunk
        bc = torch.cat([bc[..., :1] + ac[..., :1] * h0.unsqueeze(-1), bc[..., 1:]], dim=-1)
    if tracing:
        steps = max(1, math.ceil(math.log2(max(2, max_len // chunk))))
    else:
        steps = max(1, math.ceil(math.log2(max(2, int(nc)))))
    _, Hc = _hs_scan(ac, bc, steps)
    Hprev = _shift(Hc, 1, 0.0)
    if h0 is not None:
        Hprev = torch.cat([h0.unsqueeze(-1), Hprev[..., 1:]], dim=-1)
    h = a * Hprev.unsqueeze(-1) + b  # (B,G,E,N,nc,chunk)
    h = h.reshape(Bsz, G, E, N, -1)[..., :Lt]
    y = (h * Cm.reshape(Bsz, G, 1, N, -1)).sum(3).reshape(Bsz, GE, -1)
    y = y + D.reshape(1, GE, 1) * u
    return y, Hc[..., -1]


def _scan_blocked(u, delta, A, Bm, Cm, D, delta_bias, delta_softplus, chunk, block):
    L = u.shape[-1]
    ys = []
    h = None
    for s in range(0, L, block):
        e = min(L, s + block)
        y, hl = _scan_core(u[..., s:e], delta[..., s:e], A, Bm[..., s:e], Cm[..., s:e], D, delta_bias,
                           delta_softplus, chunk, block, h)
        ys.append(y)
        h = hl
    return torch.cat(ys, dim=-1)


# ---------------------------------------------------------------- custom-op autograd Functions
class _ActQuantOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha, beta, bits, signed):
        return act_quant(x, alpha, beta, bits, bool(signed))

    @staticmethod
    def symbolic(g, x, alpha, beta, bits, signed):
        return g.op(f"{DOMAIN}::ActQuant", x, alpha, beta, bits_i=int(bits), signed_i=int(signed)).setType(x.type())


class _DlsQuantOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, bits, signed):
        return dls_quant(x, w, bits, bool(signed))

    @staticmethod
    def symbolic(g, x, w, bits, signed):
        return g.op(f"{DOMAIN}::DlsQuant", x, w, bits_i=int(bits), signed_i=int(signed)).setType(x.type())


class _RfaQuantOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w, alpha, beta, a, bits):
        return rfa_quant(w, alpha, beta, a, bits)

    @staticmethod
    def symbolic(g, w, alpha, beta, a, bits):
        return g.op(f"{DOMAIN}::RfaQuant", w, alpha, beta, a, bits_i=int(bits)).setType(w.type())


class _CrossScanOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return cross_scan(x)

    @staticmethod
    def symbolic(g, x):
        return g.op(f"{DOMAIN}::CrossScan", x)


class _CrossMergeOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, y, x_like):
        return cross_merge(y, x_like)

    @staticmethod
    def symbolic(g, y, x_like):
        return g.op(f"{DOMAIN}::CrossMerge", y, x_like)


class _SelectiveScanOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, delta, A, Bm, Cm, D, delta_bias):
        return selective_scan_chunked(u, delta, A, Bm, Cm, D, delta_bias, True)

    @staticmethod
    def symbolic(g, u, delta, A, Bm, Cm, D, delta_bias):
        return g.op(f"{DOMAIN}::SelectiveScan", u, delta, A, Bm, Cm, D, delta_bias,
                    delta_softplus_i=1).setType(u.type())


class _LoopScanMarker(torch.autograd.Function):
    """The standard-ops export's ``loop`` scan form: traced as one placeholder node that
    ``exporter.loop_scan.expand_loop_scans`` replaces by a sequential ONNX Loop once the export is
    done (the TorchScript tracer unrolls Python loops and cannot write a Loop from a trace)."""

    @staticmethod
    def forward(ctx, u, delta, A, Bm, Cm, D, delta_bias, groups):
        return selective_scan_chunked(u, delta, A, Bm, Cm, D, delta_bias, True)

    @staticmethod
    def symbolic(g, u, delta, A, Bm, Cm, D, delta_bias, groups):
        return g.op(f"{LOOP_MARKER_DOMAIN}::SelectiveScan", u, delta, A, Bm, Cm, D, delta_bias,
                    groups_i=int(groups)).setType(u.type())


LOOP_MARKER_DOMAIN = "qmc.export"

# ---------------------------------------------------------------- dispatch used by the modules
# impl: chunked | seq (torch mode). std_form: the standard-ops export's scan (STD_SCAN_FORMS).
SCAN_CFG = {"chunk": 16, "max_len": 1 << 20, "block": 16384, "impl": "chunked", "std_form": "doubling",
            "closed_chunk": 78}
STD_SCAN_FORMS = ("doubling", "chunked", "loop")


def act_quant_d(x, alpha, beta, bits, signed):
    if mode() == "compact":
        return _ActQuantOp.apply(x, alpha, beta, bits, int(signed))
    return act_quant(x, alpha, beta, bits, signed)


def dls_quant_d(x, w, bits, signed):
    if mode() == "compact":
        return _DlsQuantOp.apply(x, w, bits, int(signed))
    return dls_quant(x, w, bits, signed)


def rfa_quant_d(w, alpha, beta, a, bits):
    if mode() == "compact":
        return _RfaQuantOp.apply(w, alpha, beta, a, bits)
    if mode() == "std":  # weights are constants: pre-apply (what qmc and ORT's folding do anyway)
        return untraced(lambda: rfa_quant(w, alpha, beta, a, bits))
    return rfa_quant(w, alpha, beta, a, bits)


def cross_scan_d(x):
    if mode() == "compact":
        return _CrossScanOp.apply(x)
    return cross_scan(x)


def cross_merge_d(y, x_like):
    if mode() == "compact":
        return _CrossMergeOp.apply(y, x_like)
    return cross_merge(y, x_like)


def selective_scan_d(u, delta, A, Bm, Cm, D, delta_bias):
    if mode() == "compact":
        return _SelectiveScanOp.apply(u, delta, A, Bm, Cm, D, delta_bias)
    if mode() == "torch" and SCAN_CFG.get("impl") == "seq":
        return selective_scan_seq(u, delta, A, Bm, Cm, D, delta_bias)
    if mode() == "std" and SCAN_CFG["std_form"] == "loop":
        return _LoopScanMarker.apply(u, delta, A, Bm, Cm, D, delta_bias, int(Bm.shape[1]))
    if mode() == "std" and SCAN_CFG["std_form"] == "chunked":
        return selective_scan_closed(u, delta, A, Bm, Cm, D, delta_bias, True, chunk=SCAN_CFG["closed_chunk"],
                                     max_len=SCAN_CFG["max_len"])
    return selective_scan_chunked(u, delta, A, Bm, Cm, D, delta_bias, True, chunk=SCAN_CFG["chunk"],
                                  max_len=SCAN_CFG["max_len"], block=SCAN_CFG["block"])


# ---------------------------------------------------------------- optional C++ sequential scan (training)
_EXT = {"mod": None, "tried": False}


def scan_ext():
    """Compile (once, cached by torch) the sequential C++ scan used to train on CPU. Returns None when
    it cannot be built; everything then falls back to ``selective_scan_chunked``."""
    if not _EXT["tried"]:
        _EXT["tried"] = True
        try:
            import os
            from torch.utils.cpp_extension import load
            src = os.path.join(os.path.dirname(__file__), "csrc", "scan.cpp")
            _EXT["mod"] = load(name="qmambair_scan", sources=[src], extra_cflags=["-O3"], verbose=False)
        except Exception as e:  # pragma: no cover - depends on the machine's toolchain
            print(f"[exporter] C++ scan unavailable ({type(e).__name__}: {e}); using the chunked torch scan")
            _EXT["mod"] = None
    return _EXT["mod"]


class _ScanCpp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, delta, A, Bm, Cm, D, delta_bias):
        args = [t.contiguous().float() for t in (u, delta, A, Bm, Cm, D, delta_bias)]
        ctx.save_for_backward(*args)
        return _EXT["mod"].fwd(*args, True)

    @staticmethod
    def backward(ctx, gy):
        return tuple(_EXT["mod"].bwd(gy.contiguous(), *ctx.saved_tensors, True))


def selective_scan_seq(u, delta, A, Bm, Cm, D, delta_bias):
    """Sequential recurrence in C++ (forward and backward); falls back to the chunked torch form."""
    if scan_ext() is None or torch.jit.is_tracing():
        return selective_scan_chunked(u, delta, A, Bm, Cm, D, delta_bias, True, chunk=SCAN_CFG["chunk"],
                                      block=SCAN_CFG["block"])
    return _ScanCpp.apply(u, delta, A, Bm, Cm, D, delta_bias)
