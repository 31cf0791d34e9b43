"""Model cards (README.md) for samples/models/<model>-<precision>/."""
from __future__ import annotations

import json
import os

BASE_NAME = {"sr": "bicubic", "denoise": "noisy input", "car": "JPEG input"}
TASK_DESC = {
    "sr": "super-resolution x{s} (RGB, MATLAB-bicubic degradation)",
    "denoise": "color Gaussian denoising, sigma 25 (noisy input clipped to [0,1])",
    "car": "grayscale JPEG compression artefact removal, quality 10 (PIL/libjpeg)",
}


def _fmt(v, n=2):
    return "-" if v is None else f"{v:.{n}f}"


def _reproduce(exp):
    m, p = exp["model"], exp["precision"]
    cmds = ["python -m exporter.data gather"]
    info = exp.get("info", {})
    args = info.get("args") or {}
    if info.get("trained"):
        for h in info.get("history") or []:
            ha = h.get("args") or {}
            line = f"python -m exporter.train --model {m} --precision {ha.get('precision')} --minutes {ha.get('minutes')}"
            line += f" --batch {ha.get('batch')} --patch {ha.get('patch')}"
            if ha.get("lr"):
                line += f" --lr {ha.get('lr')}"
            if ha.get("init"):
                line += f" --init {ha.get('init')}"
            if ha.get("out"):
                line += f" --out {ha.get('out')}"
            cmds.append(line)
        line = f"python -m exporter.train --model {m} --precision {p} --minutes {args.get('minutes')}"
        line += f" --batch {args.get('batch')} --patch {args.get('patch')}"
        if args.get("lr"):
            line += f" --lr {args.get('lr')}"
        if args.get("init"):
            line += f" --init {args.get('init')}"
        if args.get("out"):
            line += f" --out {args.get('out')}"
        cmds.append(line)
        cmds.append(f"python -m exporter.export --model {m} --precision {p} --ckpt {exp['ckpt']} --eval")
    else:
        rs = info.get("residual_scale")
        cmds.append(f"python -m exporter.export --model {m} --precision {p} --calibrate"
                    + (f" --residual-scale {rs:g}" if rs is not None else "") + " --threads 1")
    return "\n".join(cmds)


