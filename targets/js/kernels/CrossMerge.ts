import { shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * (B, 4, E, L) -> (B, E, L): each direction back to row-major order, summed as MambaIR sums them,
 * ((y0 + y2) + y1) + y3, each sum rounded to float32. Input 1 only lends its (H, W) shape.
 */
const crossMerge: KernelGenerator = (env) => {
  const ys = env.inputShape(0);
  const like = env.inputShape(1);
  if (ys.length !== 4 || like.length !== 4) throw env.error("expected y (B, 4, E, L) and x_like (B, E, H, W)");
  const B = env.staticDim(ys[0], "the batch");
  const E = env.staticDim(ys[2], "the channel count");
  const y = env.input(0, "y");
  const out = env.output(0, "out");
  const H = env.dim(like[2], "H");
  const W = env.dim(like[3], "W");
  const L = env.count([like[2], like[3]], "L");
  return {
    spec: `cross_merge_${shapeSpec(ys)}`,
    helpers: ["f32"],
    body: (w) => {
      w.line("var b, e, h, c, p, q, o, y0, y1, y2, y3;");
      w.block(`for (b = 0; b < ${B}; b++)`, () => {
        w.block(`for (e = 0; e < ${E}; e++)`, () => {
          w.line(`y0 = ((b * 4) * ${E} + e) * ${L};`);
          w.line(`y1 = y0 + ${E} * ${L};`);
          w.line(`y2 = y1 + ${E} * ${L};`);
          w.line(`y3 = y2 + ${E} * ${L};`);
          w.line(`o = (b * ${E} + e) * ${L};`);
          w.block(`for (h = 0; h < ${H}; h++)`, () => {
            w.block(`for (c = 0; c < ${W}; c++)`, () => {
              w.line(`p = h * ${W} + c;`);
              w.line(`q = c * ${H} + h;`);
              w.line(
                `${out}[o + p] = f32(f32(${y}[y0 + p] + ${y}[y2 + ${L} - 1 - p]) + ${y}[y1 + q]) + ${y}[y3 + ${L} - 1 - q];`,
              );
            });
          });
        });
      });
    },
  };
};

export default crossMerge;
