import { tileRepeats } from "../../shared/data-movement.js";
import { stridesOf } from "./support/axes.js";
import { shapeSpec } from "./support/shapes.js";
import { writeStridedCopy } from "./support/strided.js";
import type { KernelGenerator } from "./types.js";

/** Tile: y viewed as [r0, d0, r1, d1, ...] reads x with stride 0 on every repeat axis. */
const tile: KernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const repeats = tileRepeats(env, xs);
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const strides = stridesOf(env, xs, "s");
  return {
    spec: `tile_${shapeSpec(xs)}_r${repeats.join("x")}`,
    body: (w) =>
      writeStridedCopy(w, {
        x,
        y,
        extents: xs.flatMap((d, k) => [String(repeats[k]), env.dim(d, `n${k}`)]),
        strides: strides.flatMap((s) => ["0", s]),
        offset: "0",
      }),
  };
};

export default tile;
