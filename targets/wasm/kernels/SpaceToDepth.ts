import { shapeSpec } from "../../shared/broadcast.js";
import { spaceToDepthGeometry } from "../../shared/data-movement.js";
import type { Val } from "../dsl.js";
import { stridedCopy } from "./support/strided.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * [N, C, H, W] -> [N, C·b², H/b, W/b]: output channel (b1 * b + b2) * C + c holds x[c] at (b1, b2) of
 * each block. The b2 axis runs along x's rows; from b = 4 on, its 4x4 blocks with the output's
 * columns go through registers (SIMD), below that element by element.
 */
const spaceToDepth: WasmKernelGenerator = (env) => {
  const { xs, ys, b, N, C } = spaceToDepthGeometry(env);
  const x = env.input(0);
  const y = env.output(0);
  const W = env.dim(xs[3]);
  const HW = env.count([xs[2], xs[3]]);
  const OH = env.dim(ys[2]);
  const OW = env.dim(ys[3]);
  const f = env.fn;
  const lit =
    (v: number): Val =>
    () =>
      f.i32(v);
  const times =
    (k: number, v: Val): Val =>
    () =>
      f.mul(v(), f.i32(k));
  return {
    spec: `space_to_depth_${shapeSpec(xs)}_b${b}`,
    body: stridedCopy(env, {
      x,
      y,
      extents: [lit(N), lit(b), lit(b), lit(C), OH, OW],
      strides: [times(C, HW), W, lit(1), HW, times(b, W), lit(b)],
      offset: lit(0),
      contiguous: b >= 4 ? 2 : undefined,
    }),
  };
};

export default spaceToDepth;
