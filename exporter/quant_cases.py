"""Recorded quantizer cases: one-node ONNX test folders for ActQuant, DlsQuant and RfaQuant.

  python -m exporter.quant_cases [--out samples/quant-cases]

Each case: <name>/model.onnx (the custom op in domain ai.qmambair v1; the data tensor X (or W) is the
only graph input, the parameters are initializers) and <name>/test_data_set_0/{input_0.pb, output_0.pb}
(outputs computed by exporter.ops, i.e. PyTorch). INDEX.json lists them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from . import ops

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(os.path.dirname(HERE), "samples", "quant-cases")


def _model(op, x_name, x, params: dict, attrs: dict, out_shape):
    inits = [numpy_helper.from_array(np.asarray(v, dtype=np.float32), name=k) for k, v in params.items()]
    node = helper.make_node(op, [x_name] + list(params), ["Y"], domain=ops.DOMAIN, **attrs)
    g = helper.make_graph([node], f"{op}_case", [helper.make_tensor_value_info(x_name, TensorProto.FLOAT, list(x.shape))],
                          [helper.make_tensor_value_info("Y", TensorProto.FLOAT, list(out_shape))], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ops.DOMAIN, 1)],
                          producer_name="qmc-exporter")
    return m


def _write(out, name, desc, m, x, y, index, extra=None):
    d = os.path.join(out, name)
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "test_data_set_0"))
    onnx.save(m, os.path.join(d, "model.onnx"))
    for fn, arr in (("input_0.pb", x), ("output_0.pb", y)):
        with open(os.path.join(d, "test_data_set_0", fn), "wb") as f:
            f.write(numpy_helper.from_array(np.ascontiguousarray(arr.astype(np.float32))).SerializeToString())
    rec = dict(name=name, op=m.graph.node[0].op_type, description=desc,
               attributes={a.name: helper.get_attribute_value(a) for a in m.graph.node[0].attribute})
    if extra:
        rec.update(extra)
    index.append(rec)


def act_cases(out, index, rng):
    for bits in (2, 4, 8):
        for signed in (1, 0):
            qn, qp = ops.qrange(bits, bool(signed))
            alpha, beta = 0.125, (0.25 if signed else -0.375)  # dyadic: ties are exact
            ks = np.arange(qn - 2, qp + 2)
            ties = (ks + 0.5) * alpha - beta  # exact half-way points, incl. outside the range
            rnd = rng.normal(0.0, (qp - qn) * alpha / 3, size=64) + (0 if signed else (qp * alpha / 2))
            x = np.concatenate([ties, rnd]).astype(np.float32)
            x = np.pad(x, (0, (-len(x)) % 8)).reshape(1, 2, 4, -1)
            y = ops.act_quant(torch.from_numpy(x), torch.tensor(alpha), torch.tensor(beta), bits, bool(signed)).numpy()
            name = f"act_b{bits}_{'signed' if signed else 'unsigned'}_ties"
            m = _model("ActQuant", "X", x, {"alpha": np.float32(alpha), "beta": np.float32(beta)},
                       {"bits": bits, "signed": signed}, x.shape)
            _write(out, name, f"ActQuant {bits}-bit {'signed' if signed else 'unsigned'}: exact .5 ties "
                   f"(half-to-even), values beyond both clip ends, random values", m, x, y, index,
                   dict(alpha=alpha, beta=beta))
        # random non-dyadic parameters
        alpha, beta = float(rng.uniform(0.01, 0.2)), float(rng.uniform(-0.3, 0.3))
        x = rng.normal(0, 1, size=(1, 3, 5, 7)).astype(np.float32)
        y = ops.act_quant(torch.from_numpy(x), torch.tensor(alpha, dtype=torch.float32),
                          torch.tensor(beta, dtype=torch.float32), bits, True).numpy()
        m = _model("ActQuant", "X", x, {"alpha": np.float32(alpha), "beta": np.float32(beta)},
                   {"bits": bits, "signed": 1}, x.shape)
        _write(out, f"act_b{bits}_signed_random", f"ActQuant {bits}-bit signed, random alpha/beta and input",
               m, x, y, index, dict(alpha=alpha, beta=beta))
    # constant tensor
    x = np.full((1, 2, 3, 4), 0.3, np.float32)
    y = ops.act_quant(torch.from_numpy(x), torch.tensor(0.1), torch.tensor(0.0), 4, True).numpy()
    m = _model("ActQuant", "X", x, {"alpha": np.float32(0.1), "beta": np.float32(0.0)}, {"bits": 4, "signed": 1}, x.shape)
    _write(out, "act_b4_signed_constant", "ActQuant on a constant tensor", m, x, y, index)


def _dls(x, w, bits, signed):
    return ops.dls_quant(torch.from_numpy(x), torch.from_numpy(np.asarray(w, np.float32)), bits, bool(signed)).numpy()


def dls_cases(out, index, rng):
    for bits in (2, 4, 8):
        qn_s, qp_s = ops.qrange(bits, True)
        _, qp_u = ops.qrange(bits, False)
        # (a) the paper's initial state: beta = -mean, alpha = 3*std/Qp, signed data
        x = rng.normal(0.2, 1.3, size=(1, 4, 6, 10)).astype(np.float32)
        w = [0, 3.0 / qp_s, 0, 0, -1, 0, 0, 0]
        _dls_case(out, index, f"dls_b{bits}_signed_init", x, w, bits, 1,
                  f"DlsQuant {bits}-bit signed, initial weights (beta=-mean, alpha=3*std/Qp)")
        # (b) all eight weights non-zero (trained-like), signed; the alpha cap may bind
        w = [0.05, 0.4 / qp_s, 0.02, 0.03, -0.8, 0.1, -0.05, -0.02]
        _dls_case(out, index, f"dls_b{bits}_signed_trained", x, w, bits, 1,
                  f"DlsQuant {bits}-bit signed, all eight weights non-zero")
        # (c) exact ties: beta = -min, alpha = (M-m)/2^b exactly (cap binds); x = m + k*alpha + alpha/2
        for signed in (0, 1):
            a = 1.0
            n_codes = 2 ** bits
            span = n_codes * a  # M - m
            ks = np.arange(0, n_codes)
            vals = np.concatenate([[0.0, span], ks * a + 0.5 * a, ks * a]).astype(np.float32) - 2.0
            x = np.pad(vals, (0, (-len(vals)) % 4), constant_values=-2.0).reshape(1, 1, 4, -1)
            w = [0, 0, 0, 1.0, 0, 0, -1.0, 0]  # beta = -m ; a_raw = |M + beta| = M - m ; capped to (M-m)/2^b
            _dls_case(out, index, f"dls_b{bits}_{'signed' if signed else 'unsigned'}_ties", x, w, bits, signed,
                      f"DlsQuant {bits}-bit {'signed' if signed else 'unsigned'}: exact .5 ties (alpha=1, beta=2), "
                      "extreme codes hit the final clip to [min, max]")
        # (d) unsigned data, unsigned grid (ReLU-like)
        x = np.abs(rng.normal(0, 1, size=(1, 2, 8, 8))).astype(np.float32)
        w = [0, 0, 0, 1.0 / qp_u, 0, 0, -1, 0]
        _dls_case(out, index, f"dls_b{bits}_unsigned_minmax", x, w, bits, 0,
                  f"DlsQuant {bits}-bit unsigned, beta=-min, alpha=(max-min)/Qp capped to (max-min)/2^b")
    # constant tensor: M == m -> alpha = 0; guard returns the input exactly
    x = np.full((1, 3, 4, 4), -0.7, np.float32)
    _dls_case(out, index, "dls_b4_signed_constant", x, [0, 3.0 / 7, 0, 0, -1, 0, 0, 0], 4, 1,
              "DlsQuant on a constant tensor (M == m, alpha = 0): output equals the input, never NaN")
    x = np.ones((16,), np.float32)
    _dls_case(out, index, "dls_b4_unsigned_constant_D", x, [0, 0, 0, 1.0 / 15, 0, 0, -1, 0], 4, 0,
              "DlsQuant on a constant 1-D tensor (MambaIR's initial D = ones)")
    # scan constants folded at compile time: A = -exp(A_log)
    A = -np.tile(np.arange(1, 9, dtype=np.float32), (16, 1)) * np.exp(rng.normal(0, 0.1, size=(16, 8))).astype(np.float32)
    _dls_case(out, index, "dls_b4_signed_A", A.astype(np.float32), [0, 3.0 / 7, 0, 0, -1, 0, 0, 0], 4, 1,
              "DlsQuant on an A matrix (4E=16, N=8), as folded at compile time")


def _dls_case(out, index, name, x, w, bits, signed, desc):
    y = _dls(x, w, bits, signed)
    assert np.isfinite(y).all()
    m = _model("DlsQuant", "X", x, {"w": np.asarray(w, np.float32)}, {"bits": bits, "signed": signed}, x.shape)
    alpha, beta, alpha_div, mn, mx = ops.dls_params(torch.from_numpy(x), torch.tensor(w, dtype=torch.float32), bits)
    _write(out, name, desc, m, x, y, index,
           dict(w=[float(v) for v in np.asarray(w, np.float32)],
                derived=dict(alpha=float(alpha), beta=float(beta), min=float(mn), max=float(mx))))


def rfa_cases(out, index, rng):
    for bits in (2, 4, 8):
        qn, qp = ops.qrange(bits, True)
        K = 2 ** bits
        base = np.arange(qn, qp + 1, dtype=np.float32)
        # (a) initial points: ordinary rounding, ties go DOWN (strict >)
        alpha, beta = 0.25, 0.125
        us = np.concatenate([np.arange(qn, qp) + 0.5, np.arange(qn, qp + 1), [qn - 3.0, qp + 3.0]])
        w = (us * alpha - beta).astype(np.float32)
        w = np.concatenate([w, rng.normal(0, 0.6, size=40).astype(np.float32)])
        w = np.pad(w, (0, (-len(w)) % 4)).reshape(-1, 4)
        _rfa_case(out, index, f"rfa_b{bits}_init_ties", w, alpha, beta, base, bits,
                  f"RfaQuant {bits}-bit, initial points a=[Qn..Qp]: exact midpoints go down, clip ends")
        # (b) moved points (trained-like, still ordered)
        a = base + rng.uniform(-0.35, 0.35, size=K).astype(np.float32)
        a = np.sort(a).astype(np.float32)
        w = rng.normal(0, 0.5, size=(8, 3, 3, 3)).astype(np.float32)
        alpha, beta = float(2 * np.abs(w).mean() / np.sqrt(qp)), 0.01
        _rfa_case(out, index, f"rfa_b{bits}_moved", w, alpha, beta, a, bits,
                  f"RfaQuant {bits}-bit, allocation points moved from their initial positions (ordered)")
        # (c) moved points with exact ties at the moved thresholds
        t = (a[:-1] + a[1:]) / 2
        alpha, beta = 0.5, 0.0
        w = np.concatenate([t * alpha, (t + 1e-3) * alpha, (t - 1e-3) * alpha]).astype(np.float32)
        w = np.pad(w, (0, (-len(w)) % 2)).reshape(-1, 2)
        _rfa_case(out, index, f"rfa_b{bits}_moved_ties", w, alpha, beta, a, bits,
                  f"RfaQuant {bits}-bit, moved points, weights exactly at / just around the moved thresholds")
    # (d) unordered points (allowed by the definition: largest i with u > t_i)
    a = np.array([-2.0, 0.3, -0.4, 1.0], np.float32)
    w = np.linspace(-1.2, 0.8, 21, dtype=np.float32).reshape(3, 7)
    _rfa_case(out, index, "rfa_b2_unordered", w, 0.5, 0.1, a, 2,
              "RfaQuant 2-bit with non-monotone points: k is the LARGEST i with u > t_i")


def _rfa_case(out, index, name, w, alpha, beta, a, bits, desc):
    y = ops.rfa_quant(torch.from_numpy(w), torch.tensor(alpha, dtype=torch.float32),
                      torch.tensor(beta, dtype=torch.float32), torch.from_numpy(np.asarray(a, np.float32)), bits).numpy()
    m = _model("RfaQuant", "W", w, {"alpha": np.float32(alpha), "beta": np.float32(beta), "a": np.asarray(a, np.float32)},
               {"bits": bits}, w.shape)
    _write(out, name, desc, m, w, y, index, dict(alpha=float(np.float32(alpha)), beta=float(np.float32(beta)),
                                                 a=[float(v) for v in a]))


def build(out=DEFAULT_OUT, seed=0):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    index = []
    act_cases(out, index, rng)
    dls_cases(out, index, rng)
    rfa_cases(out, index, rng)
    with open(os.path.join(out, "INDEX.json"), "w") as f:
        json.dump(dict(note="one-node ai.qmambair cases; outputs from exporter/ops.py (PyTorch float32). "
                            "Pass rule as ONNX's: |actual - expected| <= 1e-7 + 1e-3*|expected| (exact here "
                            "except where noted).", cases=index), f, indent=1)
    return index


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=DEFAULT_OUT)
    a = ap.parse_args()
    idx = build(a.out)
    print(f"{len(idx)} cases in {a.out}")


if __name__ == "__main__":
    main()
