"""Export a trained (Q-)MambaIR checkpoint to the two ONNX forms, write goldens, evaluate, write the card.

  python -m exporter.export --model tiny-sr2 --precision w4a4 --ckpt exporter/runs/tiny-sr2-w4a4/final.pt --eval
  python -m exporter.export --model light-sr2 --precision w4a4 --calibrate --residual-scale 0.1  # benchmark model, untrained

Output: samples/models/qmambair-<model>-<precision>/{model.onnx, model.std.onnx, test_data_set_K/,
metrics.json, export.json, README.md}.

Without --model, --ckpt is a checkpoint of the official MambaIR / Q-MambaIR code (exporter/checkpoint.py):

  python -m exporter.export --ckpt net_g_latest.pth --out DIR [--upscale S] [--bits N] [--calibrate IMAGES] [--eval]

Output: DIR/{model.onnx[, model.std.onnx], test_data_set_K/, export.json}, written into a temporary
folder beside DIR and renamed into place only when everything succeeded.

``--scan doubling|chunked|loop`` picks how model.std.onnx writes the selective scan: the log-depth doubling
scan (default; ops.selective_scan_chunked), the chunked closed form with CumSum (ops.selective_scan_closed),
or a sequential ONNX Loop (exporter/loop_scan.py). ``python -m exporter.std_scans`` exports a float
MambaIR-light in all three, fixed and dynamic, sharing one weights file.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import checkpoint as ck
from . import ops
from .data import SOURCES, CACHE, degrade_eval
from .loop_scan import expand_loop_scans
from .imgutil import imresize, load_rgb, to_u8, rgb_to_y_u8
from .metrics import calculate_psnr, calculate_ssim, tensor_to_u8
from .model import MambaIR, make_config, count_params
from .quant import quantizers
from .train import TASK_ARGS, bits_of

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SAMPLES = os.path.join(ROOT, "samples", "models")
DATASETS = os.path.normpath(os.path.join(ROOT, "..", "shared", "datasets"))
if not os.path.isdir(DATASETS):
    DATASETS = "/work/shared/datasets"

STD_CHUNK = 16
STD_MAX_LEN = 1 << 18  # the standard form's chunk-level scan covers L = H*W up to 262144 (512x512)
# The chunked closed form's chunk length: long enough that exp(-cumsum(dt*A)) overflows float32 on real
# inputs of a randomly initialised MambaIR-light (a chunk's exponent is ~92 on a photo crop, ~86 on a
# checkerboard; e^88.7 is the largest float32), which is what the form is exported to show.
CLOSED_CHUNK = 78
STD_SCAN_DESCRIPTIONS = {
    "doubling": f"chunked Hillis-Steele (log-depth doubling), chunk {STD_CHUNK}, max L {STD_MAX_LEN}",
    "chunked": f"chunked closed form (CumSum, exp(S) * cumsum(exp(-S) * dt*B*u)), chunk {CLOSED_CHUNK}; "
               f"doubling across chunks, max L {STD_MAX_LEN}",
    "loop": "sequential ONNX Loop over the L positions carrying the state (B, G*E, N)",
}


# ------------------------------------------------------------------ ONNX export
def export_onnx(net: MambaIR, form: str, path: str, sample_hw=(16, 20), scan: str = "doubling",
                dynamic: bool = True, save=None):
    """``form``: compact | std. ``scan`` (std only): the scan's standard-ops form, one of
    ops.STD_SCAN_FORMS. ``dynamic``: symbolic H and W, else fixed at ``sample_hw``. ``save``: writes
    the model (default onnx.save to ``path``)."""
    net.eval()
    if scan not in ops.STD_SCAN_FORMS:
        raise ValueError(f"--scan {scan!r}: expected one of {', '.join(ops.STD_SCAN_FORMS)}")
    x = torch.rand(1, net.cfg.in_ch, *sample_hw)
    kw = dict(dynamo=False, opset_version=17, input_names=["input"], output_names=["output"],
              do_constant_folding=True)
    if dynamic:
        kw["dynamic_axes"] = {"input": {2: "H", 3: "W"}, "output": {2: "H_out", 3: "W_out"}}
    if form == "compact":
        kw["custom_opsets"] = {ops.DOMAIN: 1}
    elif scan == "loop":
        kw["custom_opsets"] = {ops.LOOP_MARKER_DOMAIN: 1}
    old = dict(ops.SCAN_CFG)
    ops.SCAN_CFG.update(chunk=STD_CHUNK, max_len=STD_MAX_LEN, std_form=scan, closed_chunk=CLOSED_CHUNK)
    try:
        with ops.export_mode(form), torch.no_grad():
            buf = io.BytesIO()
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(net, (x,), buf, **kw)
    finally:
        ops.SCAN_CFG.clear()
        ops.SCAN_CFG.update(old)
    m = onnx.load_from_string(buf.getvalue())
    m.producer_name = "qmc-exporter"
    m.doc_string = f"Q-MambaIR {net.cfg.name} ({'fp32' if not net.cfg.bits else 'w%da%d' % (net.cfg.bits, net.cfg.bits)}), {form} form"
    meta = {"model": net.cfg.name, "form": form, "config": net.cfg.to_json(), "task": net.cfg.task,
            "scale": str(net.cfg.upscale)}
    if form == "std":
        meta["scan"] = STD_SCAN_DESCRIPTIONS[scan]
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    if form == "std":
        if scan == "loop":
            expand_loop_scans(m, batch=1)
        m = fold_constants(m)
        onnx.checker.check_model(m)
    else:
        _inline_identity_initializers(m)
    (save or onnx.save)(m, path)
    return m


def _inline_identity_initializers(m):
    """The TorchScript exporter de-duplicates equal-valued parameters (e.g. two RfaQuant ``beta`` = 0)
    into one initializer plus Identity nodes. Undo that, so that every quantizer parameter is an
    initializer of its own, as the qmc contract expects."""
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    custom_in = {i for n in g.node if n.domain == ops.DOMAIN for i in n.input}
    keep = []
    for n in g.node:
        if n.op_type == "Constant" and n.output[0] in custom_in and n.attribute[0].name == "value":
            t = onnx.TensorProto()
            t.CopyFrom(n.attribute[0].t)
            t.name = n.output[0]
            g.initializer.append(t)
        elif n.op_type == "Identity" and n.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[n.input[0]])
            t.name = n.output[0]
            g.initializer.append(t)
        else:
            keep.append(n)
    del g.node[:]
    g.node.extend(keep)


def _shorten_names(g):
    """Rename intermediate values and nodes to short ids (the exporter's scoped names are most of the
    file size of the standard form); graph inputs, outputs, initializers and the values a subgraph reads
    keep their names."""
    keep = {i.name for i in g.input} | {o.name for o in g.output} | {i.name for i in g.initializer}
    keep |= {i for n in g.node for a in n.attribute if a.type == onnx.AttributeProto.GRAPH
             for sub in a.g.node for i in sub.input}  # read by a Loop body: the body keeps its names
    ren = {}
    for k, n in enumerate(g.node):
        n.name = f"n{k}"
        for j, o in enumerate(n.output):
            if o and o not in keep:
                ren[o] = f"v{len(ren)}"
                n.output[j] = ren[o]
        for j, i in enumerate(n.input):
            if i in ren:
                n.input[j] = ren[i]
    del g.value_info[:]


def fold_constants(m):
    """Constant-fold the standard form with onnxruntime's BASIC graph level (constant folding and
    redundant-node removal only; the result is still plain ONNX opset 17). The TorchScript exporter
    leaves the shape arithmetic of every Pad unfolded, which made the graph 3x larger."""
    import tempfile
    import onnxruntime as ort
    meta = [(p.key, p.value) for p in m.metadata_props]
    doc = m.doc_string
    with tempfile.TemporaryDirectory() as td:
        src, dst = os.path.join(td, "in.onnx"), os.path.join(td, "out.onnx")
        onnx.save(m, src)
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        so.optimized_model_filepath = dst
        ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])
        out = onnx.load(dst)
    del out.metadata_props[:]
    for k, v in meta:
        p = out.metadata_props.add()
        p.key, p.value = k, v
    out.doc_string = doc
    out.producer_name = "qmc-exporter"
    _shorten_names(out.graph)
    # keep only the standard opset imports (ORT may add its own domains when nothing needs them)
    keep = [o for o in out.opset_import if o.domain in ("", "ai.onnx")]
    del out.opset_import[:]
    out.opset_import.extend(keep)
    return out


def op_histogram(m):
    h = {}
    for n in m.graph.node:
        k = (n.domain + "::" if n.domain else "") + n.op_type
        h[k] = h.get(k, 0) + 1
    return dict(sorted(h.items()))


_SESS = {}


def run_ort(path, x: np.ndarray, threads=1):
    import onnxruntime as ort
    key = (path, os.path.getmtime(path), threads)
    if key not in _SESS:
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        _SESS[key] = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return _SESS[key].run(None, {"input": x})[0]


# ------------------------------------------------------------------ torch inference
def torch_forward(net, x: np.ndarray, impl="seq") -> np.ndarray:
    old = ops.SCAN_CFG.get("impl")
    ops.SCAN_CFG["impl"] = impl
    try:
        with torch.no_grad():
            return net(torch.from_numpy(x)).numpy()
    finally:
        ops.SCAN_CFG["impl"] = old


# ------------------------------------------------------------------ goldens
GOLDEN_CROPS = [  # (holdout image, top, left, h, w) in LQ pixels
    ("YellowFlower.jpg", 60, 80, 48, 48),
    ("chelsea.png", 10, 20, 40, 64),
    ("YellowFlower.jpg", 150, 200, 64, 64),
    ("chelsea.png", 60, 100, 72, 96),
]


def holdout_image(name, gray=False):
    for _, p, _ in SOURCES:
        if os.path.basename(p) == name:
            from .data import load_images, image_paths
            im = load_rgb(os.path.join(CACHE, "root", p))
            while max(im.shape[:2]) > 1000:
                im = to_u8(imresize(im / 255.0, 0.5))
            return rgb_to_y_u8(im)[..., None] if gray else im
    raise KeyError(name)


def golden_inputs(model: str):
    ta = TASK_ARGS[model]
    s = ta.get("scale", 1)
    out = []
    for k, (name, t, l, h, w) in enumerate(GOLDEN_CROPS):
        hr = holdout_image(name, gray=ta.get("gray", False))
        crop = hr[t * s:(t + h) * s, l * s:(l + w) * s]
        lq, _ = degrade_eval(ta["task"], crop, scale=s, sigma=ta.get("sigma", 25), quality=ta.get("quality", 10),
                             seed=100 + k)
        out.append(np.ascontiguousarray(lq.transpose(2, 0, 1)[None]).astype(np.float32))
    return out


def write_tensor(path, arr):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(arr)).SerializeToString())


# ------------------------------------------------------------------ evaluation (Set5 / Set14)
def eval_sets(net, model, sets=("Set5", "Set14"), impl="seq"):
    """``model``: a preset name, or its task arguments (task, scale, gray, sigma, quality) as a dict."""
    ta = TASK_ARGS[model] if isinstance(model, str) else model
    task, s = ta["task"], ta.get("scale", 1)
    gray = ta.get("gray", False)
    res = {}
    for st in sets:
        d = os.path.join(DATASETS, st, "HR")
        rows = []
        for k, f in enumerate(sorted(os.listdir(d))):
            hr = load_rgb(os.path.join(d, f))
            if gray:
                hr = rgb_to_y_u8(hr)[..., None]
            if task == "sr":
                lrp = os.path.join(DATASETS, st, f"LRbicx{s}", f)
                h, w = hr.shape[0] // s * s, hr.shape[1] // s * s
                hr = hr[:h, :w]
                if os.path.exists(lrp):
                    lq = load_rgb(lrp).astype(np.float32) / 255.0
                else:
                    lq = to_u8(imresize(hr / 255.0, 1.0 / s)).astype(np.float32) / 255.0
                base = to_u8(imresize(lq.astype(np.float64), s))
            else:
                lq, hr = degrade_eval(task, hr, sigma=ta.get("sigma", 25), quality=ta.get("quality", 10), seed=k)
                base = to_u8(lq)
            y = torch_forward(net, np.ascontiguousarray(lq.transpose(2, 0, 1)[None]), impl) if net is not None else None
            crop = s if task == "sr" else 0
            r = dict(image=f, base_psnr=calculate_psnr(hr, base, crop), base_ssim=calculate_ssim(hr, base, crop))
            if y is not None:
                out = tensor_to_u8(torch.from_numpy(y))
                r.update(psnr=calculate_psnr(hr, out, crop), ssim=calculate_ssim(hr, out, crop))
            rows.append(r)
        avg = {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k != "image"}
        res[st] = dict(avg=avg, images=rows)
    return res


# ------------------------------------------------------------------ main
def folder_name(model, precision):
    return f"qmambair-{model}-{precision}"


def load_ckpt(model, precision, ckpt):
    net = MambaIR(make_config(model, bits=bits_of(precision)))
    info = {}
    if ckpt:
        ck = torch.load(ckpt, map_location="cpu")
        net.load_state_dict(ck["state_dict"])
        info = dict(iters=ck.get("iters"), wall_s=ck.get("wall_s"), args=ck.get("args"), log_tail=ck.get("log", [])[-3:],
                    history=ck.get("history", []))
    return net.eval(), info


def calibrate(net, model, n=4, patch=48, seed=0):
    """Initialise the quantizers from one batch of real training crops (no training)."""
    from .data import PairSampler
    ta = TASK_ARGS[model]
    sampler = PairSampler(seed=seed, **ta)
    lq, _ = sampler.batch(n, patch)
    net.train()
    old = ops.SCAN_CFG.get("impl")
    ops.SCAN_CFG["impl"] = "seq"
    with torch.no_grad():
        net(lq)
    ops.SCAN_CFG["impl"] = old
    net.eval()
    return dict(calibration=f"{n} crops of {patch}x{patch} LQ pixels from the training photographs")


# ------------------------------------------------------------------ official checkpoints
IMAGES = os.path.join(ROOT, "samples", "images")


def _sizes(text: str) -> list[tuple[int, int]]:
    try:
        sizes = [tuple(int(v) for v in s.lower().split("x")) for s in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or any(len(s) != 2 or min(s) < 1 for s in sizes):
        raise ck.CheckpointError(f"--golden-sizes {text!r}: expected HxW[,HxW...], e.g. 16x16,12x20")
    return sizes


def _replace_dir(tmp: str, out: str):
    """Put the finished folder in place; an older export there is removed only after that."""
    old = None
    if os.path.exists(out):
        old = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.old-", dir=os.path.dirname(out))
        os.rename(out, os.path.join(old, "x"))
    os.rename(tmp, out)
    if old:
        shutil.rmtree(old)


def export_checkpoint(a):
    t0 = time.time()
    if not a.out:
        raise ck.CheckpointError("--ckpt without --model needs --out DIR (the folder to write)")
    name = a.name or os.path.splitext(os.path.basename(a.ckpt))[0]
    sd, where = ck.read_state_dict(a.ckpt, a.param_key)
    net, depths, quantized_here = ck.build(sd, name, a.upscale, a.bits, a.task)
    cfg = net.cfg
    print(f"checkpoint: {a.ckpt} ({where}, {len(sd)} tensors)")
    print(f"inferred: {ck.describe(cfg, depths)}", flush=True)
    info = dict(ckpt=a.ckpt, param_key=where, inferred=ck.describe(cfg, depths), config=json.loads(cfg.to_json()))
    todo = ck.uncalibrated(net)
    if a.calibrate is True:
        raise ck.CheckpointError("--calibrate with --ckpt needs a folder of calibration images: --calibrate DIR")
    if todo and not a.calibrate:
        why = ("the float checkpoint has no quantizers" if quantized_here
               else f"{len(todo)} of its quantizers have init_state 0 (never initialised: the official code sets "
                    f"them on the first training batch, before that their alpha is uninitialised memory), e.g. "
                    f"{', '.join(todo[:3])}")
        raise ck.CheckpointError(f"cannot export W{cfg.bits}A{cfg.bits}: {why}. Pass --calibrate DIR (images, not "
                                 "Set5/Set14) to initialise them as the official code's first batch does")
    ta = dict(task=cfg.task, scale=cfg.upscale, gray=cfg.in_ch == 1, sigma=a.sigma, quality=a.quality)
    if a.calibrate:
        files = ck.calibration_images(a.calibrate, DATASETS)
        batch = ck.lq_crops(files, cfg, a.calib_crops, (a.calib_patch, a.calib_patch), a.seed, a.sigma, a.quality)
        n = ck.calibrate_official(net, batch)
        info["calibration"] = (f"{n} quantizers initialised as the official first training batch does, from "
                               f"{len(batch)} crops of {a.calib_patch}x{a.calib_patch} input pixels of {a.calibrate}")
        print(info["calibration"], flush=True)
    info["quantizers"] = ck.quantizer_summary(net)
    if cfg.bits:
        qs = info["quantizers"]
        print(f"quantizers: {qs['count']} ({qs['signed']} signed, {len(qs['unsigned'])} unsigned)", flush=True)
    out = os.path.abspath(a.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.partial-", dir=os.path.dirname(out))
    try:
        _write_checkpoint_export(net, a, tmp, info, ta, sd, quantized_here)
        info["export_wall_s"] = round(time.time() - t0, 1)
        with open(os.path.join(tmp, "export.json"), "w") as f:
            json.dump(info, f, indent=1, sort_keys=True)
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"wrote {out} ({info['export_wall_s']} s)")


def _write_checkpoint_export(net, a, tmp, info, ta, sd, quantized_here):
    export_onnx(net, "compact", os.path.join(tmp, "model.onnx"))
    if a.std:
        export_onnx(net, "std", os.path.join(tmp, "model.std.onnx"), scan=a.scan)
    files = ck.calibration_images(a.golden_images)
    info["goldens"] = []
    for k, hw in enumerate(_sizes(a.golden_sizes)):
        x = ck.lq_crops(files, net.cfg, 1, hw, 1000 + k, a.sigma, a.quality)
        y = torch_forward(net, x, "chunked")
        d = os.path.join(tmp, f"test_data_set_{k}")
        os.makedirs(d)
        write_tensor(os.path.join(d, "input_0.pb"), x)
        write_tensor(os.path.join(d, "output_0.pb"), y)
        info["goldens"].append(dict(set=k, input_shape=list(x.shape), output_shape=list(y.shape),
                                    finite=bool(np.isfinite(y).all())))
    if a.eval:
        info["set5"] = _set5_report(net, ta, sd, a, quantized_here)


def _set5_report(net, ta, sd, a, quantized_here):
    """Set5 PSNR/SSIM (Y, BasicSR conventions); a model quantized here is compared with its float model."""
    res = eval_sets(net, ta, sets=("Set5",), impl="chunked")["Set5"]["avg"]
    rep = dict(psnr=res["psnr"], ssim=res["ssim"], baseline_psnr=res["base_psnr"])
    line = f"Set5: {res['psnr']:.3f} dB / SSIM {res['ssim']:.4f} (input baseline {res['base_psnr']:.3f} dB)"
    if quantized_here:
        fnet, _, _ = ck.build(sd, net.cfg.name, a.upscale, None, a.task)
        fres = eval_sets(fnet, ta, sets=("Set5",), impl="chunked")["Set5"]["avg"]
        rep.update(float_psnr=fres["psnr"], float_ssim=fres["ssim"], psnr_vs_float=res["psnr"] - fres["psnr"])
        line += f"; float model {fres['psnr']:.3f} dB: {res['psnr'] - fres['psnr']:+.3f} dB"
    print(line, flush=True)
    return rep


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(TASK_ARGS),
                    help="a preset of this exporter; without it --ckpt is an official (BasicSR) checkpoint")
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--ckpt")
    ap.add_argument("--calibrate", nargs="?", const=True, default=False, metavar="DIR",
                    help="with --model: untrained weights, quantizers calibrated; with an official checkpoint: "
                         "initialise its uninitialised quantizers from the images in DIR (official first batch)")
    ap.add_argument("--upscale", type=int, help="official checkpoint: the SR scale (inferred from the upsampler)")
    ap.add_argument("--bits", type=int, help="official checkpoint: quantize a float one to WnAn (needs --calibrate)")
    ap.add_argument("--task", choices=["sr", "denoise", "car"], help="official checkpoint: the task (inferred)")
    ap.add_argument("--param-key", help="official checkpoint: the state dict's key (default: params, else "
                                        "params_ema, else state_dict, else a bare state dict)")
    ap.add_argument("--name", help="official checkpoint: the model name recorded in the ONNX metadata")
    ap.add_argument("--std", action="store_true", help="official checkpoint: also write the standard-ops form")
    ap.add_argument("--scan", choices=ops.STD_SCAN_FORMS, default="doubling",
                    help="the selective scan's form in the standard-ops output: doubling (log-depth, never "
                         "overflows), chunked (CumSum closed form per chunk; overflows for long decays, as "
                         "such exports do), loop (a sequential ONNX Loop)")
    ap.add_argument("--golden-sizes", default="16x16,12x20", help="official checkpoint: golden input sizes HxW")
    ap.add_argument("--golden-images", default=IMAGES, help="official checkpoint: images the goldens are cut from")
    ap.add_argument("--calib-crops", type=int, default=8)
    ap.add_argument("--calib-patch", type=int, default=24, help="calibration crop size in input pixels")
    ap.add_argument("--sigma", type=float, default=25, help="denoising: noise level of calibration/eval inputs")
    ap.add_argument("--quality", type=int, default=10, help="JPEG CAR: quality of calibration/eval inputs")
    ap.add_argument("--residual-scale", type=float, default=None,
                    help="residual-branch-scaled initialisation (Fixup / SkipInit / ReZero style): multiply the "
                         "last layer of every residual branch (SS2D out_proj, CAB last conv, group tail conv) by "
                         "this factor before calibration; only with --calibrate. Keeps the untrained 24-block "
                         "benchmark model well-conditioned (see exporter/STATUS.md)")
    ap.add_argument("--eval", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.model is None:
        if not a.ckpt:
            ap.error("give --model PRESET, or --ckpt FILE (an official MambaIR / Q-MambaIR checkpoint)")
        try:
            return export_checkpoint(a)
        except ck.CheckpointError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)
    if isinstance(a.calibrate, str):
        ap.error("--calibrate DIR is for official checkpoints (--ckpt without --model); presets calibrate on "
                 "their training crops with a bare --calibrate")
    name = folder_name(a.model, a.precision)
    out = a.out or os.path.join(SAMPLES, name)
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    net, info = load_ckpt(a.model, a.precision, a.ckpt)
    if a.residual_scale is not None:
        assert a.calibrate and not a.ckpt, "--residual-scale is an initialisation option (use with --calibrate)"
        from .model import scale_residual_branches
        n = scale_residual_branches(net, a.residual_scale)
        info["residual_scale"] = a.residual_scale
        info["init"] = (f"MambaIR's own initialisation, then the last layer of each of the {n} residual branches "
                        f"(SS2D out_proj, CAB last conv, residual-group tail conv) scaled by {a.residual_scale} "
                        "(Fixup / SkipInit style)")
    if a.calibrate:
        info.update(calibrate(net, a.model))
        info["trained"] = False
    else:
        info["trained"] = True
    assert all(q.init_state.item() == 1 for q in quantizers(net)), "uninitialised quantizers"

    mc = export_onnx(net, "compact", os.path.join(out, "model.onnx"))
    ms = export_onnx(net, "std", os.path.join(out, "model.std.onnx"), scan=a.scan)
    exp = dict(model=a.model, precision=a.precision, folder=name, ckpt=a.ckpt,
               params=count_params(net), ops_compact=op_histogram(mc), ops_std=op_histogram(ms),
               bytes_compact=os.path.getsize(os.path.join(out, "model.onnx")),
               bytes_std=os.path.getsize(os.path.join(out, "model.std.onnx")), info=info, goldens=[])
    # goldens + ORT check of the standard form
    gins = golden_inputs(a.model)
    gouts = []
    for k, x in enumerate(gins):  # PyTorch goldens first (fast), then the (slow) ORT check of each
        y = torch_forward(net, x, "seq")
        d = os.path.join(out, f"test_data_set_{k}")
        os.makedirs(d, exist_ok=True)
        write_tensor(os.path.join(d, "input_0.pb"), x)
        write_tensor(os.path.join(d, "output_0.pb"), y)
        gouts.append(y)
        print(f"golden {k} written", flush=True)
    for k, (x, y) in enumerate(zip(gins, gouts)):
        y_chunk = torch_forward(net, x, "chunked")
        run_ort(os.path.join(out, "model.std.onnx"), x)  # session creation + warm-up
        t1 = time.time()
        y_ort = run_ort(os.path.join(out, "model.std.onnx"), x)
        t_ort = time.time() - t1
        exp["goldens"].append(dict(set=k, input_shape=list(x.shape), output_shape=list(y.shape),
                                   ort_std_max_abs_diff=float(np.abs(y_ort - y).max()),
                                   ort_std_mean_abs_diff=float(np.abs(y_ort - y).mean()),
                                   ort_std_frac_gt_1e3=float((np.abs(y_ort - y) > 1e-3).mean()),
                                   ort_std_psnr_vs_torch=float(10 * np.log10(1.0 / max(float(np.mean((y_ort - y) ** 2)), 1e-20))),
                                   ort_std_finite=bool(np.isfinite(y_ort).all()),
                                   torch_chunked_vs_seq_max_abs_diff=float(np.abs(y_chunk - y).max()),
                                   ort_std_seconds_1thread=round(t_ort, 3)))
        print(json.dumps(exp["goldens"][-1]), flush=True)
    if a.eval:
        exp["metrics"] = eval_sets(net, a.model)
        for st, r in exp["metrics"].items():
            print(st, json.dumps(r["avg"]), flush=True)
    exp["export_wall_s"] = round(time.time() - t0, 1)
    with open(os.path.join(out, "export.json"), "w") as f:
        json.dump(exp, f, indent=1, sort_keys=True)
    from .cards import write_card
    write_card(out, exp)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
