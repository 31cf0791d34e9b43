import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { float32Input } from "../support/qmambair.js";
import { crossMerge } from "../support/ss2d.js";

/**
 * (B, 4, E, L) with x_like (B, E, H, W) -> (B, E, L): each direction back to row-major order, summed
 * as MambaIR sums them, ((y0 + y2) + y1) + y3, in float32.
 */
export default defineOp({
  domain: "ai.qmambair",
  type: "CrossMerge",
  since: 1,
  inputs: [2, 2],
  shape: ([y], ctx) => {
    const s = y?.shape;
    if (s && s.length !== 4) throw ctx.error(`input 'y' has rank ${s.length}, expected 4 (B, 4, E, L)`);
    return [{ dtype: "float32", shape: s ? [s[0], s[2], s[3]] : undefined }];
  },
  evaluate: ([y, like], ctx) => {
    const Y = float32Input(y, "y", ctx);
    if (like?.rank !== 4) throw ctx.error("input 'x_like' must be a (B, E, H, W) tensor");
    const [, , H, W] = like.shape;
    const [B, K, E, L] = Y.shape;
    if (Y.rank !== 4 || K !== 4 || L !== H * W) {
      throw ctx.error(`input 'y' has shape [${Y.shape}], expected (B, 4, E, ${H * W}) for x_like [${like.shape}]`);
    }
    return [new Tensor("float32", [B, E, L], crossMerge(Y.values, B, E, H, W, false))];
  },
});
