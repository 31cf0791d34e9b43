import { Tensor } from "../../ir/tensor.js";
import { dlsQuantize } from "../../quant/dls.js";
import SelectiveScan, { evaluateSelectiveScan } from "../ai.qmambair/SelectiveScan.js";
import { defineOp } from "../define.js";
import { FDLIBM_SCAN_MATH } from "../support/scan-math.js";
import { crossMerge } from "../support/ss2d.js";

/**
 * SelectiveScan whose delta arrives raw and is DlsQuant-ed inside (delta_bits, delta_signed,
 * delta_w): with at most 2^bits distinct delta values per call, a kernel computes exp(dt * A) once
 * per (channel, code, state) instead of once per step. Reference semantics: SelectiveScan(u,
 * DlsQuant(delta), A, B, C, D, delta_bias), except that exp and softplus are float64 fdlibm rounded
 * once to float32 (FDLIBM_SCAN_MATH): tabulated per code, their cost does not matter here.
 * Where u_w is given (with u_bits, u_signed), u also arrives raw and is DlsQuant-ed inside, exactly
 * as the DlsQuant it replaces (compiler/passes/fuse-scan-input.ts): the kernel quantizes u as it
 * reads it, sparing a pass that writes and rereads the whole quantized tensor. B and C likewise with
 * b_w and c_w (b_bits, b_signed, c_bits, c_signed).
 * With merge = 1 (compiler/passes/fuse-scan-merge.ts), G is 4, an eighth input x_like (B, E, H, W)
 * lends its (H, W) shape as CrossMerge's does, and the output is the four directions merged as
 * CrossMerge sums them, token-major: (B, L, E) = Transpose(CrossMerge(y, x_like), [0, 2, 1]). The
 * kernel then adds each direction's steps into the merged output, sparing the (B, 4E, L) output
 * and the two passes over it.
 */
/** The inputs that may arrive raw, by position: their params' prefix and their name in errors. */
const QUANTIZED_INPUTS = [
  [0, "u", "u"],
  [3, "b", "B"],
  [4, "c", "C"],
] as const;

export default defineOp({
  domain: "qmc",
  type: "QSelectiveScan",
  since: 1,
  inputs: [5, 8],
  shape: (inputs, ctx) => {
    const [y] = SelectiveScan.shape(inputs.slice(0, 7), ctx);
    if (ctx.attrs.int("merge", 0) === 0) return [y];
    const [u, like] = [inputs[0]?.shape, inputs[7]?.shape];
    if (!inputs[7]) throw ctx.error("merge = 1 needs input 'x_like' (B, E, H, W)");
    if (like && like.length !== 4) throw ctx.error(`input 'x_like' has rank ${like.length}, expected 4 (B, E, H, W)`);
    const E = typeof u?.[1] === "number" ? u[1] / 4 : null;
    return [{ dtype: "float32", shape: u ? [u[0], u[2], E] : undefined }];
  },
  evaluate: (inputs, ctx) => {
    const delta = inputs[1];
    if (delta?.dtype !== "float32") throw ctx.error("input 'delta' must be float32");
    const w = ctx.attrs.floats("delta_w");
    if (w.length !== 8) throw ctx.error(`attribute 'delta_w' has ${w.length} values, expected 8`);
    const q = dlsQuantize(delta.values, w, ctx.attrs.int("delta_bits"), ctx.attrs.int("delta_signed") !== 0);
    const args = [...inputs];
    args[1] = new Tensor("float32", delta.shape, q);
    for (const [input, prefix, name] of QUANTIZED_INPUTS) {
      if (!ctx.attrs.has(`${prefix}_w`)) continue;
      const x = inputs[input];
      if (x?.dtype !== "float32") throw ctx.error(`input '${name}' must be float32`);
      const xw = ctx.attrs.floats(`${prefix}_w`);
      if (xw.length !== 8) throw ctx.error(`attribute '${prefix}_w' has ${xw.length} values, expected 8`);
      if (x.size < 2) throw ctx.error(`input '${name}' has ${x.size} element(s); the unbiased std needs at least 2`);
      const xq = dlsQuantize(x.values, xw, ctx.attrs.int(`${prefix}_bits`), ctx.attrs.int(`${prefix}_signed`) !== 0);
      args[input] = new Tensor("float32", x.shape, xq);
    }
    const [y] = evaluateSelectiveScan(args.slice(0, 7), ctx, FDLIBM_SCAN_MATH);
    if (ctx.attrs.int("merge", 0) === 0) return [y];
    const like = inputs[7];
    if (like?.rank !== 4) throw ctx.error("input 'x_like' must be a (B, E, H, W) tensor");
    const [B, GE, L] = y.shape;
    const [, , H, W] = like.shape;
    if (GE % 4 !== 0 || inputs[3]?.shape[1] !== 4 || L !== H * W) {
      throw ctx.error(
        `merge = 1 needs 4 directions of u's ${GE} channels and L = H*W, for u [${y.shape}] and x_like [${like.shape}]`,
      );
    }
    return [new Tensor("float32", [B, L, GE / 4], crossMerge(y.values, B, GE / 4, H, W, true))];
  },
});
