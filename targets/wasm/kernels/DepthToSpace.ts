import { shapeSpec } from "../../shared/broadcast.js";
import { depthToSpaceGeometry } from "../../shared/data-movement.js";
import type { Val } from "../dsl.js";
import { interleavedCopy } from "./support/strided.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * [N, C, H, W] -> [N, C/b², H·b, W·b]: DCR reads channels as (b1, b2, c), CRD as (c, b1, b2). Each
 * output row interleaves b input rows (W has unit stride), which SIMD does four columns at a time.
 */
const depthToSpace: WasmKernelGenerator = (env) => {
  const { xs, b, mode, N, C, OC } = depthToSpaceGeometry(env);
  const x = env.input(0);
  const y = env.output(0);
  const H = env.dim(xs[2]);
  const W = env.dim(xs[3]);
  const HW = env.count([xs[2], xs[3]]);
  const f = env.fn;
  const times =
    (k: number): Val =>
    () =>
      f.mul(HW(), f.i32(k));
  const [s1, s2, so] = mode === "DCR" ? [times(b * OC), times(OC), HW] : [times(b), HW, times(b * b)];
  const one = () => f.i32(1);
  const lit =
    (v: number): Val =>
    () =>
      f.i32(v);
  return {
    spec: `depth_to_space_${shapeSpec(xs)}_b${b}_${mode.toLowerCase()}`,
    body: interleavedCopy(
      env,
      {
        x,
        y,
        extents: [lit(N), lit(OC), H, lit(b), W, lit(b)],
        strides: [times(C), so, W, s1, one, s2],
        offset: lit(0),
        contiguous: 4,
      },
      b,
    ),
  };
};

export default depthToSpace;
