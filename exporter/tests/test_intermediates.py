import os
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from exporter.intermediates import MAX_STEM, escape, main, write_intermediates

X = np.linspace(-1, 1, 12, dtype=np.float32).reshape(1, 1, 3, 4)
W = np.float32(-2.5)


def tiny_model(path):
    """x * w -> relu -> + x, with PyTorch-style names holding '/' and ':', and an int64 Shape output."""
    nodes = [
        helper.make_node("Mul", ["x", "w"], ["/conv1/Conv_output_0"], name="/conv1/Mul"),
        helper.make_node("Relu", ["/conv1/Conv_output_0"], ["relu:0"], name="relu"),
        helper.make_node("Add", ["relu:0", "x"], ["y"], name="add"),
        helper.make_node("Shape", ["y"], ["y_shape"], name="shape"),
    ]
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 3, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 3, 4]),
         helper.make_tensor_value_info("y_shape", TensorProto.INT64, [4])],
        [numpy_helper.from_array(np.array(W), "w")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)


def test_every_float_node_output_round_trips_by_name(tmp_path):
    model = str(tmp_path / "m.onnx")
    tiny_model(model)
    golden = golden_with_input(tmp_path, X)
    stale = golden / "intermediates"
    stale.mkdir()
    (stale / "gone.pb").write_bytes(b"")

    main([model, str(golden)])

    files = sorted(os.listdir(golden / "intermediates"))
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+\.pb", f) for f in files)
    read = {}
    for f in files:
        t = TensorProto()
        t.ParseFromString((golden / "intermediates" / f).read_bytes())
        read[t.name] = numpy_helper.to_array(t)
    mul = X * W
    relu = np.maximum(mul, 0)
    expected = {"/conv1/Conv_output_0": mul, "relu:0": relu, "y": relu + X}
    assert set(read) == set(expected)  # the int64 shape is not written, the stale file is gone
    for name, value in expected.items():
        np.testing.assert_array_equal(read[name], value)
    assert "_2Fconv1_2FConv_5Foutput_5F0.pb" in files


def test_escape_is_one_to_one_and_short():
    assert escape("a/b") != escape("a_2Fb")
    assert escape("..") == "_2E_2E"
    assert re.fullmatch(r"[A-Za-z0-9._-]+", escape("/ß:x y"))
    long_a, long_b = "/blocks.0" * 40 + "/a", "/blocks.0" * 40 + "/b"
    assert len(escape(long_a)) == MAX_STEM
    assert escape(long_a) != escape(long_b)


def golden_with_input(tmp_path, x):
    golden = tmp_path / "test_data_set_0"
    golden.mkdir()
    (golden / "input_0.pb").write_bytes(numpy_helper.from_array(x, "x").SerializeToString())
    return golden


def test_outputs_without_an_inferable_type_are_written(tmp_path):
    """onnxruntime's contrib Gelu has no ONNX schema: shape inference types nothing after it."""
    nodes = [helper.make_node("Gelu", ["x"], ["g"], domain="com.microsoft"), helper.make_node("Relu", ["g"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    model = str(tmp_path / "gelu.onnx")
    onnx.save(helper.make_model(graph, ir_version=8, opset_imports=[helper.make_opsetid("", 17),
                                                                     helper.make_opsetid("com.microsoft", 1)]), model)
    golden = golden_with_input(tmp_path, np.array([1, -1], np.float32))
    assert write_intermediates(model, str(golden)) == ["g", "y"]
    t = TensorProto()
    t.ParseFromString((golden / "intermediates" / "g.pb").read_bytes())
    np.testing.assert_allclose(numpy_helper.to_array(t), [0.8413447, -0.15865526], rtol=1e-6)


def test_a_missing_input_file_is_named(tmp_path):
    model = str(tmp_path / "m.onnx")
    tiny_model(model)
    golden = tmp_path / "empty"
    golden.mkdir()
    with pytest.raises(SystemExit, match="0 input_N.pb file\\(s\\), the model takes 1 input"):
        main([model, str(golden)])
