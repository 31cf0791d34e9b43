"""Official MambaIR / Q-MambaIR checkpoints (BasicSR layouts) -> exporter models -> exported folders.

The checkpoints are synthetic: this exporter's MambaIR, its quantizers initialised as the official code's
first batch does, saved as the official code saves them (no ``mean`` tensor, every scalar of shape (1,),
wrapped in ``params`` / ``params_ema`` or bare). Tiny configs (C = 30: the official channel attention
squeezes to C // 30 channels) keep the whole file fast.

``python exporter/tests/test_checkpoint.py samples/checkpoints`` (re)writes the committed sample
exports that test/checkpoint-export.test.ts compiles and verifies on every target.
"""
import json
import math
import os
import sys

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from exporter import checkpoint as ck  # noqa: E402
from exporter import ops  # noqa: E402
from exporter.export import main as export_main  # noqa: E402
from exporter.export import torch_forward  # noqa: E402
from exporter.model import Config, MambaIR, make_config  # noqa: E402
from exporter.quant import ActQuant, DlsQuant, RfaQuant, named_quantizers, use_official_init  # noqa: E402

IMAGES = os.path.join(ROOT, "samples", "images")
SET5 = "/work/shared/datasets/Set5" if not os.path.isdir(os.path.join(ROOT, "..", "shared", "datasets")) else \
    os.path.join(ROOT, "..", "shared", "datasets", "Set5")
UNSIGNED_W = "layers.0.residual_group.blocks.0.self_attention.in_proj.linear_weight_quant"

# name: (Config overrides, wrapper, an unsigned weight quantizer)
VARIANTS = {
    "light-x2-w4a4": (dict(style="light", task="sr", upscale=2, bits=4), "params_ema", False),
    "light-x4-w2a2-unsigned": (dict(style="light", task="sr", upscale=4, bits=2), "params", True),
    "classic-x3-fp32": (dict(style="classic", task="sr", upscale=3), "bare", False),
    "classic-x4-w2a2": (dict(style="classic", task="sr", upscale=4, bits=2), "params_ema", False),
    "mambair-light-x3-fp32": (dict(style="light", task="sr", upscale=3, cab="conv", cab_ratio=6), "params", False),
    "light-dn-w4a4": (dict(style="light", task="denoise", upscale=1, bits=4), "params", False),
    "classic-car-fp32": (dict(style="classic", task="car", upscale=1, in_ch=1), "bare", False),
}
# The committed samples (< 1 MB together): the classic SR upsampler (64 -> 576 channels) is too large.
SAMPLES = ("light-x2-w4a4", "light-x4-w2a2-unsigned", "classic-car-fp32")


def tiny(name="t", **over) -> Config:
    d = dict(name=name, in_ch=3, channels=30, groups=1, depth=1, d_state=4, expand=1.2)
    d.update(over)
    return Config(**d)


def make_net(cfg: Config, unsigned=False, seed=0) -> MambaIR:
    """An 'official' model: quantizers initialised on a first batch as the official code does."""
    torch.manual_seed(seed)
    net = MambaIR(cfg)
    if cfg.bits:
        use_official_init(net)
        net.train()
        with torch.no_grad():
            net(torch.rand(2, cfg.in_ch, 12, 12, generator=torch.Generator().manual_seed(seed + 1)))
        if unsigned:  # a weight quantizer trained with signed = 0 (its a on the unsigned grid, beta > 0)
            q = dict(named_quantizers(net))[UNSIGNED_W]
            with torch.no_grad():
                q.signed.fill_(0.0)
                q.beta.fill_(0.05)
                q.alpha.fill_(float(2 * (net.get_submodule(UNSIGNED_W.rsplit(".", 1)[0]).weight + 0.05).abs().mean()
                                     / math.sqrt(2 ** cfg.bits - 1)))
                q.a.copy_(torch.arange(0, 2 ** cfg.bits, dtype=torch.float32) + 0.1 * torch.rand(2 ** cfg.bits))
    return net.eval()


def official_layout(net: MambaIR) -> dict:
    """As the official code saves it: no ``mean`` (a plain attribute there), scalars of shape (1,)."""
    return {k: (v.reshape(1) if v.dim() == 0 else v.clone()) for k, v in net.state_dict().items() if k != "mean"}


def save(path, sd, wrapper):
    torch.save(sd if wrapper == "bare" else {wrapper: sd, "iter": 100}, path)


def run_cli(*args) -> int:
    try:
        export_main([*map(str, args), "--threads", "2"])
    except SystemExit as e:
        return int(e.code)
    return 0


