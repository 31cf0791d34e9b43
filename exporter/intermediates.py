"""Write onnxruntime's value of every float node output, for `qmc verify --per-node`.

  .venv/bin/python -m exporter.intermediates MODEL.onnx DIR

DIR is an ONNX test-data folder (input_0.pb, ...). Every node output becomes a graph output;
onnxruntime runs the model on DIR's inputs (CPU, one thread, no graph optimization, so that no node
is fused away or renamed) and each value of float type is written to DIR/intermediates/<escaped
name>.pb as a TensorProto whose `name` is the exact ONNX value name. The file name is only an escape of it
(PyTorch names such as "/conv1/Conv_output_0" are not file names): readers match on `name`.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import os
import re

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

SUBDIR = "intermediates"
# Room for ".pb" under the usual 255-byte limit on a file name.
MAX_STEM = 200


def escape(name: str) -> str:
    """A file stem of [A-Za-z0-9.-] and '_' escapes, one to one: '_' and every other byte become _XX."""
    stem = re.sub(rb"[^A-Za-z0-9.-]", lambda m: b"_%02X" % m.group(0)[0], name.encode()).decode()
    if stem in (".", ".."):
        stem = stem.replace(".", "_2E")
    if len(stem) > MAX_STEM:
        # Still one to one in practice: the hash of the whole name follows a readable prefix.
        stem = f"{stem[:MAX_STEM - 41]}_{hashlib.sha1(name.encode()).hexdigest()}"
    return stem


def node_outputs(model: onnx.ModelProto) -> list[str]:
    """Every main-graph node output, in node order."""
    return [name for node in model.graph.node for name in node.output if name]


def read_inputs(model: onnx.ModelProto, folder: str) -> dict[str, np.ndarray]:
    initializers = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in initializers]
    files = sorted(glob.glob(os.path.join(folder, "input_*.pb")),
                   key=lambda p: int(re.search(r"input_(\d+)\.pb$", p).group(1)))
    if len(files) != len(names):
        raise SystemExit(f"{folder}: {len(files)} input_N.pb file(s), the model takes {len(names)} input(s)")
    feeds = {}
    for name, path in zip(names, files):
        t = TensorProto()
        with open(path, "rb") as f:
            t.ParseFromString(f.read())
        feeds[name] = numpy_helper.to_array(t)
    return feeds


def write_intermediates(model_path: str, folder: str) -> list[str]:
    """Runs the model with every node output exposed; writes the float ones; returns their names."""
    import onnxruntime as ort

    model = onnx.load(model_path)
    names = node_outputs(model)
    present = {o.name for o in model.graph.output}
    # Untyped outputs: onnxruntime takes their types from the graph, even where shape inference
    # knows none (its contrib ops); the float ones are kept below, from the values themselves.
    model.graph.output.extend(onnx.ValueInfoProto(name=n) for n in names if n not in present)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    results = session.run(names, read_inputs(model, folder))
    floats = [(n, a) for n, a in zip(names, results)
              if isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)]
    out = os.path.join(folder, SUBDIR)
    os.makedirs(out, exist_ok=True)
    # Files of an earlier run may name values this model no longer has.
    for stale in glob.glob(os.path.join(out, "*.pb")):
        os.remove(stale)
    for name, arr in floats:
        with open(os.path.join(out, escape(name) + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.ascontiguousarray(arr), name=name).SerializeToString())
    return [name for name, _ in floats]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m exporter.intermediates", description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="the .onnx file")
    ap.add_argument("folder", help="an ONNX test-data folder with input_N.pb")
    a = ap.parse_args(argv)
    names = write_intermediates(a.model, a.folder)
    print(f"wrote {len(names)} intermediates to {os.path.join(a.folder, SUBDIR)}")


if __name__ == "__main__":
    main()
