import { shapeSpec } from "../../shared/broadcast.js";
import { tileRepeats } from "../../shared/data-movement.js";
import { stridedCopy, stridesOf } from "./support/strided.js";
import type { WasmKernelGenerator } from "./types.js";

/** Tile: y viewed as [r0, d0, r1, d1, ...] reads x with stride 0 on every repeat axis; rows move as runs. */
const tile: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const repeats = tileRepeats(env, xs);
  const f = env.fn;
  const strides = stridesOf(env, xs);
  return {
    spec: `tile_${shapeSpec(xs)}_r${repeats.join("x")}`,
    body: stridedCopy(env, {
      x: env.input(0),
      y: env.output(0),
      extents: xs.flatMap((d, k) => [() => f.i32(repeats[k]), env.dim(d)]),
      strides: strides.flatMap((s) => [() => f.i32(0), s]),
      offset: () => f.i32(0),
      contiguous: 2 * xs.length - 1,
    }),
  };
};

export default tile;
