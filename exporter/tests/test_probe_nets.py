import os

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from exporter import probe_nets


@pytest.mark.parametrize("name", ["einsum", "fsrcnn", "padcrop"])
def test_probe_export_matches_pytorch(tmp_path, name):
    """Each probe net exports at both sizes, and its onnxruntime golden is PyTorch's output."""
    probe_nets.main(["--out", str(tmp_path), "--only", name])
    make, _, channels, _ = probe_nets.NETS[name]
    torch.manual_seed(0)
    net = make().eval()
    for variant in ("fixed", "dyn"):
        folder = tmp_path / f"{name}-{variant}"
        onnx.checker.check_model(onnx.load(os.fspath(folder / "model.onnx")))
        x = numpy_helper.to_array(onnx.load_tensor(os.fspath(folder / "test_data_set_0" / "input_0.pb")))
        y = numpy_helper.to_array(onnx.load_tensor(os.fspath(folder / "test_data_set_0" / "output_0.pb")))
        assert x.shape[1] == channels
        with torch.no_grad():
            expected = net(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


def test_unknown_name_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        probe_nets.main(["--out", str(tmp_path), "--only", "no-such-net"])


def test_dynamo_export_matches_pytorch(tmp_path):
    """The dynamo exporter's files (opset 20, Mish and bool Where here) carry onnxruntime goldens equal to PyTorch's output."""
    pytest.importorskip("onnxscript")
    probe_nets.main(["--out", str(tmp_path), "--only", "swish", "--exporter", "dynamo"])
    torch.manual_seed(0)
    net = probe_nets.NETS["swish"][0]().eval()
    for variant in ("fixed", "dyn"):
        folder = tmp_path / f"swish-{variant}"
        model = onnx.load(os.fspath(folder / "model.onnx"))
        assert model.opset_import[0].version >= 18
        assert {"Mish", "Where"} <= {n.op_type for n in model.graph.node}
        x = numpy_helper.to_array(onnx.load_tensor(os.fspath(folder / "test_data_set_0" / "input_0.pb")))
        y = numpy_helper.to_array(onnx.load_tensor(os.fspath(folder / "test_data_set_0" / "output_0.pb")))
        with torch.no_grad():
            expected = net(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
