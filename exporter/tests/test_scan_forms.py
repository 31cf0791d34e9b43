"""The standard-ops export's three scan forms (--scan doubling | chunked | loop) against the sequential
reference, in PyTorch and through onnxruntime."""
import numpy as np
import onnx
import pytest
import torch

from exporter import ops
from exporter.export import export_onnx, run_ort, torch_forward
from exporter.std_scans import externalize
from exporter.tests.test_export import make
from exporter.tests.test_scan import mk


@pytest.mark.parametrize("L,chunk", [(1, 8), (7, 8), (77, 8), (300, 24)])
def test_closed_form_matches_sequential(L, chunk):
    args = mk(2, 4, 3, 5, L, dt_mean=-4.0)  # chunk decays well inside float32's exponent range
    ref = ops.selective_scan_ref(*args)
    out = ops.selective_scan_closed(*args, chunk=chunk)
    assert torch.allclose(out, ref, atol=1e-4, rtol=1e-4), (out - ref).abs().max()


def test_closed_form_overflows_where_the_doubling_form_does_not():
    args = mk(1, 4, 4, 8, 256, dt_mean=6.0)
    assert not torch.isfinite(ops.selective_scan_closed(*args, chunk=64)).all()
    assert torch.isfinite(ops.selective_scan_chunked(*args, chunk=64)).all()


@pytest.fixture(scope="module")
def net():
    return make(None)


@pytest.mark.parametrize("scan", ops.STD_SCAN_FORMS)
@pytest.mark.parametrize("dynamic", [True, False])
def test_each_form_runs_in_onnxruntime_like_pytorch(net, tmp_path, scan, dynamic):
    path = str(tmp_path / f"{scan}.onnx")
    m = export_onnx(net, "std", path, sample_hw=(12, 20), scan=scan, dynamic=dynamic)
    ops_used = {n.op_type for n in m.graph.node}
    assert {"doubling": "Pad", "chunked": "CumSum", "loop": "Loop"}[scan] in ops_used
    assert (scan == "loop") == ("Loop" in ops_used) and (scan == "chunked") == ("CumSum" in ops_used)
    assert {o.domain for o in m.opset_import} <= {"", "ai.onnx"}
    x = torch.rand(1, 3, 12, 20, generator=torch.Generator().manual_seed(2)).numpy()
    y = run_ort(path, x)
    ref = torch_forward(net, x, "chunked")  # the stable doubling scan, = sequential to ~1e-6
    assert np.abs(y - ref).max() < 1e-4
    if dynamic:  # another size through the same graph
        x2 = torch.rand(1, 3, 9, 14, generator=torch.Generator().manual_seed(3)).numpy()
        assert np.abs(run_ort(path, x2) - torch_forward(net, x2, "chunked")).max() < 1e-4


def test_unknown_scan_form_is_refused(net, tmp_path):
    with pytest.raises(ValueError, match="--scan 'cumsum'"):
        export_onnx(net, "std", str(tmp_path / "x.onnx"), scan="cumsum")


def test_shared_external_weights_are_read_by_onnxruntime(net, tmp_path):
    models = {s: export_onnx(net, "std", "", sample_hw=(12, 20), scan=s, save=lambda m, _: None)
              for s in ("doubling", "loop")}
    inline = {s: sum(len(t.raw_data) for t in m.graph.initializer) for s, m in models.items()}
    size = externalize(models, str(tmp_path))
    assert 0 < size < sum(inline.values())  # shared weights are stored once
    x = torch.rand(1, 3, 12, 20, generator=torch.Generator().manual_seed(4)).numpy()
    for s, m in models.items():
        assert any(t.data_location == onnx.TensorProto.EXTERNAL for t in m.graph.initializer)
        onnx.save(m, str(tmp_path / f"{s}.onnx"))
        assert np.abs(run_ort(str(tmp_path / f"{s}.onnx"), x) - torch_forward(net, x, "chunked")).max() < 1e-4