def write_card(out, exp):
    cfg = json.loads(exp["ops_compact"] and json.dumps(exp.get("config") or {})) if False else None
    from .model import make_config
    bits = None if exp["precision"] == "fp32" else int(exp["precision"][1:].split("a")[0])
    c = make_config(exp["model"], bits=bits)
    task = c.task
    s = c.upscale
    info = exp.get("info", {})
    L = []
    L.append(f"# {exp['folder']}\n")
    L.append(f"MambaIR ({c.style} variant) for {TASK_DESC[task].format(s=s)}, "
             f"{'full precision (FP32)' if not bits else f'Q-MambaIR W{bits}A{bits}'}.")
    if not info.get("trained", True):
        if info.get("residual_scale") is not None:
            L.append("\n**Benchmark model: weights are randomly initialised (MambaIR's own initialisation, with "
                     f"the last layer of every residual branch scaled by {info['residual_scale']:g}, as Fixup / "
                     "SkipInit do) and NOT trained; its quantizers were calibrated on real photographs. Its "
                     "outputs are not useful restorations; it exists to measure speed and numerics at the real "
                     "light-SR size.**")
        else:
            L.append("\n**Benchmark model: weights are randomly initialised (MambaIR's own initialisation) and NOT "
                     "trained; its quantizers were calibrated on real photographs. Its outputs are not useful "
                     "restorations; it exists to measure speed and numerics at the real light-SR size.**")
    L.append("\n## Files\n")
    L.append("| file | bytes | what |\n|---|---|---|")
    L.append(f"| model.onnx | {exp['bytes_compact']} | compact form: opset 17 + `ai.qmambair` v1 custom ops (for qmc) |")
    L.append(f"| model.std.onnx | {exp['bytes_std']} | standard-ops form (quantizers as Round/Clip/Reduce*, "
             f"scan as a chunked log-depth scan) that onnxruntime runs |")
    L.append("| test_data_set_K/ | | goldens: input_0.pb (1,C,H,W) in [0,1], output_0.pb = PyTorch output |")
    L.append("| export.json | | everything measured at export (op counts, ORT diffs, metrics, training log tail) |")
    L.append("\n## Architecture\n")
    L.append(f"- style `{c.style}`, task `{task}`, upscale {s}, in_ch {c.in_ch}, channels C={c.channels}, "
             f"{c.groups} groups x {c.depth} blocks, d_state N={c.d_state}, expand {c.expand} "
             f"(E={int(c.expand * c.channels)}), dt_rank {-(-c.channels // 16)}, upsampler `{c.upsampler or 'none'}`")
    L.append(f"- parameters: {exp['params']:,} (network weights; quantizer parameters not counted)")
    if bits:
        L.append(f"- quantization: W{bits}A{bits} per QMAMBAIR.md 2.4 (RfaQuant weights, ActQuant inputs of "
                 "in_proj/dwconv/x_proj/dt_proj/CAB convs/RSSG tail conv, DlsQuant on scan inputs u, delta, B, C, "
                 "on A, D, delta_bias and on the out_proj input); head/tail convs, LayerNorms, channel attention "
                 "stay float")
    L.append(f"- compact form ops: `{json.dumps(exp['ops_compact'])}`")
    L.append(f"- standard form ops: `{json.dumps(exp['ops_std'])}`")
    L.append("\n## Training\n")
    if info.get("trained"):
        args = info.get("args") or {}
        L.append(f"- data: openly licensed photographs from Debian packages (mate-backgrounds nature photos, "
                 f"GPL-2+; scikit-image sample photos, CC0 / public domain), see exporter/DATA.md. "
                 f"Set5/Set14 never used for training.")
        L.append(f"- {info.get('iters')} iterations, batch {args.get('batch')}, LQ patch {args.get('patch')}, "
                 f"L1 loss, Adam lr {args.get('lr') or ('1e-3' if bits is None else '2e-4')} cosine to 1/100, "
                 f"grad clip 1.0, CPU ({args.get('threads')} thread), wall time {info.get('wall_s')} s")
        for h in info.get("history") or []:
            ha = h.get("args") or {}
            L.append(f"- preceded by run `{h.get('run')}`: {h.get('iters')} iterations, batch {ha.get('batch')}, "
                     f"patch {ha.get('patch')}, lr {ha.get('lr') or 'default'}, {ha.get('minutes')} min budget, "
                     f"wall time {h.get('wall_s')} s")
        if args.get("init") and bits:
            L.append(f"- QAT started from `{os.path.basename(os.path.dirname(args['init']))}` (see the run list above for the FP32 stage it came from); "
                     "quantizers initialised from the first batch (signed flags frozen there)")
        if info.get("log_tail"):
            L.append(f"- last log records: `{json.dumps(info['log_tail'])}`")
    else:
        L.append(f"- not trained; {info.get('calibration', '')}")
        if info.get("init"):
            L.append(f"- initialisation: {info['init']}. Why: with MambaIR's plain initialisation every untrained "
                     "branch adds an O(1) update, and over 24 blocks a last-bit difference that flips one 4-bit "
                     "code of a whole-tensor DlsQuant statistic was amplified chaotically (two correct "
                     "implementations agreed to only ~25-30 dB). Scaled branches keep the untrained network "
                     "well-conditioned, as a trained one is; the computation graph and sizes are unchanged.")
    L.append("\n## Metrics (PSNR dB / SSIM on Y, BasicSR conventions)\n")
    met = exp.get("metrics")
    if met:
        fp = None
        if bits:
            fpj = os.path.join(os.path.dirname(out), out.rstrip("/").split("/")[-1].rsplit("-", 1)[0] + "-fp32",
                               "export.json")
            if os.path.exists(fpj):
                fp = json.load(open(fpj)).get("metrics")
        crop = f"crop {s}" if task == "sr" else "crop 0"
        L.append(f"Border {crop}; whole images, no tiling. {BASE_NAME[task]} is the baseline.\n")
        hdr = f"| set | {BASE_NAME[task]} |" + (" FP32 |" if fp else "") + f" this ({exp['precision'].upper()}) |"
        L.append(hdr)
        L.append("|---|---|" + ("---|" if fp else "") + "---|")
        for st, r in met.items():
            a = r["avg"]
            row = f"| {st} | {_fmt(a['base_psnr'])} / {_fmt(a['base_ssim'], 4)} |"
            if fp and st in fp:
                row += f" {_fmt(fp[st]['avg']['psnr'])} / {_fmt(fp[st]['avg']['ssim'], 4)} |"
            row += f" {_fmt(a.get('psnr'))} / {_fmt(a.get('ssim'), 4)} |"
            L.append(row)
    else:
        L.append("not evaluated (see above).")
    L.append("\n## Goldens and the standard form\n")
    L.append("| set | input | output | ORT(std) vs PyTorch: max abs diff | mean abs diff | pixels > 1e-3 | "
             "PSNR(ORT, PyTorch) dB | torch chunked vs sequential scan |")
    L.append("|---|---|---|---|---|---|---|---|")
    for g in exp["goldens"]:
        L.append(f"| {g['set']} | {g['input_shape']} | {g['output_shape']} | {g['ort_std_max_abs_diff']:.3g} | "
                 f"{g.get('ort_std_mean_abs_diff', float('nan')):.3g} | {g.get('ort_std_frac_gt_1e3', float('nan')):.2%} | "
                 f"{g.get('ort_std_psnr_vs_torch', float('nan')):.1f} | {g['torch_chunked_vs_seq_max_abs_diff']:.3g} |")
    if bits:
        L.append("\nWith DlsQuant, a last-bit difference in a whole-tensor statistic (ORT and PyTorch sum in "
                 "different orders) can move a value across a rounding boundary, and the changed code shifts "
                 "the next DlsQuant's statistics: quantized outputs of two correct implementations can differ by "
                 "whole quantization steps in some pixels. The FP32 sibling matches to ~1e-6.")
    L.append("\nGolden outputs are PyTorch's (float32, sequential scan). Inputs are crops of held-out photographs "
             "(YellowFlower.jpg, chelsea.png), degraded as in training. DlsQuant statistics are taken over the "
             "whole input tensor, so a tiled run differs.")
    L.append("\n## Reproduce\n\n```\n" + _reproduce(exp) + "\n```\n")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(L) + "\n")
