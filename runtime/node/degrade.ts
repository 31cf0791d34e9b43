import { QmcRuntimeError } from "../core/errors.js";
import type { Image } from "../core/image.js";

/**
 * Gray from RGB(A) as PIL's `convert("L")` computes it (ITU-R 601-2 luma in 16-bit fixed point,
 * libImaging/Convert.c), which is how the exporter made the gray models' ground truth.
 */
export function toGray(image: Image<Uint8Array>): Image<Uint8Array> {
  if (image.channels === 1) return image;
  const { data, width, height, channels } = image;
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const p = i * channels;
    out[i] = (data[p] * 19595 + data[p + 1] * 38470 + data[p + 2] * 7471 + 0x8000) >>> 16;
  }
  return { data: out, width, height, channels: 1 };
}

/** Drops the alpha channel of an RGBA image, which no model restores and the metrics ignore. */
export function dropAlpha(image: Image<Uint8Array>): Image<Uint8Array> {
  if (image.channels !== 4) return image;
  const n = image.width * image.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) data.set(image.data.subarray(i * 4, i * 4 + 3), i * 3);
  return { ...image, data, channels: 3 };
}

/**
 * xoshiro128** (Blackman and Vigna): 32-bit state words, so it runs the same in every JS engine.
 * Seeded through splitmix32 so that neighbouring seeds give unrelated streams.
 */
function xoshiro128(seed: number): () => number {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const state = [splitmix(), splitmix(), splitmix(), splitmix()];
  return () => {
    const result = Math.imul(rotl(Math.imul(state[1], 5), 7), 9) >>> 0;
    const t = state[1] << 9;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 11);
    return result;
  };
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** Standard normal deviates by the Box-Muller transform on uniforms in (0, 1]. */
export function gaussianSource(seed: number): () => number {
  const next = xoshiro128(seed);
  const uniform = () => (next() + 1) / 4294967296;
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/**
 * The denoising models' evaluation input (exporter/data.py degrade_eval): x / 255 plus N(0, 1) *
 * sigma / 255 in float32, clipped to [0, 1] and not rounded to 8 bits. The deviates come from a
 * seeded generator of this module, not numpy's, so the noise is as strong but not the same.
 */
export function addGaussianNoise(image: Image<Uint8Array>, sigma: number, seed: number): Image<Float32Array> {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new QmcRuntimeError(`sigma ${sigma} is not a number >= 0`);
  if (!Number.isInteger(seed) || seed < 0) throw new QmcRuntimeError(`seed ${seed} is not a non-negative integer`);
  const normal = gaussianSource(seed);
  const f = Math.fround;
  const step = f(sigma / 255);
  const data = Float32Array.from(image.data, (v) => {
    const noisy = f(f(v / 255) + f(f(normal()) * step));
    return Math.min(1, Math.max(0, noisy));
  });
  return { data, width: image.width, height: image.height, channels: image.channels };
}
