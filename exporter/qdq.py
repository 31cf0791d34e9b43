"""int8 QDQ versions of the float family models, made the way users make them: onnxruntime's quantize_static.

``python -m exporter.qdq`` quantizes each ``samples/models/<family>-x<S>-dyn/model.onnx`` (exporter/families.py)
with ``onnxruntime.quantization.quantize_static``: QDQ format, per-channel int8 weights, uint8 activations
(``<family>-x<S>-qdq``) and, for the two families with residual adds, int8 activations as well
(``<family>-x<S>-s8-qdq``); MinMax calibration on crops of the samples/images photos. Each folder gets
model.onnx, onnxruntime goldens at the float models' two sizes (test_data_set_0, _1) and a README.md card.
Deterministic: the calibration crops are fixed and onnxruntime runs on one thread.
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import shutil
import tempfile
from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

from exporter.families import DYN_WH, FAMILIES, Family, op_histogram, photo_crop, psnr, write_tensor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = os.path.join(ROOT, "samples", "models")

# (image, top, left) of each 32x32 calibration crop: both colour photos and the grey one, corners and centres.
CALIBRATION_WH = (32, 32)
CALIBRATION = (
    ("cat-128x96.png", 0, 0), ("cat-128x96.png", 30, 48), ("cat-128x96.png", 64, 96),
    ("flower-96x96.png", 0, 64), ("flower-96x96.png", 32, 32), ("flower-96x96.png", 64, 0),
    ("flower-gray-64x64.png", 16, 16),
)


@dataclass(frozen=True)
class Variant:
    suffix: str  # folder name after "<family>-x<S>-"
    activation: QuantType
    families: tuple[str, ...]

    @property
    def label(self) -> str:
        return "uint8" if self.activation == QuantType.QUInt8 else "int8"


VARIANTS = (
    Variant("qdq", QuantType.QUInt8, ("espcn", "srcnn", "srvgg", "edsr")),
    # int8 activations (with zero points) where the graph has residual adds and PReLU: the signed kernels' case
    Variant("s8-qdq", QuantType.QInt8, ("srvgg", "edsr")),
)


class PhotoCrops(CalibrationDataReader):
    def __init__(self, channels: int):
        self.batches = iter([{"input": photo_crop(im, top, left, *CALIBRATION_WH, channels)}
                             for im, top, left in CALIBRATION])

    def get_next(self):
        return next(self.batches, None)


def quantize(float_model: str, channels: int, activation: QuantType) -> bytes:
    """quantize_static as its documentation shows it, per-channel int8 weights; returns the QDQ model's bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "model.onnx")
        quantize_static(float_model, out, PhotoCrops(channels), quant_format=QuantFormat.QDQ, per_channel=True,
                        weight_type=QuantType.QInt8, activation_type=activation)
        model = onnx.load(out)
    onnx.checker.check_model(model)
    return model.SerializeToString()


def ort_session(model: bytes) -> ort.InferenceSession:
    """onnxruntime as users run it: default graph optimizations (QDQ groups become QLinear kernels), one thread."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


def output_step(model: bytes) -> float:
    """One quantization step of the output: the scale of the DequantizeLinear that writes the graph output."""
    m = onnx.load_from_string(model)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    out = m.graph.output[0].name
    (dq,) = [n for n in m.graph.node if out in n.output]
    if dq.op_type != "DequantizeLinear":
        raise ValueError(f"the output is written by {dq.op_type}, expected DequantizeLinear")
    return float(inits[dq.input[1]])


def write_model(fam: Family, variant: Variant, out_root: str) -> str:
    name = f"{fam.stem}-{variant.suffix}"
    folder = os.path.join(out_root, name)
    source = os.path.join(MODELS, f"{fam.stem}-dyn")
    model = quantize(os.path.join(source, "model.onnx"), fam.channels, variant.activation)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(model)
    sess = ort_session(model)
    step = output_step(model)
    rows = []
    for k, (wh, crop) in enumerate(zip([fam.fixed_wh, DYN_WH], fam.crops)):
        x = photo_crop(crop[0], crop[1], crop[2], *wh, fam.channels)
        y = sess.run(None, {"input": x})[0]
        y_float = numpy_helper.to_array(onnx.load_tensor(os.path.join(source, f"test_data_set_{k}", "output_0.pb")))
        d = os.path.join(folder, f"test_data_set_{k}")
        os.makedirs(d)
        write_tensor(os.path.join(d, "input_0.pb"), x)
        write_tensor(os.path.join(d, "output_0.pb"), y)
        rows.append(dict(k=k, crop=crop, x=x, y=y, steps=float(np.abs(y - y_float).max()) / step,
                         psnr=psnr(np.clip(y, 0, 1), np.clip(y_float, 0, 1))))
    with open(os.path.join(folder, "README.md"), "w") as f:
        f.write(card(fam, variant, name, model, step, rows))
    return name


def card(fam: Family, variant: Variant, name: str, model: bytes, step: float, rows: list[dict]) -> str:
    lines = [
        f"# {name}",
        "",
        f"{fam.stem}-dyn (see its card) quantized by onnxruntime's `quantize_static` in QDQ format: per-channel "
        f"int8 weights, {variant.label} activations with zero points, MinMax calibration; dynamic H and W.",
        "",
        "## Files",
        "",
        "| file | bytes | what |",
        "|---|---|---|",
        f"| model.onnx | {len(model)} | QuantizeLinear/DequantizeLinear around every quantized op; int8 weights with "
        "per-channel scales, int32 biases |",
        "| test_data_set_K/ | | goldens: input_0.pb (1,C,H,W) in [0,1], output_0.pb = onnxruntime's output "
        "(CPU EP, default graph optimizations, 1 thread) |",
        "",
        "## Quantization",
        "",
        f"- `quantize_static(model, out, reader, quant_format=QuantFormat.QDQ, per_channel=True, "
        f"weight_type=QuantType.QInt8, activation_type=QuantType.{'QUInt8' if variant.label == 'uint8' else 'QInt8'})`"
        f", onnxruntime {ort.__version__}.",
        f"- calibration: {len(CALIBRATION)} crops of {CALIBRATION_WH[0]}x{CALIBRATION_WH[1]} from samples/images "
        f"(image, top, left): " + "; ".join(f"{im}, {t}, {lf}" for im, t, lf in CALIBRATION) + ".",
        f"- ops: `{op_histogram(model)}`",
        f"- one quantization step of the output: {step:.9g} (the scale of the DequantizeLinear that writes it).",
        "",
        "## Goldens",
        "",
        "| set | crop (image, top, left) | input | output | max abs diff to the float model, in output steps | "
        "PSNR to the float model dB |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['k']} | {r['crop'][0]}, {r['crop'][1]}, {r['crop'][2]} | {list(r['x'].shape)} | "
                     f"{list(r['y'].shape)} | {r['steps']:.1f} | {r['psnr']:.1f} |")
    lines += [
        "",
        "The float model's output is its own golden (onnxruntime on the float model, same input).",
        "",
        "## Reproduce",
        "",
        "```",
        ".venv/bin/python -m exporter.qdq",
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=MODELS, help="folder for the model folders")
    ap.add_argument("--family", action="append", choices=[f.name for f in FAMILIES],
                    help="only these families (repeatable); default all")
    args = ap.parse_args(argv)
    logging.getLogger().setLevel(logging.ERROR)  # quantize_static's advice to run its pre-processing
    for variant in VARIANTS:
        for fam in FAMILIES:
            if fam.name in variant.families and (not args.family or fam.name in args.family):
                print("wrote", write_model(fam, variant, args.out))


if __name__ == "__main__":
    main()
