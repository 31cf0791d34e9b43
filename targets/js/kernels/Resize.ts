import type { SymDim } from "../../../compiler/plan/kernel-plan.js";
import { resizeGeometry } from "../../shared/resize-geometry.js";
import { addDim } from "../../shared/sym.js";
import { TAP_LOCALS, writeTaps } from "./support/resize-taps.js";
import type { KernelGenerator } from "./types.js";

const NONE: SymDim = { c: 0, h: 0, w: 0, hw: 0 };

/**
 * Resize of H and W (nearest, linear, cubic), separable like compiler/ops/support/resize.ts: each
 * output row first sums its source rows into a float64 row (skipped when H keeps its size and scale),
 * then each output element sums its taps along that row, zero weights skipped, in the reference's
 * order; the store rounds to float32. The tap tables are computed per call into scratch, so the same
 * code serves symbolic and fixed sizes.
 */
const resize: KernelGenerator = (env) => {
  const g = resizeGeometry(env);
  const { xs, ys, taps: n } = g;
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const H = env.dim(xs[2], "H");
  const W = env.dim(xs[3], "W");
  const OH = env.dim(ys[2], "OH");
  const OW = env.dim(ys[3], "OW");
  // Scratch: the row being built (W), then each resampled axis's weights and indices (2 n per output).
  const tableSize = (out: SymDim, identity: boolean) => (identity ? NONE : addDim(out, out, 2 * n - 1));
  const rowSize = g.height.identity ? NONE : xs[3];
  const s = env.scratch(
    addDim(addDim(rowSize, tableSize(ys[2], g.height.identity)), tableSize(ys[3], g.width.identity)),
    "s",
  );
  return {
    spec: g.spec,
    body: (w) => {
      w.line(`var p, oh, ow, k, i, wk, acc, src, row, yb, ${TAP_LOCALS};`);
      const rowBase = g.height.identity ? "0" : W;
      w.line(`var hw = ${rowBase}, hi = hw + ${n} * ${OH}, ww = ${g.height.identity ? "hw" : `hi + ${n} * ${OH}`};`);
      w.line(`var wi = ww + ${n} * ${OW};`);
      if (!g.height.identity) {
        writeTaps(w, g, { axis: g.height, inSize: H, outSize: OH, table: s, weights: "hw", indices: "hi" });
      }
      if (!g.width.identity) {
        writeTaps(w, g, { axis: g.width, inSize: W, outSize: OW, table: s, weights: "ww", indices: "wi" });
      }
      // The source row of output row oh: x's own row, or the float64 row summed from the H taps.
      const rowAt = (i: string) => (g.height.identity ? `${x}[row + ${i}]` : `${s}[${i}]`);
      w.block(`for (p = 0; p < ${g.planes}; p++)`, () => {
        w.block(`for (oh = 0; oh < ${OH}; oh++)`, () => {
          if (g.height.identity) w.line(`row = (p * ${H} + oh) * ${W};`);
          else {
            w.line(`for (i = 0; i < ${W}; i++) ${s}[i] = 0;`);
            w.block(`for (k = 0; k < ${n}; k++)`, () => {
              w.line(`wk = ${s}[hw + oh * ${n} + k];`);
              w.line("if (wk === 0) continue;");
              w.line(`src = (p * ${H} + ${s}[hi + oh * ${n} + k]) * ${W};`);
              w.line(`for (i = 0; i < ${W}; i++) ${s}[i] += wk * ${x}[src + i];`);
            });
          }
          w.line(`yb = (p * ${OH} + oh) * ${OW};`);
          if (g.width.identity) {
            w.line(`for (ow = 0; ow < ${OW}; ow++) ${y}[yb + ow] = ${rowAt("ow")};`);
            return;
          }
          w.block(`for (ow = 0; ow < ${OW}; ow++)`, () => {
            w.line("acc = 0;");
            w.block(`for (k = 0; k < ${n}; k++)`, () => {
              w.line(`wk = ${s}[ww + ow * ${n} + k];`);
              w.line(`if (wk !== 0) acc += wk * ${rowAt(`${s}[wi + ow * ${n} + k]`)};`);
            });
            w.line(`${y}[yb + ow] = acc;`);
          });
        });
      });
    },
  };
};

export default resize;
