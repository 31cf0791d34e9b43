"""Print a Markdown summary of every samples/models/*/export.json (used for exporter/STATUS.md)."""
from __future__ import annotations

import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    rows = []
    for f in sorted(glob.glob(os.path.join(ROOT, "samples", "models", "*", "export.json"))):
        e = json.load(open(f))
        info = e.get("info", {})
        met = e.get("metrics") or {}
        s5, s14 = met.get("Set5", {}).get("avg", {}), met.get("Set14", {}).get("avg", {})
        g = e.get("goldens", [])
        hist = info.get("history") or []
        iters = (info.get("iters") or 0) + sum(h.get("iters") or 0 for h in hist)
        wall = (info.get("wall_s") or 0) + sum(h.get("wall_s") or 0 for h in hist)

        def f2(d, k, n=2):
            return f"{d[k]:.{n}f}" if k in d else "-"

        rows.append(f"| {e['folder']} | {e['params']:,} | {e['bytes_compact']:,} / {e['bytes_std']:,} | "
                    f"{iters if info.get('trained') else 'untrained'} | {wall:.0f} | "
                    f"{f2(s5, 'base_psnr')} / {f2(s5, 'psnr')} ({f2(s5, 'ssim', 4)}) | "
                    f"{f2(s14, 'base_psnr')} / {f2(s14, 'psnr')} ({f2(s14, 'ssim', 4)}) | "
                    f"{max((x['ort_std_max_abs_diff'] for x in g), default=float('nan')):.3g} | "
                    f"{all(x['ort_std_finite'] for x in g)} |")
    print("| model | params | bytes compact / std | iterations (all stages) | train wall s | "
          "Set5 baseline / model PSNR (SSIM) | Set14 baseline / model PSNR (SSIM) | ORT std max abs diff "
          "(goldens) | std finite |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
