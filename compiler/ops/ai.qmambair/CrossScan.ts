import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { float32Input } from "../support/qmambair.js";
import { scanStep } from "../support/ss2d.js";

/** (B, E, H, W) -> (B, 4, E, H*W): the feature map in the four SS2D scan orders. */
export default defineOp({
  domain: "ai.qmambair",
  type: "CrossScan",
  since: 1,
  inputs: [1, 1],
  shape: ([x], ctx) => {
    const s = x?.shape;
    if (s && s.length !== 4) throw ctx.error(`input has rank ${s.length}, expected 4 (B, E, H, W)`);
    const L = s && typeof s[2] === "number" && typeof s[3] === "number" ? s[2] * s[3] : null;
    return [{ dtype: "float32", shape: s ? [s[0], 4, s[1], L] : undefined }];
  },
  evaluate: ([x], ctx) => {
    const X = float32Input(x, "x", ctx);
    if (X.rank !== 4) throw ctx.error(`input has shape [${X.shape}], expected (B, E, H, W)`);
    const [B, E, H, W] = X.shape;
    const L = H * W;
    const out = new Float32Array(B * 4 * E * L);
    const v = X.values;
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < 4; k++) {
        for (let e = 0; e < E; e++) {
          const src = (b * E + e) * L;
          const dst = ((b * 4 + k) * E + e) * L;
          for (let h = 0; h < H; h++) {
            for (let w = 0; w < W; w++) out[dst + scanStep(k, h, w, H, W)] = v[src + h * W + w];
          }
        }
      }
    }
    return [new Tensor("float32", [B, 4, E, L], out)];
  },
});
