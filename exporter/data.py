"""Training images (openly licensed photographs from Debian packages, see exporter/DATA.md) and the
degradations of the three tasks. Set5/Set14 are NEVER used here (evaluation only).

``python -m exporter.data gather`` downloads the two .deb files with apt and extracts the photographs
into exporter/data/cache/ (ignored by git).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

import numpy as np
import torch

from .imgutil import imresize, jpeg_u8, load_rgb, rgb_to_y_u8, to_u8

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, "data", "cache")

# (package, path inside the package, license)
SOURCES = [
    ("mate-backgrounds", f"usr/share/backgrounds/mate/nature/{n}", "GPL-2+")
    for n in ("Aqua.jpg", "Blinds.jpg", "Dune.jpg", "FreshFlower.jpg", "Garden.jpg", "GreenMeadow.jpg",
              "LadyBird.jpg", "RainDrops.jpg", "Storm.jpg", "TwoWings.jpg", "Wood.jpg", "YellowFlower.jpg")
] + [
    ("python3-skimage", f"usr/lib/python3/dist-packages/skimage/data/{n}", lic)
    for n, lic in (("astronaut.png", "public domain (NASA)"), ("chelsea.png", "CC0"), ("coffee.png", "CC0"),
                   ("rocket.jpg", "public domain (SpaceX)"), ("brick.png", "CC0"), ("grass.png", "CC0"),
                   ("gravel.png", "CC0"), ("camera.png", "CC0"))
]
# images kept out of training (demo images and golden crops come from them)
HOLDOUT = {"YellowFlower.jpg", "chelsea.png"}


def gather():
    debs = os.path.join(CACHE, "debs")
    os.makedirs(debs, exist_ok=True)
    pkgs = sorted({p for p, _, _ in SOURCES})
    for p in pkgs:
        if not any(f.startswith(p + "_") for f in os.listdir(debs)):
            subprocess.run(["apt-get", "download", p], cwd=debs, check=True)
    root = os.path.join(CACHE, "root")
    os.makedirs(root, exist_ok=True)
    for f in os.listdir(debs):
        if f.endswith(".deb"):
            subprocess.run(["dpkg-deb", "-x", os.path.join(debs, f), root], check=True)
    missing = [p for _, p, _ in SOURCES if not os.path.exists(os.path.join(root, p))]
    if missing:
        sys.exit(f"missing after extraction: {missing}")
    print(f"gathered {len(SOURCES)} images under {root}")


def image_paths(split="train"):
    root = os.path.join(CACHE, "root")
    out = []
    for _, p, _ in SOURCES:
        name = os.path.basename(p)
        if (split == "train") == (name in HOLDOUT):
            continue
        out.append(os.path.join(root, p))
    if not all(os.path.exists(p) for p in out):
        raise FileNotFoundError("training images missing: run `python -m exporter.data gather`")
    return out


def load_images(split="train", gray=False, max_side=1000):
    """HR images as uint8 arrays. Photos larger than ``max_side`` are first downscaled by 2 (MATLAB
    bicubic), which also removes most of their JPEG artefacts. Cached in exporter/data/cache/."""
    cp = os.path.join(CACHE, f"hr_{split}_{'gray' if gray else 'rgb'}_{max_side}.npz")
    if os.path.exists(cp):
        z = np.load(cp)
        return [z[k] for k in sorted(z.files, key=int)]
    imgs = _load_images(split, gray, max_side)
    np.savez(cp, **{str(i): im for i, im in enumerate(imgs)})
    return imgs


def _load_images(split, gray, max_side):
    imgs = []
    for p in image_paths(split):
        im = load_rgb(p)
        while max(im.shape[:2]) > max_side:
            im = to_u8(imresize(im / 255.0, 0.5))
        if gray:
            im = rgb_to_y_u8(im)[..., None]
        elif os.path.basename(p) == "camera.png":
            continue  # grayscale source: only for the gray task
        imgs.append(im)
    return imgs


class PairSampler:
    """Random aligned (LQ, GT) patch batches for one task, from pre-degraded whole images."""

    def __init__(self, task, scale=1, sigma=25, quality=10, gray=False, seed=0, split="train"):
        self.task, self.scale, self.sigma = task, scale, sigma
        self.rng = np.random.default_rng(seed)
        hrs = load_images(split, gray=gray)
        self.pairs = []
        cp = os.path.join(CACHE, f"lq_{split}_{task}_{scale}_{quality}_{'gray' if gray else 'rgb'}.npz")
        cached = dict(np.load(cp)) if os.path.exists(cp) and task != "denoise" else None
        for i, hr in enumerate(hrs):
            if task == "sr":
                h, w = hr.shape[0] // scale * scale, hr.shape[1] // scale * scale
                hr = hr[:h, :w]
                lq = cached[str(i)] if cached is not None else to_u8(imresize(hr / 255.0, 1.0 / scale))
            elif task == "car":
                lq = jpeg_u8(hr[..., 0], quality)[..., None]
            else:
                lq = None  # noise is drawn per batch
            self.pairs.append((lq, hr))
        if cached is None and task != "denoise":
            np.savez(cp, **{str(i): p[0] for i, p in enumerate(self.pairs)})
        self.weights = np.array([p[1].shape[0] * p[1].shape[1] for p in self.pairs], dtype=np.float64)
        self.weights /= self.weights.sum()

    def batch(self, n, lq_patch):
        s = self.scale
        lqs, gts = [], []
        for _ in range(n):
            lq, hr = self.pairs[self.rng.choice(len(self.pairs), p=self.weights)]
            H, W = hr.shape[0] // s, hr.shape[1] // s
            y = self.rng.integers(0, H - lq_patch + 1)
            x = self.rng.integers(0, W - lq_patch + 1)
            gt = hr[y * s:(y + lq_patch) * s, x * s:(x + lq_patch) * s]
            l = lq[y:y + lq_patch, x:x + lq_patch] if lq is not None else gt
            k = self.rng.integers(8)
            if k & 1:
                gt, l = gt[:, ::-1], l[:, ::-1]
            if k & 2:
                gt, l = gt[::-1], l[::-1]
            if k & 4:
                gt, l = gt.transpose(1, 0, 2), l.transpose(1, 0, 2)
            lqs.append(np.ascontiguousarray(l))
            gts.append(np.ascontiguousarray(gt))
        lq = torch.from_numpy(np.stack(lqs)).permute(0, 3, 1, 2).float() / 255.0
        gt = torch.from_numpy(np.stack(gts)).permute(0, 3, 1, 2).float() / 255.0
        if self.task == "denoise":
            noise = torch.from_numpy(self.rng.standard_normal(gt.shape).astype(np.float32)) * (self.sigma / 255.0)
            lq = (gt + noise).clamp(0, 1)
        return lq, gt


def degrade_eval(task, hr_u8, scale=1, sigma=25, quality=10, seed=0):
    """Deterministic evaluation input (uint8 HR -> float32 [0,1] HWC LQ, and the cropped GT)."""
    if task == "sr":
        h, w = hr_u8.shape[0] // scale * scale, hr_u8.shape[1] // scale * scale
        hr_u8 = hr_u8[:h, :w]
        return to_u8(imresize(hr_u8 / 255.0, 1.0 / scale)).astype(np.float32) / 255.0, hr_u8
    if task == "car":
        return jpeg_u8(hr_u8[..., 0], quality)[..., None].astype(np.float32) / 255.0, hr_u8
    rng = np.random.default_rng(seed)
    noisy = hr_u8.astype(np.float32) / 255.0 + rng.standard_normal(hr_u8.shape).astype(np.float32) * (sigma / 255.0)
    return np.clip(noisy, 0, 1).astype(np.float32), hr_u8


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["gather"])
    a = ap.parse_args()
    if a.cmd == "gather":
        gather()


if __name__ == "__main__":
    main()
