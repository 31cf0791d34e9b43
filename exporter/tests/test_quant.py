import json
import os

import numpy as np
import pytest
import torch

from exporter import ops
from exporter.quant import ActQuant, DlsQuant, RfaQuant

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def np_act(x, alpha, beta, bits, signed):
    qn, qp = ops.qrange(bits, signed)
    return np.round(np.clip((x + beta) / alpha, qn, qp)) * alpha - beta  # np.round: half to even


@pytest.mark.parametrize("bits", [2, 4, 8])
@pytest.mark.parametrize("signed", [True, False])
def test_act_quant_matches_formula_and_ties_to_even(bits, signed):
    qn, qp = ops.qrange(bits, signed)
    alpha, beta = 0.125, 0.25
    x = ((np.arange(qn - 2, qp + 2) + 0.5) * alpha - beta).astype(np.float32)
    y = ops.act_quant(torch.from_numpy(x), torch.tensor(alpha), torch.tensor(beta), bits, signed).numpy()
    np.testing.assert_array_equal(y, np_act(x, alpha, beta, bits, signed).astype(np.float32))
    codes = np.round((y + beta) / alpha).astype(int)
    inside = (codes > qn) & (codes < qp)
    assert np.all(codes[inside] % 2 == 0), "ties must round to even"


def np_dls(x, w, bits, signed):
    x = x.astype(np.float32)
    qn, qp = ops.qrange(bits, signed)
    mu, sd, m, M = x.mean(dtype=np.float64), x.std(ddof=1, dtype=np.float64), x.min(), x.max()
    beta = w[4] * mu + w[5] * sd + w[6] * m + w[7] * M
    a = abs(w[0] * abs(mu + beta) + w[1] * sd + w[2] * (m + beta) + w[3] * (M + beta))
    alpha = min(max(a, 1e-6), (M - m) / 2 ** bits)
    if alpha == 0:
        return x.copy()
    q = np.round(np.clip((x + beta) / alpha, qn, qp))
    return np.clip(q * alpha - beta, m, M)


@pytest.mark.parametrize("bits", [2, 4, 8])
@pytest.mark.parametrize("signed", [True, False])
def test_dls_matches_numpy(bits, signed):
    rng = np.random.default_rng(bits + 10 * signed)
    x = rng.normal(0.3, 1.2, size=(2, 3, 5, 7)).astype(np.float32)
    if not signed:
        x = np.abs(x)
    w = np.array([0.05, 0.4, 0.02, 0.03, -0.8, 0.1, -0.05, -0.02], np.float32)
    y = ops.dls_quant(torch.from_numpy(x), torch.from_numpy(w), bits, signed).numpy()
    ref = np_dls(x, w.astype(np.float64), bits, signed)
    # float32 vs float64 statistics: equal except (rarely) one code at a rounding boundary
    alpha = ops.dls_params(torch.from_numpy(x), torch.from_numpy(w), bits)[0].item()
    diff = np.abs(y - ref)
    assert diff.max() <= alpha * 1.001 + 1e-5
    assert (diff > 1e-4).mean() < 0.01
    # output lies in [min, max] and on at most 2^b levels
    assert y.min() >= x.min() and y.max() <= x.max()
    assert len(np.unique(y)) <= 2 ** bits


def test_dls_constant_tensor_guard():
    for x in (np.full((3, 4), -0.7, np.float32), np.ones(16, np.float32)):
        for signed in (True, False):
            y = ops.dls_quant(torch.from_numpy(x), torch.tensor([0, 3 / 7, 0, 0, -1, 0, 0, 0.]), 4, signed)
            assert torch.isfinite(y).all()
            np.testing.assert_array_equal(y.numpy(), x)


def test_dls_unbiased_std():
    x = torch.tensor([0.0, 1.0, 2.0, 3.0])
    mu, sd, m, M = ops.dls_stats(x)
    assert abs(sd.item() - x.std(unbiased=True).item()) < 1e-7


def np_rfa(w, alpha, beta, a, bits):
    qn, qp = ops.qrange(bits, True)
    u = np.clip((w + beta) / alpha, qn, qp)
    t = (a[:-1] + a[1:]) / 2
    k = np.zeros_like(u, dtype=np.int64)
    for i in range(1, 2 ** bits):
        k = np.where(u > t[i - 1], i, k)  # the LARGEST i wins
    return (k - 2 ** (bits - 1)) * alpha - beta


@pytest.mark.parametrize("bits", [2, 4, 8])
def test_rfa_initial_points_round_ties_down(bits):
    qn, qp = ops.qrange(bits, True)
    a = torch.arange(qn, qp + 1, dtype=torch.float32)
    u = torch.cat([torch.arange(qn, qp) + 0.5, torch.arange(qn, qp + 1).float(), torch.tensor([qn - 5.0, qp + 5.0])])
    y = ops.rfa_quant(u.clone(), torch.tensor(1.0), torch.tensor(0.0), a, bits)
    exp = torch.clamp(torch.ceil(u - 0.5), qn, qp)  # ties down
    assert torch.equal(y, exp)


