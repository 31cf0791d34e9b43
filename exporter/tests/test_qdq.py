import os

import numpy as np
import onnx
from onnx import numpy_helper
from onnxruntime.quantization import QuantType

from exporter import qdq
from exporter.families import FAMILIES

ESPCN = next(f for f in FAMILIES if f.name == "espcn")
FLOAT_MODEL = os.path.join(qdq.MODELS, f"{ESPCN.stem}-dyn", "model.onnx")


def test_quantize_is_deterministic_and_writes_qdq_with_per_channel_int8_weights():
    a = qdq.quantize(FLOAT_MODEL, ESPCN.channels, QuantType.QUInt8)
    assert a == qdq.quantize(FLOAT_MODEL, ESPCN.channels, QuantType.QUInt8)
    m = onnx.load_from_string(a)
    ops = {n.op_type for n in m.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear", "Conv"} <= ops
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    weights = [n for n in m.graph.node if n.op_type == "DequantizeLinear" and inits.get(n.input[0]) is not None
               and inits[n.input[0]].ndim == 4]
    assert len(weights) == 3
    for dq in weights:
        assert inits[dq.input[0]].dtype == np.int8 and inits[dq.input[1]].shape == (inits[dq.input[0]].shape[0],)
    assert qdq.output_step(a) > 0


def test_written_folder_has_goldens_at_two_sizes_that_onnxruntime_reproduces(tmp_path):
    name = qdq.write_model(ESPCN, qdq.VARIANTS[0], str(tmp_path))
    folder = tmp_path / name
    model = (folder / "model.onnx").read_bytes()
    sess = qdq.ort_session(model)
    shapes = []
    for k in (0, 1):
        x = numpy_helper.to_array(onnx.load_tensor(str(folder / f"test_data_set_{k}" / "input_0.pb")))
        y = numpy_helper.to_array(onnx.load_tensor(str(folder / f"test_data_set_{k}" / "output_0.pb")))
        np.testing.assert_array_equal(sess.run(None, {"input": x})[0], y)
        shapes.append(x.shape)
    assert shapes[0] != shapes[1]
    assert "quantize_static" in (folder / "README.md").read_text()
    # the committed sample is what the script writes
    assert model == open(os.path.join(qdq.MODELS, name, "model.onnx"), "rb").read()
