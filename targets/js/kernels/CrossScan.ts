import { shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/** (B, E, H, W) -> (B, 4, E, L): row-major, column-major, and both reversed (QMAMBAIR.md section 1). */
const crossScan: KernelGenerator = (env) => {
  const xs = env.inputShape(0);
  if (xs.length !== 4) throw env.error(`input has rank ${xs.length}, expected 4 (B, E, H, W)`);
  const B = env.staticDim(xs[0], "the batch");
  const E = env.staticDim(xs[1], "the channel count");
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const H = env.dim(xs[2], "H");
  const W = env.dim(xs[3], "W");
  const L = env.count([xs[2], xs[3]], "L");
  return {
    spec: `cross_scan_${shapeSpec(xs)}`,
    body: (w) => {
      w.line("var b, e, h, c, p, q, v, src, d0, d1, d2, d3;");
      w.block(`for (b = 0; b < ${B}; b++)`, () => {
        w.block(`for (e = 0; e < ${E}; e++)`, () => {
          w.line(`src = (b * ${E} + e) * ${L};`);
          w.line(`d0 = ((b * 4) * ${E} + e) * ${L};`);
          w.line(`d1 = d0 + ${E} * ${L};`);
          w.line(`d2 = d1 + ${E} * ${L};`);
          w.line(`d3 = d2 + ${E} * ${L};`);
          w.block(`for (h = 0; h < ${H}; h++)`, () => {
            w.block(`for (c = 0; c < ${W}; c++)`, () => {
              w.line(`p = h * ${W} + c;`);
              w.line(`q = c * ${H} + h;`);
              w.line(`v = ${x}[src + p];`);
              w.line(`${y}[d0 + p] = v;`);
              w.line(`${y}[d1 + q] = v;`);
              w.line(`${y}[d2 + ${L} - 1 - p] = v;`);
              w.line(`${y}[d3 + ${L} - 1 - q] = v;`);
            });
          });
        });
      });
    },
  };
};

export default crossScan;
