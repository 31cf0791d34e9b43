import pytest
import torch

from exporter import ops
from exporter.model import Config, MambaIR, make_config
from exporter.quant import load_qmambair_state_dict, quantizers


def small(**kw):
    d = dict(name="t", style="light", task="sr", upscale=2, in_ch=3, channels=16, groups=1, depth=1, d_state=4,
             expand=1.5)
    d.update(kw)
    return Config(**d)


@pytest.mark.parametrize("style", ["light", "classic"])
@pytest.mark.parametrize("task,up,in_ch", [("sr", 1, 3), ("sr", 2, 3), ("sr", 3, 1), ("sr", 4, 3), ("denoise", 1, 3),
                                            ("car", 1, 1)])
def test_variants_shapes(style, task, up, in_ch):
    if task != "sr" and up != 1:
        pytest.skip()
    cfg = small(style=style, task=task, upscale=up, in_ch=in_ch, bits=4)
    if task == "sr" and up == 1 and style == "classic":
        pass
    net = MambaIR(cfg)
    net.train()
    x = torch.rand(1, in_ch, 6, 9)
    with torch.no_grad():
        net(x)  # first-batch init
    net.eval()
    y = net(x)
    assert y.shape == (1, in_ch, 6 * up, 9 * up)
    assert torch.isfinite(y).all()


def public_names(g, i):
    p = f"layers.{g}.residual_group.blocks.{i}."
    names = []
    for q in ("in_proj.linear_act_quant", "in_proj.linear_weight_quant", "conv2d.conv_act_quant",
              "conv2d.conv_weight_quant", "x_proj_act_q", "x_proj_weight_q", "dt_proj_act_q", "dt_proj_weight_q",
              "out_proj.linear_act_quant", "out_proj.linear_weight_quant"):
        names.append(p + "self_attention." + q)
    for q in ("xs_q", "dts_q", "As_q", "Bs_q", "Cs_q", "Ds_q", "dt_projs_bias_q"):
        names.append(p + "self_attention." + q)
    names.append(f"layers.{g}.conv.conv_act_quant")
    names.append(f"layers.{g}.conv.conv_weight_quant")
    return names


def test_public_state_dict_names_and_loading():
    cfg = small(bits=4, groups=2, depth=2)
    net = MambaIR(cfg)
    net.train()
    x = torch.rand(2, 3, 8, 8)
    with torch.no_grad():
        net(x)
    sd = net.state_dict()
    for g in range(2):
        for i in range(2):
            for n in public_names(g, i):
                if n.endswith("_q") and n.split(".")[-1] in ("xs_q", "dts_q", "As_q", "Bs_q", "Cs_q", "Ds_q",
                                                               "dt_projs_bias_q"):
                    for k in ("weight1", "weight2", "weight3", "weight4", "weight21", "weight22", "weight23",
                              "weight24", "init_state", "signed"):
                        assert f"{n}.{k}" in sd, f"{n}.{k}"
                elif n.endswith("out_proj.linear_act_quant"):
                    assert f"{n}.weight21" in sd  # a DLS
                else:
                    for k in ("alpha", "beta", "init_state", "signed"):
                        assert f"{n}.{k}" in sd, f"{n}.{k}"
                    if "weight" in n.split(".")[-1]:
                        assert f"{n}.a" in sd
            for k in (0, 1, 3, 4):
                assert f"layers.{g}.residual_group.blocks.{i}.conv_blk.cab.{k}.conv_weight_quant.a" in sd
            for k in ("x_proj_weight", "dt_projs_weight", "dt_projs_bias", "A_logs", "Ds", "out_norm.weight",
                      "in_proj.weight", "conv2d.weight", "conv2d.bias", "out_proj.weight"):
                assert f"layers.{g}.residual_group.blocks.{i}.self_attention.{k}" in sd
            for k in ("ln_1.weight", "ln_2.weight", "skip_scale", "skip_scale2"):
                assert f"layers.{g}.residual_group.blocks.{i}.{k}" in sd
    for k in ("conv_first.weight", "patch_embed.norm.weight", "norm.weight", "conv_after_body.weight",
              "upsample.0.weight"):
        assert k in sd
    # the public checkpoint stores quantizer scalars as shape (1,) and flags as bool/int: loadable
    pub = {}
    for k, v in sd.items():
        if v.dim() == 0:
            v = v.reshape(1)
            if k.endswith("signed"):
                v = v.bool()
        pub[k] = v.clone()
    net2 = MambaIR(cfg)
    load_qmambair_state_dict(net2, pub, strict=True)
    net.eval(), net2.eval()
    assert torch.equal(net(x), net2(x))
    assert all(q.init_state.item() == 1 for q in quantizers(net2))


def test_fp32_weights_load_into_quantized_model():
    fp = MambaIR(small())
    q = MambaIR(small(bits=4))
    res = load_qmambair_state_dict(q, fp.state_dict(), strict=False)
    assert not res.unexpected_keys
    assert all(("quant" in k or "_q." in k) for k in res.missing_keys)


def test_reference_configs_param_count():
    net = MambaIR(make_config("light-sr2"))
    n = sum(p.numel() for p in net.parameters())
    assert 0.85e6 < n < 1.0e6, n  # MambaIR light SR ~0.91M (CAB variant of QMAMBAIR.md)
