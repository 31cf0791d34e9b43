"""Image helpers: MATLAB-compatible bicubic imresize (as BasicSR's matlab_functions.imresize), I/O."""
from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image


def _cubic(x):
    ax = np.abs(x)
    ax2, ax3 = ax ** 2, ax ** 3
    return ((1.5 * ax3 - 2.5 * ax2 + 1) * (ax <= 1) +
            (-0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2)))


def _resize_matrix(in_len: int, out_len: int, scale: float, antialias: bool = True) -> np.ndarray:
    kernel_width = 4.0
    if scale < 1 and antialias:
        kernel_width = kernel_width / scale
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - kernel_width / 2)
    p = int(math.ceil(kernel_width)) + 2
    idx = left[:, None] + np.arange(p)[None, :]
    dist = u[:, None] - idx
    if scale < 1 and antialias:
        w = scale * _cubic(dist * scale)
    else:
        w = _cubic(dist)
    w = w / w.sum(1, keepdims=True)
    # MATLAB 'symmetric' padding: mirror including the edge sample (1-based indices)
    idx = idx.astype(np.int64)
    idx = np.where(idx < 1, 1 - idx, idx)
    idx = np.where(idx > in_len, 2 * in_len + 1 - idx, idx)
    M = np.zeros((out_len, in_len), dtype=np.float64)
    for j in range(p):
        np.add.at(M, (np.arange(out_len), idx[:, j] - 1), w[:, j])
    return M


def imresize(img: np.ndarray, scale: float, antialias: bool = True) -> np.ndarray:
    """img: HWC (or HW) float in [0,1] -> resized float64 (not clipped, not rounded)."""
    squeeze = img.ndim == 2
    if squeeze:
        img = img[..., None]
    h, w, _ = img.shape
    oh, ow = int(math.ceil(h * scale)), int(math.ceil(w * scale))
    Mh = _resize_matrix(h, oh, scale, antialias)
    Mw = _resize_matrix(w, ow, scale, antialias)
    c = img.shape[2]
    out = (Mh @ img.astype(np.float64).reshape(h, w * c)).reshape(oh, w, c)
    out = np.ascontiguousarray(out.transpose(1, 0, 2)).reshape(w, oh * c)
    out = (Mw @ out).reshape(ow, oh, c).transpose(1, 0, 2)
    return out[..., 0] if squeeze else out


def to_u8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.round(img * 255.0), 0, 255).astype(np.uint8)


def load_rgb(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def load_gray(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"))


def save_png(path, img_u8: np.ndarray):
    Image.fromarray(img_u8).save(path, optimize=True)


def jpeg_u8(img_u8: np.ndarray, quality: int) -> np.ndarray:
    """JPEG round trip with PIL (libjpeg), 4:2:0 for color, baseline for gray."""
    buf = io.BytesIO()
    Image.fromarray(img_u8).save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return np.asarray(Image.open(buf))


def rgb_to_y_u8(img_u8: np.ndarray) -> np.ndarray:
    """Grayscale for CAR: BT.601 luma as OpenCV's IMREAD_GRAYSCALE/cvtColor (0.299, 0.587, 0.114)."""
    return np.asarray(Image.fromarray(img_u8).convert("L"))
