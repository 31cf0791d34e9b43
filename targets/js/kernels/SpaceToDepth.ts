import { spaceToDepthGeometry } from "../../shared/data-movement.js";
import { shapeSpec } from "./support/shapes.js";
import { writeStridedCopy } from "./support/strided.js";
import type { KernelGenerator } from "./types.js";

/** [N, C, H, W] -> [N, C·b², H/b, W/b]: output channel (b1 * b + b2) * C + c holds x[c] at (b1, b2) of each block. */
const spaceToDepth: KernelGenerator = (env) => {
  const { xs, ys, b, N, C } = spaceToDepthGeometry(env);
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const W = env.dim(xs[3], "W");
  const HW = env.count([xs[2], xs[3]], "HW");
  const OH = env.dim(ys[2], "OH");
  const OW = env.dim(ys[3], "OW");
  return {
    spec: `space_to_depth_${shapeSpec(xs)}_b${b}`,
    body: (w) =>
      writeStridedCopy(w, {
        x,
        y,
        extents: [String(N), String(b), String(b), String(C), OH, OW],
        strides: [`${C} * ${HW}`, W, "1", HW, `${b} * ${W}`, String(b)],
        offset: "0",
      }),
  };
};

export default spaceToDepth;
