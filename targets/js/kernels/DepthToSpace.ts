import { depthToSpaceGeometry } from "../../shared/data-movement.js";
import { shapeSpec } from "./support/shapes.js";
import { writeStridedCopy } from "./support/strided.js";
import type { KernelGenerator } from "./types.js";

/** [N, C, H, W] -> [N, C/b², H·b, W·b]: DCR reads channels as (b1, b2, c), CRD as (c, b1, b2). */
const depthToSpace: KernelGenerator = (env) => {
  const { xs, b, mode, N, C, OC } = depthToSpaceGeometry(env);
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const H = env.dim(xs[2], "H");
  const W = env.dim(xs[3], "W");
  const HW = env.count([xs[2], xs[3]], "HW");
  const sc = HW;
  const [s1, s2, so] =
    mode === "DCR" ? [`${b * OC} * ${sc}`, `${OC} * ${sc}`, sc] : [`${b} * ${sc}`, sc, `${b * b} * ${sc}`];
  return {
    spec: `depth_to_space_${shapeSpec(xs)}_b${b}_${mode.toLowerCase()}`,
    body: (w) =>
      writeStridedCopy(w, {
        x,
        y,
        extents: [String(N), String(OC), H, String(b), W, String(b)],
        strides: [`${C} * ${sc}`, so, W, s1, "1", s2],
        offset: "0",
      }),
  };
};

export default depthToSpace;
