"""A float MambaIR-light in the three standard-ops scan forms, fixed and dynamic, sharing one weights file.

  python -m exporter.std_scans [--out samples/models/mambair-light-sr2-fp32-std] [--threads 2]

The network is the ``light-sr2`` preset (the structure of samples/models/qmambair-light-sr2-w4a4) in FP32,
randomly initialised with MambaIR's own initialisation (seed 0) and untrained. It is exported with
``export_onnx(..., "std", scan=FORM)`` for each FORM of ops.STD_SCAN_FORMS (doubling, chunked, loop), once at
a fixed 32x32 input (``FORM.onnx``) and once with dynamic H and W (``FORM.dyn.onnx``). Every initializer of
1 KiB or more is written once into ``weights.bin`` and all six graphs point at it as ONNX external data
(location, offset, length): the weights are stored once instead of six times.

Goldens are onnxruntime's outputs: ``test_data/<graph>/test_data_set_K/{input_0.pb, output_0.pb}``. Set 0 is
a 32x32 checkerboard, set 1 a 32x32 photo crop, and the dynamic graphs have a set 2, a 16x24 photo crop.
With this network's dt, a chunk of CLOSED_CHUNK (78) positions sums dt * max|A| to about 86 on the
checkerboard and 92 on the photo crop: exp(-cumsum) passes float32's largest value (e^88.7) on the photo,
and onnxruntime's output of the chunked graphs is NaN there, while the other forms' stays finite. The
exporter checks both facts.
``export.json`` records, per graph and set, whether onnxruntime's output is finite and its largest
difference from PyTorch (the stable doubling scan, which matches the sequential recurrence to ~1e-6).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from PIL import Image

from . import ops
from .export import CLOSED_CHUNK, STD_SCAN_DESCRIPTIONS, export_onnx, op_histogram, torch_forward, write_tensor
from .model import MambaIR, count_params, make_config

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NAME = "mambair-light-sr2-fp32-std"
FIXED_HW = (32, 32)
WEIGHTS = "weights.bin"
EXTERNAL_MIN_BYTES = 1024
PHOTO = ("flower-96x96.png", 32, 40)  # (image, top, left) of set 1
DYN_PHOTO = ("cat-128x96.png", 10, 20, 16, 24)  # set 2 of the dynamic graphs: (image, top, left, h, w)


def checkerboard(h=FIXED_HW[0], w=FIXED_HW[1]) -> np.ndarray:
    board = ((np.arange(h)[:, None] + np.arange(w)[None]) % 2).astype(np.float32)
    return np.ascontiguousarray(np.broadcast_to(board, (1, 3, h, w)))


def photo_crop(image, top, left, h=FIXED_HW[0], w=FIXED_HW[1]) -> np.ndarray:
    a = np.asarray(Image.open(os.path.join(ROOT, "samples", "images", image)).convert("RGB"), dtype=np.float32)
    return np.ascontiguousarray((a[top:top + h, left:left + w] / 255.0).transpose(2, 0, 1)[None])


def externalize(models: dict, folder: str) -> int:
    """Moves every main-graph initializer of EXTERNAL_MIN_BYTES or more into folder/WEIGHTS, each distinct
    content once; the models point at it. Returns the file's size."""
    offsets, blob = {}, bytearray()
    for m in models.values():
        for t in m.graph.initializer:
            arr = numpy_helper.to_array(t)
            raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()  # ONNX stores little-endian
            if len(raw) < EXTERNAL_MIN_BYTES:
                continue
            key = (t.data_type, hashlib.sha256(raw).hexdigest())
            if key not in offsets:
                blob.extend(b"\0" * ((-len(blob)) % 64))
                offsets[key] = len(blob)
                blob.extend(raw)
            dims, dtype, name = list(t.dims), t.data_type, t.name
            t.Clear()
            t.name, t.data_type = name, dtype
            t.dims.extend(dims)
            t.data_location = onnx.TensorProto.EXTERNAL
            for k, v in (("location", WEIGHTS), ("offset", str(offsets[key])), ("length", str(len(raw)))):
                e = t.external_data.add()
                e.key, e.value = k, v
    with open(os.path.join(folder, WEIGHTS), "wb") as f:
        f.write(blob)
    return len(blob)


def ort_run(path: str, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]


