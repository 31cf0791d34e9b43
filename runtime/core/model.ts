import type { Engine } from "./engine.js";
import { QmcRuntimeError } from "./errors.js";
import { checkImage, fromPlanes, type Image, type PixelData, readableAs, toPlanes } from "./image.js";
import { type ArtifactMeta, outChannelsOf, sizeMultipleOf } from "./meta.js";
import { cropPlanes, padPlanes } from "./pad.js";
import { runTiled, type TileOptions, type Tiling } from "./tile.js";

export interface Restored<D extends PixelData> {
  /** Same channel layout and data type as the input; `scale` times its size. */
  readonly image: Image<D>;
  readonly tiling: Tiling;
}

export interface Model {
  readonly info: ArtifactMeta;
  /** Runs on the calling thread (in browsers, call it from a Worker to keep the page responsive). */
  restore<D extends PixelData>(image: Image<D>, options?: TileOptions): Promise<Restored<D>>;
}

const KIND: Readonly<Record<number, string>> = { 1: "gray", 3: "RGB", 4: "RGBA" };

export function modelFromEngine(engine: Engine): Model {
  return modelFromTiler(engine.meta, async (planes, h, w, options) => runTiled(engine, planes, h, w, options));
}

/** Float32 planes (C x h x w) in, the model's output planes and the tiling used out. */
export type Tiler = (
  planes: Float32Array,
  h: number,
  w: number,
  options: TileOptions,
) => Promise<{ planes: Float32Array; tiling: Tiling }>;

/** A Model whose images become planes for `tiler` (one engine, or a pool of workers) and back. */
export function modelFromTiler(info: ArtifactMeta, tiler: Tiler): Model {
  const planes = info.channels as 1 | 3;
  const outPlanes = outChannelsOf(info);
  return {
    info,
    async restore(image, options = {}) {
      checkImage(image);
      if (!readableAs(image.channels, planes)) {
        throw new QmcRuntimeError(
          `the model restores ${KIND[planes]} images (${planes} channel${planes > 1 ? "s" : ""}); ` +
            `this image has ${image.channels} channel${image.channels > 1 ? "s" : ""} (${KIND[image.channels]})`,
        );
      }
      const { width, height } = image;
      const unit = sizeMultipleOf(info);
      const ph = Math.ceil(height / unit.h) * unit.h;
      const pw = Math.ceil(width / unit.w) * unit.w;
      const padded = ph !== height || pw !== width;
      const input = toPlanes(image, planes);
      const run = await tiler(padded ? padPlanes(input, planes, height, width, ph, pw) : input, ph, pw, options);
      const s = info.scale;
      const output = padded ? cropPlanes(run.planes, outPlanes, ph * s, pw * s, height * s, width * s) : run.planes;
      // A model with other output planes (gray from RGB, or the reverse) gives an image of those.
      const like = outPlanes === planes ? image : { ...image, channels: outPlanes };
      return { image: fromPlanes(output, width * s, height * s, like), tiling: run.tiling };
    },
  };
}
