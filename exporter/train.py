"""Train (FP32) or quantization-aware train (QAT from FP32 weights) a MambaIR / Q-MambaIR model on CPU.

  python -m exporter.train --model tiny-sr2 --precision fp32 --minutes 40
  python -m exporter.train --model tiny-sr2 --precision w4a4 --init exporter/runs/tiny-sr2-fp32/final.pt --minutes 20
  python -m exporter.train --model light-sr2 --precision w4a4 --iters 0     # calibration only

The learning rate follows a cosine from --lr to lr/100 over progress = max(iter/iters, time/minutes),
so a run ends on time with a decayed rate. L1 loss, Adam, gradient-norm clip 1.0.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time

import torch

from . import ops
from .data import PairSampler
from .model import MambaIR, make_config
from .quant import RfaQuant, load_qmambair_state_dict, quantizers

HERE = os.path.dirname(os.path.abspath(__file__))
TASK_ARGS = {
    "tiny-sr2": dict(task="sr", scale=2, gray=False),
    "light-sr2": dict(task="sr", scale=2, gray=False),
    "tiny-dn25": dict(task="denoise", scale=1, gray=False, sigma=25),
    "tiny-car10": dict(task="car", scale=1, gray=True, quality=10),
}


def bits_of(precision: str):
    return None if precision == "fp32" else int(precision[1:].split("a")[0])


def build(model: str, precision: str):
    return MambaIR(make_config(model, bits=bits_of(precision)))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, choices=sorted(TASK_ARGS))
    ap.add_argument("--precision", default="fp32", choices=["fp32", "w8a8", "w4a4", "w2a2"])
    ap.add_argument("--init", help="FP32 checkpoint to start QAT from")
    ap.add_argument("--iters", type=int, default=100000)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=32, help="LQ patch size")
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    ops.SCAN_CFG["impl"] = "seq"
    out = a.out or os.path.join(HERE, "runs", f"{a.model}-{a.precision}")
    os.makedirs(out, exist_ok=True)
    lr = a.lr or (1e-3 if a.precision == "fp32" else 2e-4)

    net = build(a.model, a.precision)
    history = []
    if a.init:
        ck = torch.load(a.init, map_location="cpu")
        history = list(ck.get("history", [])) + [dict(run=os.path.basename(os.path.dirname(a.init)),
                                                      precision=ck.get("cfg", {}).get("bits"), iters=ck.get("iters"),
                                                      wall_s=ck.get("wall_s"), args=ck.get("args"))]
        res = load_qmambair_state_dict(net, ck["state_dict"], strict=False)
        bad = [k for k in res.missing_keys if not any(s in k for s in ("quant", "_q."))]
        assert not bad and not res.unexpected_keys, (bad, res.unexpected_keys)
    sampler = PairSampler(seed=a.seed, **TASK_ARGS[a.model])

    t0 = time.time()
    log = []
    net.train()
    if quantizers(net):  # first-batch initialisation of every quantizer (and the frozen signed flag)
        lq, _ = sampler.batch(a.batch, a.patch)
        with torch.no_grad():
            net(lq)
    opt = torch.optim.Adam(net.parameters(), lr=lr, betas=(0.9, 0.99))
    rfas = [m for m in net.modules() if isinstance(m, RfaQuant)]
    it, ema = 0, None
    budget = a.minutes * 60.0
    while it < a.iters:
        prog = max(it / max(a.iters, 1), (time.time() - t0) / budget)
        if prog >= 1.0:
            break
        cur = lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * prog)))
        for g in opt.param_groups:
            g["lr"] = cur
        lq, gt = sampler.batch(a.batch, a.patch)
        loss = (net(lq) - gt).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        for r in rfas:
            r.sanitize()
        it += 1
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if it % 50 == 0:
            psnr = -10 * math.log10(max(ema, 1e-12) ** 2)  # rough, from L1
            rec = dict(it=it, loss=round(ema, 5), lr=cur, wall=round(time.time() - t0, 1))
            log.append(rec)
            print(json.dumps(rec), flush=True)
        if it % 500 == 0:
            save(net, a, it, t0, log, os.path.join(out, "last.pt"), history)
    save(net, a, it, t0, log, os.path.join(out, "final.pt"), history)
    print(f"done: {it} iterations in {time.time() - t0:.0f} s -> {out}/final.pt", flush=True)


def save(net, a, it, t0, log, path, history=()):
    torch.save(dict(cfg=json.loads(net.cfg.to_json()), state_dict=net.state_dict(), iters=it, history=list(history),
                    wall_s=round(time.time() - t0, 1), args=vars(a), log=log,
                    torch=str(torch.__version__)), path + ".tmp")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
