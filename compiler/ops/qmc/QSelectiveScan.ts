import { Tensor } from "../../ir/tensor.js";
import { dlsQuantize } from "../../quant/dls.js";
import SelectiveScan, { evaluateSelectiveScan } from "../ai.qmambair/SelectiveScan.js";
import { defineOp } from "../define.js";
import { FDLIBM_SCAN_MATH } from "../support/scan-math.js";

/**
 * SelectiveScan whose delta arrives raw and is DlsQuant-ed inside (delta_bits, delta_signed,
 * delta_w): with at most 2^bits distinct delta values per call, a kernel computes exp(dt * A) once
 * per (channel, code, state) instead of once per step. Reference semantics: SelectiveScan(u,
 * DlsQuant(delta), A, B, C, D, delta_bias), except that exp and softplus are float64 fdlibm rounded
 * once to float32 (FDLIBM_SCAN_MATH): tabulated per code, their cost does not matter here.
 * Where u_w is given (with u_bits, u_signed), u also arrives raw and is DlsQuant-ed inside, exactly
 * as the DlsQuant it replaces (compiler/passes/fuse-scan-input.ts): the kernel quantizes u as it
 * reads it, sparing a pass that writes and rereads the whole quantized tensor.
 */
export default defineOp({
  domain: "qmc",
  type: "QSelectiveScan",
  since: 1,
  inputs: [5, 7],
  shape: SelectiveScan.shape,
  evaluate: (inputs, ctx) => {
    const delta = inputs[1];
    if (delta?.dtype !== "float32") throw ctx.error("input 'delta' must be float32");
    const w = ctx.attrs.floats("delta_w");
    if (w.length !== 8) throw ctx.error(`attribute 'delta_w' has ${w.length} values, expected 8`);
    const q = dlsQuantize(delta.values, w, ctx.attrs.int("delta_bits"), ctx.attrs.int("delta_signed") !== 0);
    const args = [...inputs];
    args[1] = new Tensor("float32", delta.shape, q);
    if (ctx.attrs.has("u_w")) {
      const u = inputs[0];
      if (u?.dtype !== "float32") throw ctx.error("input 'u' must be float32");
      const uw = ctx.attrs.floats("u_w");
      if (uw.length !== 8) throw ctx.error(`attribute 'u_w' has ${uw.length} values, expected 8`);
      if (u.size < 2) throw ctx.error(`input 'u' has ${u.size} element(s); the unbiased std needs at least 2`);
      const uq = dlsQuantize(u.values, uw, ctx.attrs.int("u_bits"), ctx.attrs.int("u_signed") !== 0);
      args[0] = new Tensor("float32", u.shape, uq);
    }
    return evaluateSelectiveScan(args, ctx, FDLIBM_SCAN_MATH);
  },
});