def no_leftovers(folder):
    return not [p for p in os.listdir(folder) if ".partial-" in p or ".old-" in p]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    d = tmp_path_factory.mktemp("ckpt")
    out = {}
    for name, (over, wrapper, unsigned) in VARIANTS.items():
        net = make_net(tiny(name, **over), unsigned)
        path = d / f"{name}.pth"
        save(path, official_layout(net), wrapper)
        assert run_cli("--ckpt", path, "--out", d / name, "--golden-sizes", "12x12,8x12") == 0
        out[name] = (net, path, d / name)
    return out


@pytest.mark.parametrize("name", list(VARIANTS))
def test_exports_every_layout(exports, name):
    net, path, folder = exports[name]
    over, _, _ = VARIANTS[name]
    info = json.load(open(folder / "export.json"))
    cfg = info["config"]
    for k, v in over.items():
        assert cfg[k] == v, (k, cfg)
    assert (cfg["channels"], cfg["groups"], cfg["depth"], cfg["d_state"], cfg["expand"]) == (30, 1, 1, 4, 1.2)
    assert sorted(os.listdir(folder)) == ["export.json", "model.onnx", "test_data_set_0", "test_data_set_1"]
    assert no_leftovers(folder.parent)
    # the goldens are the outputs of the loaded model, which is the checkpoint's model exactly
    for k in range(2):
        x = np.array(numpy_helper.to_array(onnx.load_tensor(str(folder / f"test_data_set_{k}" / "input_0.pb"))))
        y = numpy_helper.to_array(onnx.load_tensor(str(folder / f"test_data_set_{k}" / "output_0.pb")))
        assert np.isfinite(y).all()
        np.testing.assert_allclose(y, torch_forward(net, x, "chunked"), atol=1e-6)
    m = onnx.load(str(folder / "model.onnx"))
    rfa = sum(isinstance(q, RfaQuant) for q in net.modules())
    assert sum(n.op_type == "RfaQuant" for n in m.graph.node) == rfa and (rfa > 0) == bool(net.cfg.bits)
    assert info["inferred"] == ck.describe(net.cfg, [1])


def test_state_dict_wrappers(tmp_path):
    sd = {"a": torch.zeros(1)}
    for wrapper in ("params", "params_ema", "state_dict", "bare"):
        save(tmp_path / "c.pth", sd, wrapper)
        assert ck.read_state_dict(str(tmp_path / "c.pth")) == (sd, wrapper)
    torch.save({"params": {"a": torch.ones(1)}, "params_ema": sd}, tmp_path / "both.pth")
    assert ck.read_state_dict(str(tmp_path / "both.pth"))[1] == "params"  # BasicSR's default param_key_g
    assert ck.read_state_dict(str(tmp_path / "both.pth"), "params_ema")[0]["a"].item() == 0
    torch.save({"module.a": torch.zeros(1)}, tmp_path / "dp.pth")
    assert list(ck.read_state_dict(str(tmp_path / "dp.pth"))[0]) == ["a"]
    with pytest.raises(ck.CheckpointError, match="no state dict under 'net_g'"):
        ck.read_state_dict(str(tmp_path / "both.pth"), "net_g")
    torch.save({"params": {"a": torch.zeros(1), "b": 3}}, tmp_path / "bad.pth")
    with pytest.raises(ck.CheckpointError, match=r"not tensors: \['b'\]"):
        ck.read_state_dict(str(tmp_path / "bad.pth"))
    with pytest.raises(ck.CheckpointError, match="no such file"):
        ck.read_state_dict(str(tmp_path / "none.pth"))
    with pytest.raises(ck.CheckpointError, match="not a MambaIR"):
        ck.infer_config(sd)


