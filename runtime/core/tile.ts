import type { Engine } from "./engine.js";
import { QmcRuntimeError } from "./errors.js";
import { type ArtifactMeta, defaultTileOf, fixedSizeOf, outChannelsOf, sizeMultipleOf } from "./meta.js";

export interface TileOptions {
  /** Side of the square tiles in input pixels; absent: meta.tile (fitted to a memory budget), else the whole image in one run. */
  readonly tile?: number;
  /** Input pixels shared by neighbouring tiles (default 0). */
  readonly overlap?: number;
  /** Called after each run with the tiles done so far and the tile count. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * How an image was cut. DlsQuant statistics are taken per run, so a tiled result differs from an
 * untiled one: the tiling is part of the result and is reported with it.
 */
export interface Tiling {
  /** The side actually run (the requested tile clamped to the image, rounded down to the size multiple), or null for one whole-image run. */
  readonly tile: number | null;
  /** Height and width of each run's input: the tile, the whole image, or the artifact's fixed size. */
  readonly size: readonly [number, number];
  /** The overlap actually used. */
  readonly overlap: number;
  /** Top rows and left columns of the tiles, in input pixels; tiles run row by row. */
  readonly ys: readonly number[];
  readonly xs: readonly number[];
}

/**
 * Tile positions as SwinIR's tiled `test()` (main_test_swinir.py, the BasicSR-family reference)
 * computes them: the tile is `min(tile, h, w)`, the stride `tile - overlap`, positions
 * `range(0, n - tile, stride) + [n - tile]` along each side, so the last tile sits flush with the
 * border. Where that code breaks (an image side not longer than the overlap makes the stride zero or
 * negative and leaves pixels uncovered), the overlap becomes half the clamped tile.
 */
export function planTiling(
  h: number,
  w: number,
  tile?: number,
  overlap = 0,
  fixed: FixedSize = ANY_SIZE,
  multiple: SizeMultiple = UNIT,
): Tiling {
  if (fixed.h !== null || fixed.w !== null) return fixedTiling(h, w, fixed, tile, overlap, multiple);
  if (tile === undefined) return { tile: null, size: [h, w], overlap: 0, ys: [0], xs: [0] };
  checkTile(tile, overlap);
  const t = roundDown(Math.min(tile, h, w), Math.max(multiple.h, multiple.w));
  const o = overlap < t ? overlap : Math.floor(t / 2);
  return { tile: t, size: [t, t], overlap: o, ys: positions(h, t, o), xs: positions(w, t, o) };
}

/** The input height and width an artifact was compiled for (meta.input_size); null where any size runs. */
export interface FixedSize {
  readonly h: number | null;
  readonly w: number | null;
}

const ANY_SIZE: FixedSize = { h: null, w: null };

/**
 * What each run's height and width must be multiples of (meta.size_multiple). The image itself is
 * padded to them before tiling (pad.ts); a tile is rounded down to one, and to no less than one.
 */
export interface SizeMultiple {
  readonly h: number;
  readonly w: number;
}

const UNIT: SizeMultiple = { h: 1, w: 1 };

function roundDown(n: number, m: number): number {
  return Math.max(m, n - (n % m));
}

/**
 * An artifact compiled for a fixed input size runs tiles of exactly that size along its fixed axes
 * (along a free one, the requested tile or the whole side), placed as SwinIR places them. An image
 * smaller than the fixed size cannot be covered and is refused.
 */
function fixedTiling(
  h: number,
  w: number,
  fixed: FixedSize,
  tile: number | undefined,
  overlap: number,
  multiple: SizeMultiple,
): Tiling {
  if (tile !== undefined) checkTile(tile, overlap);
  const th = fixed.h ?? (tile === undefined ? h : roundDown(Math.min(tile, h), multiple.h));
  const tw = fixed.w ?? (tile === undefined ? w : roundDown(Math.min(tile, w), multiple.w));
  if (h < th || w < tw) {
    throw new QmcRuntimeError(
      `the artifact was compiled for ${fixed.h ?? "any"}x${fixed.w ?? "any"} inputs (meta.input_size) and tiles larger images; this image is ${h}x${w}, smaller: compile the model with --size ${h}x${w}, or from an export with dynamic height and width`,
    );
  }
  const tiled = (th < h && overlap >= th) || (tw < w && overlap >= tw);
  if (!Number.isInteger(overlap) || overlap < 0 || tiled) {
    throw new QmcRuntimeError(
      `overlap ${overlap} must be an integer from 0 to ${Math.min(th, tw) - 1} (the tile's side - 1)`,
    );
  }
  return {
    tile: th === tw ? th : null,
    size: [th, tw],
    overlap,
    ys: positions(h, th, overlap),
    xs: positions(w, tw, overlap),
  };
}

function checkTile(tile: number, overlap: number): void {
  if (!Number.isInteger(tile) || tile < 1) throw new QmcRuntimeError(`tile ${tile} is not a positive integer`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tile) {
    throw new QmcRuntimeError(`overlap ${overlap} must be an integer from 0 to tile - 1 (${tile - 1})`);
  }
}

/** Origins along a side of n pixels: every t - o, then flush with the end. */
function positions(n: number, t: number, o: number): number[] {
  const list: number[] = [];
  for (let p = 0; p < n - t; p += t - o) list.push(p);
  list.push(n - t);
  return list;
}

/**
 * Runs an engine over float32 planes (C x h x w) and returns its output planes
 * (C x h*scale x w*scale). Tiled outputs are summed and divided by how many tiles covered each pixel
 * (E.add_, E.div_(W) in the PyTorch reference). The sums are float64, not float32 as there, so each
 * average is rounded once: where tiles agree (a position-independent model) the average equals
 * their value exactly, and elsewhere it differs from the float32 reference by at most an ulp or so.
 */
export function runTiled(
  engine: Engine,
  planes: Float32Array,
  h: number,
  w: number,
  options: TileOptions = {},
): { planes: Float32Array; tiling: Tiling } {
  const tiling = tilingFor(engine.meta, h, w, options);
  if (isWhole(tiling, h, w)) {
    engine.prepare(h, w);
    engine.input().set(planes);
    engine.run();
    const out = engine.output().slice();
    options.onProgress?.(1, 1);
    return { planes: out, tiling };
  }
  const stitch = new Stitcher(engine.meta, tiling, h, w);
  const origins = tileOrigins(tiling);
  engine.prepare(tiling.size[0], tiling.size[1]);
  for (let i = 0; i < origins.length; i++) {
    cutTile(planes, h, w, engine.meta.channels, tiling, origins[i], engine.input());
    engine.run();
    stitch.add(engine.output(), origins[i]);
    options.onProgress?.(i + 1, origins.length);
  }
  return { planes: stitch.finish(), tiling };
}

/** The tiling an engine with this meta runs for an h x w image: the caller's tile, else meta's. */
export function tilingFor(meta: ArtifactMeta, h: number, w: number, options: TileOptions): Tiling {
  const tile = options.tile ?? defaultTileOf(meta);
  return planTiling(h, w, tile, options.overlap ?? 0, fixedSizeOf(meta), sizeMultipleOf(meta));
}

/** Whether the tiling is one run over the whole image (whose output is returned as it is). */
export function isWhole(tiling: Tiling, h: number, w: number): boolean {
  return tiling.size[0] === h && tiling.size[1] === w;
}

/** Top-left corners of the tiles in the order they are run and summed: row by row. */
export function tileOrigins(tiling: Tiling): Array<readonly [number, number]> {
  return tiling.ys.flatMap((y) => tiling.xs.map((x) => [y, x] as const));
}

/** Copies the tile at `origin` out of the C x h x w planes into `into` (C x th x tw). */
export function cutTile(
  planes: Float32Array,
  h: number,
  w: number,
  channels: number,
  tiling: Tiling,
  [y, x]: readonly [number, number],
  into: Float32Array,
): void {
  const [th, tw] = tiling.size;
  for (let c = 0; c < channels; c++) {
    for (let r = 0; r < th; r++) {
      const from = c * h * w + (y + r) * w + x;
      into.set(planes.subarray(from, from + tw), (c * th + r) * tw);
    }
  }
}

/**
 * Sums tile outputs in float64 and averages them by coverage. The sums depend on the order tiles
 * are added in, so whoever runs the tiles (one engine, or a pool of workers) adds them in
 * tileOrigins order to get byte-identical results.
 */
export class Stitcher {
  private readonly sum: Float64Array;
  private readonly count: Uint32Array;
  private readonly channels: number;
  private readonly scale: number;
  private readonly oh: number;
  private readonly ow: number;
  private readonly ths: number;
  private readonly tws: number;

