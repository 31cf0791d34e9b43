import os

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from onnx import numpy_helper

from exporter import families
from exporter.families import FAMILIES, EDSR, export_bytes, ort_run, phase_taps, photo_crop, torch_run

BY_NAME = {f.name: f for f in FAMILIES}
# the ops each family's export must show: what makes it that family's graph
SIGNATURE_OPS = {
    "espcn": {"Conv", "Relu", "Reshape", "Transpose"},
    "srcnn": {"Resize", "Conv", "Relu"},
    "srvgg": {"Conv", "PRelu", "DepthToSpace", "Resize", "Add"},
    "edsr": {"Conv", "Relu", "Mul", "Add", "DepthToSpace"},
}


def classic(fam, x):
    mode = "bilinear" if fam.name in ("srvgg", "edsr") else "bicubic"
    return F.interpolate(x, scale_factor=fam.scale, mode=mode, align_corners=False)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_export_runs_in_onnxruntime_as_in_pytorch(name):
    fam = BY_NAME[name]
    net = fam.build(True)
    fixed = onnx.load_from_string(export_bytes(net, fam.channels, (11, 9), dynamic=False))
    dyn = export_bytes(net, fam.channels, (11, 9), dynamic=True)
    ops = {n.op_type for n in onnx.load_from_string(dyn).graph.node}
    assert SIGNATURE_OPS[name] <= ops
    if name == "espcn":
        assert "DepthToSpace" not in ops  # the shuffle is written out, as the tutorial-style ports do
    assert [d.dim_value for d in fixed.graph.input[0].type.tensor_type.shape.dim] == [1, fam.channels, 9, 11]
    assert fixed.opset_import[0].version == families.OPSET
    g = torch.Generator().manual_seed(5)
    for h, w in ((9, 11), (7, 13)):
        x = torch.rand(1, fam.channels, h, w, generator=g).numpy()
        want = torch_run(net, x)
        assert want.shape == (1, fam.channels, h * fam.scale, w * fam.scale)
        np.testing.assert_allclose(ort_run(dyn, x), want, atol=1e-4, rtol=0)
        if (h, w) == (9, 11):
            np.testing.assert_allclose(ort_run(fixed.SerializeToString(), x), want, atol=1e-4, rtol=0)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_init_is_the_classical_upscale_plus_noise(name, monkeypatch):
    fam = BY_NAME[name]
    x = torch.rand(1, fam.channels, 16, 18, generator=torch.Generator().manual_seed(7))
    b = families.INTERIOR_BORDER * fam.scale
    with torch.no_grad():
        noisy = fam.build(True)(x)[..., b:-b, b:-b]
        monkeypatch.setattr(families, "NOISE", 0.0)
        exact = fam.build(True)(x)[..., b:-b, b:-b]
    want = classic(fam, x)[..., b:-b, b:-b]
    torch.testing.assert_close(exact, want, atol=1e-5, rtol=0)
    # the noise reaches the output, and stays small
    assert 1e-3 < (noisy - want).abs().mean() < 5e-2


def test_builds_are_deterministic():
    fam = BY_NAME["srvgg"]
    assert export_bytes(fam.build(True), 3, (8, 8), True) == export_bytes(fam.build(True), 3, (8, 8), True)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="3x3 window cannot hold bicubic x3"):
        phase_taps(3, "bicubic", 3)
    with pytest.raises(ValueError, match="bilinear x2 only, not x3"):
        EDSR(scale=3).init_bilinear()
    with pytest.raises(ValueError, match="no 40x40 crop at top 80"):
        photo_crop("flower-96x96.png", 80, 0, 40, 40, 3)


def test_script_writes_model_folders_with_ort_goldens(tmp_path):
    families.main(["--out", str(tmp_path), "--family", "espcn"])
    assert sorted(os.listdir(tmp_path)) == ["espcn-x3-dyn", "espcn-x3-fixed"]
    for folder, sets in (("espcn-x3-fixed", 1), ("espcn-x3-dyn", 2)):
        d = tmp_path / folder
        model = (d / "model.onnx").read_bytes()
        assert sorted(p.name for p in d.iterdir()) == ["README.md", "model.onnx"] + [
            f"test_data_set_{k}" for k in range(sets)]
        for k in range(sets):
            x, y = (numpy_helper.to_array(onnx.load_tensor(str(d / f"test_data_set_{k}" / f"{n}_0.pb")))
                    for n in ("input", "output"))
            assert x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
            np.testing.assert_array_equal(ort_run(model, x), y)
        assert "ORT vs PyTorch: max abs diff" in (d / "README.md").read_text()