def test_unmappable_tensors_are_listed_in_one_error(tmp_path, capsys):
    net = make_net(tiny(style="light", task="sr", upscale=2, bits=4))
    sd = official_layout(net)
    sd["layers.0.extra.weight"] = torch.zeros(3, 2)
    del sd["norm.bias"]
    sd["conv_after_body.weight"] = torch.zeros(30, 30, 1, 1)
    save(tmp_path / "c.pth", sd, "params")
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "keep.txt").write_text("an earlier export")
    assert run_cli("--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert "3 tensors do not map onto MambaIR light SR x2" in err
    assert "layers.0.extra.weight (3, 2)" in err
    assert "conv_after_body.weight: checkpoint (30, 30, 1, 1), model (30, 30, 3, 3)" in err
    assert "in the model, not in the checkpoint (1):\n  norm.bias (30)" in err
    assert "Traceback" not in err
    assert os.listdir(tmp_path / "o") == ["keep.txt"] and no_leftovers(tmp_path)


def test_overrides_are_checked_against_the_tensors(tmp_path, capsys):
    net = make_net(tiny(style="light", task="sr", upscale=2, bits=4))
    save(tmp_path / "c.pth", official_layout(net), "params")
    assert run_cli("--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o", "--upscale", "4") == 2
    assert "upsample.0.weight: checkpoint (12, 30, 3, 3), model (48, 30, 3, 3)" in capsys.readouterr().err
    assert run_cli("--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o", "--bits", "2") == 2
    assert "the checkpoint's quantizers are 4-bit" in capsys.readouterr().err
    assert run_cli("--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o", "--task", "denoise") == 2
    assert "SR model" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and no_leftovers(tmp_path)


def test_bad_arguments_and_layouts_are_clear_errors(tmp_path, capsys):
    net = make_net(tiny(style="classic", task="denoise", upscale=1))
    sd = official_layout(net)
    save(tmp_path / "c.pth", sd, "params")
    for args, message in (
        ([], "give --model PRESET, or --ckpt FILE"),
        (["--model", "tiny-sr2", "--calibrate", IMAGES], "--calibrate DIR is for official checkpoints"),
        (["--ckpt", tmp_path / "c.pth"], "needs --out DIR"),
        (["--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o", "--calibrate"], "needs a folder of calibration"),
        (["--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o", "--upscale", "2"], "has no upsampler"),
        (["--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o", "--golden-sizes", "8x8x3"], "expected HxW"),
        (["--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o", "--bits", "4", "--calibrate", tmp_path / "none"],
         "not a folder of images"),
        (["--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o", "--bits", "4", "--calibrate", tmp_path],
         "no images"),
    ):
        assert run_cli(*args) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and no_leftovers(tmp_path)
    cfg, depths = ck.infer_config(sd)
    assert (cfg.task, cfg.upscale, cfg.cab_spec(), depths) == ("denoise", 1, ("conv", 3), [1])
    net, _, _ = ck.build(sd, "t", task="car")  # the same network, evaluated as JPEG CAR
    assert net.cfg.task == "car"
    with pytest.raises(ck.CheckpointError, match="no image is at least 96x96"):
        ck.lq_crops([os.path.join(IMAGES, "flower-gray-64x64.png")], tiny(task="sr", upscale=4), 1, (24, 24), 0)
    deeper = dict(sd)
    deeper.update({k.replace("layers.0.", "layers.1."): v for k, v in sd.items() if k.startswith("layers.0.")})
    deeper.update({k.replace("blocks.0.", "blocks.1."): v for k, v in sd.items() if "blocks.0." in k})
    with pytest.raises(ck.CheckpointError, match=r"different depths \[2, 1\]"):
        ck.build(deeper, "t")
    odd = {k: v for k, v in sd.items() if ".conv_blk.cab.3." not in k}
    with pytest.raises(ck.CheckpointError, match="unknown CAB layout"):
        ck.infer_config(odd)
    assert ck._expand_for(60, 72) == 1.2 and int(ck._expand_for(30, 37) * 30) == 37


def test_uninitialised_quantizers_are_refused_or_calibrated(tmp_path, capsys):
    net = make_net(tiny(style="classic", task="sr", upscale=2, bits=4))
    sd = official_layout(net)
    q = "layers.0.residual_group.blocks.0.self_attention.x_proj_act_q"
    sd[f"{q}.init_state"] = torch.zeros(1)
    save(tmp_path / "c.pth", sd, "params")
    assert run_cli("--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert "1 of its quantizers have init_state 0" in err and q in err and "--calibrate DIR" in err
    assert not (tmp_path / "o").exists()
    assert run_cli("--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o", "--calibrate", IMAGES,
                   "--golden-sizes", "8x8") == 0
    info = json.load(open(tmp_path / "o" / "export.json"))
    assert info["calibration"].startswith("1 quantizers initialised")
    assert info["quantizers"]["uninitialised"] == []
    # Set5 is for evaluation only
    assert run_cli("--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o2", "--calibrate", os.path.join(SET5, "HR")) == 2
    assert "evaluation only" in capsys.readouterr().err


def small_set5(tmp_path):
    """Two 48x48 crops of Set5 images: the Set5 evaluation path, fast enough for a unit test."""
    from exporter.imgutil import load_rgb
    from PIL import Image
    hr = tmp_path / "datasets" / "Set5" / "HR"
    hr.mkdir(parents=True)
    for f in sorted(os.listdir(os.path.join(SET5, "HR")))[:2]:
        Image.fromarray(load_rgb(os.path.join(SET5, "HR", f))[100:148, 100:148]).save(hr / f)
    return str(tmp_path / "datasets")


def test_float_checkpoint_quantized_with_calibration_and_set5(tmp_path, capsys, monkeypatch):
    import exporter.export as ex
    monkeypatch.setattr(ex, "DATASETS", small_set5(tmp_path))
    net = make_net(tiny(style="light", task="sr", upscale=4))
    save(tmp_path / "f.pth", official_layout(net), "params")
    assert run_cli("--ckpt", tmp_path / "f.pth", "--out", tmp_path / "o", "--bits", "4") == 2
    assert "the float checkpoint has no quantizers" in capsys.readouterr().err
    assert run_cli("--ckpt", tmp_path / "f.pth", "--out", tmp_path / "o", "--bits", "4", "--calibrate", IMAGES,
                   "--eval", "--golden-sizes", "8x8") == 0
    out = capsys.readouterr().out
    assert "W4A4" in out and "Set5:" in out and "float model" in out
    info = json.load(open(tmp_path / "o" / "export.json"))
    s5 = info["set5"]
    assert s5["psnr_vs_float"] == pytest.approx(s5["psnr"] - s5["float_psnr"])
    assert info["quantizers"]["count"] == 27 and info["quantizers"]["uninitialised"] == []
    m = onnx.load(str(tmp_path / "o" / "model.onnx"))
    assert sum(n.op_type == "DlsQuant" for n in m.graph.node) == 8


def test_nothing_half_exported_and_what_it_inferred_is_printed(tmp_path, monkeypatch, capsys):
    import exporter.export as ex
    net = make_net(tiny(style="light", task="sr", upscale=4, bits=4))
    save(tmp_path / "c.pth", official_layout(net), "params")
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "keep.txt").write_text("an earlier export")
    real_export = ex.export_onnx

    def fail(net, form, path, *a, **k):
        open(path, "wb").write(b"half")
        raise RuntimeError("disk full")
    monkeypatch.setattr(ex, "export_onnx", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        run_cli("--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o")
    assert os.listdir(tmp_path / "o") == ["keep.txt"] and no_leftovers(tmp_path)
    monkeypatch.setattr(ex, "export_onnx", real_export)
    capsys.readouterr()
    assert run_cli("--ckpt", tmp_path / "c.pth", "--out", tmp_path / "o", "--golden-sizes", "8x8") == 0
    assert sorted(os.listdir(tmp_path / "o")) == ["export.json", "model.onnx", "test_data_set_0"]
    assert no_leftovers(tmp_path)
    out = capsys.readouterr().out
    assert "(params, " in out
    assert ("inferred: MambaIR light SR x4 (pixelshuffledirect), in_ch 3, embed_dim 30, depths [1], d_state 4, "
            "expand 1.2 (d_inner 36), dt_rank 2, CAB dw (ratio 2), W4A4") in out


# ------------------------------------------------------------------ quantizer semantics of the official code
def official_rfa(w, alpha, beta, a, bits, signed):
    """The official RFA forward, restated: u clipped to the flag's range, then each threshold in turn
    (a later one overwrites), output levels always the signed grid."""
    qn, qp = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
    u = torch.clamp((w + beta) / alpha, qn, qp)
    levels = list(range(-(2 ** (bits - 1)), 2 ** (bits - 1)))
    out = torch.full_like(u, float(levels[0]))
    for i in range(1, len(a)):
        out = torch.where(u > (a[i - 1] + a[i]) / 2, torch.tensor(float(levels[i])), out)
    return out * alpha - beta


def official_dls(x, w, bits, signed):
    """The official DLS forward, restated with its division by alpha = 0 on constant inputs."""
    qn, qp = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
    m, M = x.min(), x.max()
    beta = w[4] * x.mean() + w[5] * x.std() + w[6] * m + w[7] * M
    xb = x + beta
    alpha = (w[0] * xb.mean().abs() + w[1] * xb.std() + w[2] * xb.min() + w[3] * xb.max()).abs()
    alpha = torch.minimum(torch.clamp(alpha, min=1e-6), (M - m) / 2 ** bits)
    return (torch.round(torch.clamp(xb / alpha, qn, qp)) * alpha - beta).clamp(m, M)


@pytest.mark.parametrize("bits", [2, 4])
def test_unsigned_weight_quantizer_matches_the_official_code_and_exports_exactly(bits):
    torch.manual_seed(bits)
    q = RfaQuant(bits)
    w = torch.randn(64, 30) * 0.1
    with torch.no_grad():
        q.signed.fill_(0.0)
        q.init_state.fill_(1.0)
        q.alpha.fill_(0.03)
        q.beta.fill_(0.1)
        q.a.copy_(torch.arange(0, 2 ** bits, dtype=torch.float32) + 0.2 * torch.rand(2 ** bits) - 0.1)
        got = q(w)
        torch.testing.assert_close(got, official_rfa(w, q.alpha, q.beta, q.a, bits, False), rtol=0, atol=0)
        # the signed range would give other values: the flag matters
        assert not torch.equal(got, official_rfa(w, q.alpha, q.beta, q.a, bits, True))
        # the exported graph's signed RfaQuant on (w_hat, grid) reproduces w_hat bit for bit
        grid = torch.arange(-(2 ** (bits - 1)), 2 ** (bits - 1), dtype=torch.float32)
        assert torch.equal(ops.rfa_quant(got, q.alpha, q.beta, grid, bits), got)


def test_signed_weight_quantizer_matches_the_official_code():
    torch.manual_seed(0)
    q = RfaQuant(4)
    w = torch.randn(40, 12) * 0.1
    use_official_init(q)
    q.train()
    q(w)
    with torch.no_grad():
        q.a.add_(0.3 * torch.rand(16) - 0.15)
        torch.testing.assert_close(q(w), official_rfa(w, q.alpha, q.beta, q.a, 4, True), rtol=0, atol=0)


def test_official_first_batch_initialisation():
    x = torch.rand(2, 5, 6, 6)  # non-negative: unsigned
    act, dls, rfa = ActQuant(4), DlsQuant(4), RfaQuant(4)
    for q in (act, dls, rfa):
        use_official_init(q)
        q.train()
    act(x)
    assert not act.is_signed() and act.alpha.item() == pytest.approx(2 * x.abs().mean().item() / math.sqrt(15))
    assert act.beta.item() == 0 and act.init_state.item() == 1
    dls(x - 0.5)
    assert dls.is_signed() and [p.item() for p in dls.w_params()] == pytest.approx([1 / 7, 3 / 7, 0, 0, -1, 0, 0, 0])
    rfa(x)
    assert not rfa.is_signed() and rfa.a.tolist() == list(range(16))
    assert rfa.alpha.item() == pytest.approx(2 * x.abs().mean().item() / math.sqrt(15))
    act2 = ActQuant(4)
    act2.train()
    act2(x)  # this exporter's own initialisation is unchanged
    assert act2.alpha.item() != pytest.approx(act.alpha.item())


def test_dls_on_constant_inputs_official_nan_and_the_exporters_identity():
    q = DlsQuant(4)
    use_official_init(q)
    q.train()
    D = torch.ones(48)  # the scan's D at initialisation
    q(D)
    q.eval()
    assert torch.isnan(official_dls(D, q.w(), 4, q.is_signed())).all()  # 0 / 0
    assert torch.equal(q(D), D)  # qmc and this exporter: alpha = 0 divides by 1, the final clip gives x
    x = torch.randn(100)
    torch.testing.assert_close(q(x), official_dls(x, q.w(), 4, q.is_signed()), rtol=0, atol=1e-6)


def test_preset_configs_keep_their_json():
    # the committed sample models carry Config.to_json in their metadata: the new CAB fields stay out of it
    m = onnx.load(os.path.join(ROOT, "samples", "models", "qmambair-tiny-sr2-w4a4", "model.onnx"),
                  load_external_data=False)
    meta = {p.key: p.value for p in m.metadata_props}
    assert meta["config"] == make_config("tiny-sr2", bits=4).to_json()
    assert "cab" in tiny(cab="conv", cab_ratio=6).to_json()


def write_samples(dest):
    """The committed sample exports (small goldens) for test/checkpoint-export.test.ts."""
    import tempfile
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryDirectory() as td:
        for name in SAMPLES:
            over, wrapper, unsigned = VARIANTS[name]
            path = os.path.join(td, f"{name}.pth")
            save(path, official_layout(make_net(tiny(name, **over), unsigned)), wrapper)
            assert run_cli("--ckpt", path, "--out", os.path.join(dest, name), "--golden-sizes", "12x12,8x12") == 0
            info_path = os.path.join(dest, name, "export.json")
            info = json.load(open(info_path))
            info["ckpt"] = f"synthetic {name}.pth ({wrapper}), exporter/tests/test_checkpoint.py"
            info.pop("export_wall_s")
            json.dump(info, open(info_path, "w"), indent=1, sort_keys=True)


if __name__ == "__main__":
    write_samples(sys.argv[1])
