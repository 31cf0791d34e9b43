import os

import numpy as np
import pytest
import torch

from exporter import ops


def mk(B, G, E, N, L, dt_mean=0.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(B, G * E, L, generator=g)
    delta = torch.randn(B, G * E, L, generator=g) + dt_mean
    A = -torch.exp(torch.randn(G * E, N, generator=g)) * torch.arange(1, N + 1).float()
    Bm = torch.randn(B, G, N, L, generator=g)
    Cm = torch.randn(B, G, N, L, generator=g)
    D = torch.randn(G * E, generator=g)
    db = torch.randn(G * E, generator=g) * 0.5
    return u, delta, A, Bm, Cm, D, db


@pytest.mark.parametrize("L,chunk", [(1, 16), (7, 16), (16, 16), (77, 8), (300, 16), (513, 32)])
def test_chunked_matches_sequential(L, chunk):
    args = mk(2, 4, 3, 5, L)
    ref = ops.selective_scan_ref(*args)
    out = ops.selective_scan_chunked(*args, chunk=chunk)
    assert torch.allclose(out, ref, atol=1e-4, rtol=1e-4), (out - ref).abs().max()


def test_chunked_blocked_carries_state():
    args = mk(1, 4, 2, 4, 200)
    ref = ops.selective_scan_ref(*args)
    out = ops.selective_scan_chunked(*args, chunk=8, block=48)
    assert torch.allclose(out, ref, atol=1e-4, rtol=1e-4)


def test_chunked_is_finite_for_large_dt():
    # mean softplus(dt) ~ 6 and |A| up to ~ 40: the divide-by-exp(cumsum) form overflows here
    args = mk(1, 4, 4, 8, 256, dt_mean=6.0)
    u, delta, A, Bm, Cm, D, db = args
    dt = torch.nn.functional.softplus(delta + db[None, :, None])
    assert (dt * A.abs().max()).reshape(-1, 256)[:, :64].sum(-1).max() > 88  # exp(-cumsum) would overflow
    out = ops.selective_scan_chunked(*args, chunk=64)
    assert torch.isfinite(out).all()
    ref = ops.selective_scan_ref(*args)
    assert torch.allclose(out, ref, atol=1e-4, rtol=1e-4)


def test_traced_scan_rounds_cover_max_len():
    args = mk(1, 4, 2, 3, 100)
    ref = ops.selective_scan_ref(*args)

    class M(torch.nn.Module):
        def forward(self, *a):
            return ops.selective_scan_chunked(*a, chunk=4, max_len=128)

    tr = torch.jit.trace(M(), args, check_trace=False)
    assert torch.allclose(tr(*args), ref, atol=1e-4, rtol=1e-4)
    args2 = mk(1, 4, 2, 3, 37, seed=3)  # another length through the same trace
    assert torch.allclose(tr(*args2), ops.selective_scan_ref(*args2), atol=1e-4, rtol=1e-4)


def test_cross_scan_orders_and_merge():
    x = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    xs = ops.cross_scan(x)
    assert xs.shape == (2, 4, 3, 20)
    H, W = 4, 5
    h, w = 2, 3
    assert xs[0, 0, 0, h * W + w] == x[0, 0, h, w]
    assert xs[0, 1, 0, w * H + h] == x[0, 0, h, w]
    assert xs[0, 2, 0, 19 - (h * W + w)] == x[0, 0, h, w]
    assert xs[0, 3, 0, 19 - (w * H + h)] == x[0, 0, h, w]
    y = ops.cross_merge(xs, x)
    assert torch.equal(y, 4 * x.reshape(2, 3, -1))


@pytest.mark.skipif(os.environ.get("QMC_TEST_EXT") != "1", reason="compiles the C++ training scan (set QMC_TEST_EXT=1)")
def test_cpp_scan_forward_backward():
    assert ops.scan_ext() is not None
    args = [t.requires_grad_() for t in mk(2, 4, 3, 5, 50)]
    g = torch.randn(2, 12, 50)
    y1 = ops.selective_scan_seq(*args)
    gr1 = torch.autograd.grad(y1, args, g)
    y2 = ops.selective_scan_ref(*args)
    gr2 = torch.autograd.grad(y2, args, g)
    assert torch.allclose(y1, y2, atol=1e-4)
    for a, b in zip(gr1, gr2):
        assert torch.allclose(a, b, atol=1e-3, rtol=1e-3)