def build(out: str):
    t0 = time.time()
    torch.manual_seed(0)
    net = MambaIR(make_config("light-sr2")).eval()
    fixed = [checkerboard(), photo_crop(*PHOTO)]
    sets = {False: fixed, True: [*fixed, photo_crop(*DYN_PHOTO)]}
    models = {}
    for form in ops.STD_SCAN_FORMS:
        for dyn in (False, True):
            name = f"{form}.dyn" if dyn else form
            models[name] = export_onnx(net, "std", "", sample_hw=FIXED_HW, scan=form, dynamic=dyn,
                                       save=lambda m, _: None)
            print(f"exported {name}", flush=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.partial-", dir=os.path.dirname(out))
    os.chmod(tmp, 0o755)  # mkdtemp's 0700 would be committed as it is
    try:
        info = dict(model="light-sr2", precision="fp32", params=count_params(net), seed=0, trained=False,
                    fixed_hw=list(FIXED_HW), closed_chunk=CLOSED_CHUNK,
                    scan_forms={f: STD_SCAN_DESCRIPTIONS[f] for f in ops.STD_SCAN_FORMS}, graphs={})
        hist = {name: op_histogram(m) for name, m in models.items()}
        info["weights_bytes"] = externalize(models, tmp)
        refs = [torch_forward(net, x, "chunked") for x in sets[True]]
        for name, m in models.items():
            path = os.path.join(tmp, f"{name}.onnx")
            onnx.save(m, path)
            rows = []
            for k, x in enumerate(sets[name.endswith(".dyn")]):
                y = ort_run(path, x)
                d = os.path.join(tmp, "test_data", name, f"test_data_set_{k}")
                os.makedirs(d)
                write_tensor(os.path.join(d, "input_0.pb"), x)
                write_tensor(os.path.join(d, "output_0.pb"), y)
                finite = bool(np.isfinite(y).all())
                rows.append(dict(set=k, input_shape=list(x.shape), ort_finite=finite,
                                 ort_vs_torch_max_abs_diff=float(np.abs(y - refs[k]).max()) if finite else None))
            info["graphs"][name] = dict(bytes=os.path.getsize(path), ops=hist[name], goldens=rows)
            print(name, json.dumps(rows), flush=True)
            overflows = not rows[1]["ort_finite"]
            if overflows != name.startswith("chunked") or not rows[0]["ort_finite"]:
                raise RuntimeError(f"{name}: onnxruntime's output on the photo crop is "
                                   f"{'not ' if overflows else ''}finite, on the checkerboard "
                                   f"{'' if rows[0]['ort_finite'] else 'not '}finite")
        info["export_wall_s"] = round(time.time() - t0, 1)
        with open(os.path.join(tmp, "export.json"), "w") as f:
            json.dump(info, f, indent=1, sort_keys=True)
        with open(os.path.join(tmp, "README.md"), "w") as f:
            f.write(card(info))
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"wrote {out} ({info['export_wall_s']} s)")


def card(info: dict) -> str:
    c = make_config("light-sr2")
    lines = [
        f"# {NAME}", "",
        "MambaIR (light variant, the structure of `qmambair-light-sr2-w4a4`) for super-resolution x2, **FP32, "
        "randomly initialised (MambaIR's own initialisation, seed 0) and NOT trained**, exported with standard "
        "ONNX ops only (opset 17) in the three forms people write the selective scan in. It exists to test "
        "that qmc recognises each form (`qmc inspect --plan` shows SelectiveScan kernels) and to benchmark "
        "against onnxruntime on the same files; its outputs are not useful restorations.", "",
        "## Files", "",
        "| file | bytes | scan form | input |", "|---|---|---|---|",
    ]
    for name, g in info["graphs"].items():
        form = name.split(".")[0]
        size = "1x3xHxW (dynamic)" if name.endswith(".dyn") else "1x3x32x32"
        lines.append(f"| {name}.onnx | {g['bytes']} | {form} | {size} |")
    lines += [
        f"| {WEIGHTS} | {info['weights_bytes']} | every initializer of >= {EXTERNAL_MIN_BYTES} bytes, once; "
        "all six graphs read it as ONNX external data (location/offset/length) | |",
        "| test_data/&lt;graph&gt;/test_data_set_K/ | | onnxruntime goldens: input_0.pb, output_0.pb | |",
        "| export.json | | op counts, onnxruntime vs PyTorch (the stable doubling scan) per golden | |", "",
        "Scan forms:", "",
    ]
    lines += [f"- `{f}`: {d}" for f, d in info["scan_forms"].items()]
    lines += [
        "", "## Architecture", "",
        f"- channels C={c.channels}, {c.groups} groups x {c.depth} blocks, d_state N={c.d_state}, expand "
        f"{c.expand}, upscale {c.upscale}, upsampler `{c.upsampler}`; {info['params']:,} parameters", "",
        "## Goldens", "",
        "Outputs are onnxruntime's (CPU, one thread) on each graph. Set 0: a 32x32 checkerboard of 0 and 1. "
        "Set 1: a 32x32 crop of flower-96x96.png. Set 2 (dynamic graphs only): a 16x24 crop of cat-128x96.png. "
        f"The chunked form's chunks are {info['closed_chunk']} positions long: on the photo crop some chunk's "
        "exponent -S = -cumsum(dt*A) passes 88.7, exp(-S) is inf in float32 and onnxruntime's output is NaN; on "
        "the checkerboard it stays below (about 86) and the output is finite. The doubling and loop forms never "
        "form a positive exponent. qmc computes the recurrence itself (SelectiveScan) for all three "
        "(test/std-scan-forms.test.ts).", "",
        "| graph | set | input | onnxruntime finite | max abs diff vs PyTorch |", "|---|---|---|---|---|",
    ]
    for name, g in info["graphs"].items():
        for r in g["goldens"]:
            diff = "-" if r["ort_vs_torch_max_abs_diff"] is None else f"{r['ort_vs_torch_max_abs_diff']:.3g}"
            lines.append(f"| {name} | {r['set']} | {r['input_shape']} | {r['ort_finite']} | {diff} |")
    lines += ["", "## Reproduce", "", "```", "python -m exporter.std_scans", "```", ""]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "samples", "models", NAME))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    build(os.path.abspath(a.out))


if __name__ == "__main__":
    main()