  constructor(meta: ArtifactMeta, tiling: Tiling, h: number, w: number) {
    this.channels = outChannelsOf(meta);
    this.scale = meta.scale;
    this.oh = h * meta.scale;
    this.ow = w * meta.scale;
    this.ths = tiling.size[0] * meta.scale;
    this.tws = tiling.size[1] * meta.scale;
    this.sum = new Float64Array(this.channels * this.oh * this.ow);
    this.count = new Uint32Array(this.oh * this.ow);
  }

  add(output: Float32Array, [y, x]: readonly [number, number]): void {
    const { sum, count, scale, oh, ow, ths, tws } = this;
    for (let c = 0; c < this.channels; c++) {
      for (let r = 0; r < ths; r++) {
        const row = c * oh * ow + (y * scale + r) * ow + x * scale;
        const tileRow = (c * ths + r) * tws;
        for (let k = 0; k < tws; k++) sum[row + k] += output[tileRow + k];
      }
    }
    for (let r = 0; r < ths; r++) {
      const row = (y * scale + r) * ow + x * scale;
      for (let k = 0; k < tws; k++) count[row + k]++;
    }
  }

  finish(): Float32Array {
    const { sum, count } = this;
    const pixels = this.oh * this.ow;
    const out = new Float32Array(sum.length);
    for (let c = 0; c < this.channels; c++) {
      const plane = c * pixels;
      for (let i = 0; i < pixels; i++) out[plane + i] = sum[plane + i] / count[i];
    }
    return out;
  }
}
