"""BasicSR 1.4.2 PSNR / SSIM (basicsr/metrics/psnr_ssim.py), re-implemented without OpenCV.

Inputs are uint8 HWC images in RGB order (BasicSR reads BGR; the Y weights are applied in the matching
order). The Y conversion reproduces BasicSR's float32 round trip (bgr2ycbcr on float32 [0,1]).
"""
from __future__ import annotations

import numpy as np


def to_y_channel(img_u8: np.ndarray) -> np.ndarray:
    img = img_u8.astype(np.float32) / 255.0
    if img.ndim == 3 and img.shape[2] == 3:
        y = np.dot(img[..., ::-1], [24.966, 128.553, 65.481]) + 16.0  # BGR dot, float64
        y = (y / 255.0).astype(np.float32)
        img = y[..., None]
    return img * 255.0


def _prep(img, crop_border, test_y_channel):
    if img.ndim == 2:
        img = img[..., None]
    if crop_border != 0:
        img = img[crop_border:-crop_border, crop_border:-crop_border, ...]
    if test_y_channel:
        img = to_y_channel(img)
    return img.astype(np.float64)


def calculate_psnr(img, img2, crop_border, test_y_channel=True):
    assert img.shape == img2.shape, (img.shape, img2.shape)
    a = _prep(img, crop_border, test_y_channel)
    b = _prep(img2, crop_border, test_y_channel)
    mse = np.mean((a - b) ** 2)
    if mse == 0:
        return float("inf")
    return float(10.0 * np.log10(255.0 * 255.0 / mse))


def _gauss_window():
    k = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5 ** 2))
    k = k / k.sum()
    return k


def _filter_valid(img, k):
    # separable 11x11 correlation, keeping only the fully covered ('valid') region
    h, w = img.shape
    tmp = np.zeros((h - 10, w), dtype=np.float64)
    for i in range(11):
        tmp += k[i] * img[i:i + h - 10, :]
    out = np.zeros((h - 10, w - 10), dtype=np.float64)
    for j in range(11):
        out += k[j] * tmp[:, j:j + w - 10]
    return out


def _ssim(img, img2):
    c1 = (0.01 * 255) ** 2
    c2 = (0.03 * 255) ** 2
    k = _gauss_window()
    mu1 = _filter_valid(img, k)
    mu2 = _filter_valid(img2, k)
    mu1_sq, mu2_sq, mu1_mu2 = mu1 ** 2, mu2 ** 2, mu1 * mu2
    s1 = _filter_valid(img ** 2, k) - mu1_sq
    s2 = _filter_valid(img2 ** 2, k) - mu2_sq
    s12 = _filter_valid(img * img2, k) - mu1_mu2
    m = ((2 * mu1_mu2 + c1) * (2 * s12 + c2)) / ((mu1_sq + mu2_sq + c1) * (s1 + s2 + c2))
    return m.mean()


def calculate_ssim(img, img2, crop_border, test_y_channel=True):
    assert img.shape == img2.shape
    a = _prep(img, crop_border, test_y_channel)
    b = _prep(img2, crop_border, test_y_channel)
    return float(np.mean([_ssim(a[..., i], b[..., i]) for i in range(a.shape[2])]))


def tensor_to_u8(t) -> np.ndarray:
    """(C,H,W) or (1,C,H,W) float tensor in [0,1] -> uint8 HWC, as BasicSR's tensor2img."""
    import torch
    if t.dim() == 4:
        t = t[0]
    a = t.detach().float().clamp(0, 1).cpu().numpy().transpose(1, 2, 0)
    return np.round(a * 255.0).astype(np.uint8)
