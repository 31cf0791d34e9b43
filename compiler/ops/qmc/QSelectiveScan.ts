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
    return evaluateSelectiveScan(args, ctx, FDLIBM_SCAN_MATH);
  },
});
