import json
import os

import numpy as np
import pytest

from exporter.imgutil import imresize, load_rgb, to_u8
from exporter.metrics import calculate_psnr, calculate_ssim

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DS = next((p for p in (os.path.join(ROOT, "..", "shared", "datasets"), "/work/shared/datasets")
           if os.path.exists(os.path.join(p, "REFERENCE_METRICS.json"))), None)


@pytest.mark.skipif(DS is None, reason="shared/datasets not present")
def test_reproduces_basicsr_reference_metrics():
    ref = json.load(open(os.path.join(DS, "REFERENCE_METRICS.json")))
    for p in ref["pairs"]:
        a = load_rgb(os.path.join(DS, p["gt"]))
        b = load_rgb(os.path.join(DS, p["restored"]))
        assert abs(calculate_psnr(a, b, p["crop_border"], p["test_y_channel"]) - p["psnr"]) < 1e-4
        assert abs(calculate_ssim(a, b, p["crop_border"], p["test_y_channel"]) - p["ssim"]) < 1e-4
    for avg in ref["averages"]:
        rows = [p for p in ref["pairs"] if p["label"] == avg["label"] and p["crop_border"] == avg["crop_border"]
                and p["test_y_channel"] == avg["test_y_channel"]]
        assert abs(np.mean([r["psnr"] for r in rows]) - avg["psnr"]) < 1e-4


@pytest.mark.skipif(DS is None, reason="shared/datasets not present")
def test_matlab_imresize_matches_set5_lr_and_bicubic_baseline():
    hr = load_rgb(os.path.join(DS, "Set5", "HR", "bird.png"))
    lr = load_rgb(os.path.join(DS, "Set5", "LRbicx2", "bird.png"))
    mine = to_u8(imresize(hr / 255.0, 0.5))
    assert np.abs(mine.astype(int) - lr).max() <= 1 and (mine != lr).mean() < 1e-3
    up = to_u8(imresize(lr / 255.0, 2))
    assert abs(calculate_psnr(hr, up, 2) - 36.836) < 0.01  # the well-known bicubic Set5 x2 value for bird