@pytest.mark.parametrize("bits", [2, 4, 8])
def test_rfa_moved_points_match_numpy(bits):
    rng = np.random.default_rng(bits)
    qn, qp = ops.qrange(bits, True)
    a = np.sort(np.arange(qn, qp + 1) + rng.uniform(-0.4, 0.4, 2 ** bits)).astype(np.float32)
    w = rng.normal(0, 0.3, size=(6, 5, 3)).astype(np.float32)
    alpha, beta = 0.07, 0.01
    y = ops.rfa_quant(torch.from_numpy(w), torch.tensor(alpha), torch.tensor(beta), torch.from_numpy(a), bits).numpy()
    np.testing.assert_allclose(y, np_rfa(w, np.float32(alpha), np.float32(beta), a, bits), atol=1e-6)
    a2 = np.array([-2.0, 0.3, -0.4, 1.0], np.float32)  # unordered: largest i wins
    y2 = ops.rfa_quant(torch.from_numpy(w), torch.tensor(0.1), torch.tensor(0.0), torch.from_numpy(a2), 2).numpy()
    np.testing.assert_allclose(y2, np_rfa(w, np.float32(0.1), np.float32(0.0), a2, 2), atol=1e-6)


def test_rfa_soft_backward_trains_points():
    q = RfaQuant(4)
    w = torch.randn(64, 8, requires_grad=True)
    q.train()
    y = q(w)  # first batch initialises alpha from mean|w|
    assert q.init_state.item() == 1
    # at the initial points the surrogate is the identity: straight-through gradient for w
    g, = torch.autograd.grad(y.sum(), w, retain_graph=True)
    u = (w.detach() + q.beta.detach()) / q.alpha.detach()
    inside = (u > -8) & (u < 7)
    assert torch.allclose(g[inside], torch.ones_like(g[inside]))
    (y * torch.randn_like(y)).sum().backward()
    assert q.a.grad is not None and q.a.grad.abs().sum() > 0
    # moved points: the forward follows the moved thresholds, gradients stay finite
    with torch.no_grad():
        q.a.add_(torch.linspace(-0.3, 0.3, 16))
    w2 = w.detach().clone().requires_grad_()
    y2 = q(w2)
    y2.sum().backward()
    assert torch.isfinite(w2.grad).all() and torch.isfinite(q.a.grad).all()


def test_act_ste_and_first_batch_init_and_frozen_signed():
    q = ActQuant(4)
    q.train()
    x = torch.rand(2, 3, 8, 8) + 0.1  # non-negative -> unsigned
    y = q(x)
    assert q.init_state.item() == 1 and not q.is_signed()
    x2 = (torch.randn(2, 3, 8, 8)).requires_grad_()
    y2 = q(x2)  # negative values now, but the flag is frozen
    assert not q.is_signed()
    y2.sum().backward()
    qn, qp = 0, 15
    v = (x2.detach() + q.beta.detach()) / q.alpha.detach()
    inside = (v > qn) & (v < qp)
    assert torch.allclose(x2.grad[inside], torch.ones_like(x2.grad[inside]))
    assert torch.all(x2.grad[~inside] == 0)
    assert q.alpha.grad is not None and q.beta.grad is not None


def test_dls_first_batch_init():
    q = DlsQuant(4)
    q.train()
    x = torch.randn(1000) * 2 + 1
    q(x)
    assert q.is_signed() and q.init_state.item() == 1
    alpha, beta, *_ = ops.dls_params(x, q.w().detach(), 4)
    assert abs(beta.item() + x.mean().item()) < 1e-5
    assert abs(alpha.item() - min(3 * x.std().item() / 7, (x.max() - x.min()).item() / 16)) < 1e-4
    y = q(x)
    y.sum().backward()
    assert q.weight2.grad is not None


def test_recorded_quant_cases_reproduce():
    import onnx
    from onnx import numpy_helper
    d = os.path.join(ROOT, "samples", "quant-cases")
    if not os.path.exists(os.path.join(d, "INDEX.json")):
        pytest.skip("no recorded cases")
    idx = json.load(open(os.path.join(d, "INDEX.json")))["cases"]
    ops_seen = set()
    for c in idx:
        m = onnx.load(os.path.join(d, c["name"], "model.onnx"))
        node = m.graph.node[0]
        ops_seen.add(node.op_type)
        assert node.domain == "ai.qmambair"
        init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        tp = onnx.TensorProto()
        tp.ParseFromString(open(os.path.join(d, c["name"], "test_data_set_0", "input_0.pb"), "rb").read())
        x = torch.from_numpy(numpy_helper.to_array(tp).copy())
        tp2 = onnx.TensorProto()
        tp2.ParseFromString(open(os.path.join(d, c["name"], "test_data_set_0", "output_0.pb"), "rb").read())
        exp = numpy_helper.to_array(tp2)
        at = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        p = [torch.from_numpy(np.array(init[n])) for n in node.input[1:]]
        if node.op_type == "ActQuant":
            y = ops.act_quant(x, p[0], p[1], at["bits"], bool(at["signed"]))
        elif node.op_type == "DlsQuant":
            y = ops.dls_quant(x, p[0], at["bits"], bool(at["signed"]))
        else:
            y = ops.rfa_quant(x, p[0], p[1], p[2], at["bits"])
        np.testing.assert_array_equal(y.numpy(), exp, err_msg=c["name"])
    assert ops_seen == {"ActQuant", "DlsQuant", "RfaQuant"}
    names = {c["name"] for c in idx}
    for b in (2, 4, 8):
        assert any(n.startswith(f"act_b{b}") for n in names)
        assert any(n.startswith(f"dls_b{b}") and "ties" in n for n in names)
        assert any(n.startswith(f"rfa_b{b}") and "moved" in n for n in names)
    assert any("constant" in n for n in names)
