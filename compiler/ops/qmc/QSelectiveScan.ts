import { Tensor } from "../../ir/tensor.js";
import { dlsQuantize } from "../../quant/dls.js";
import SelectiveScan from "../ai.qmambair/SelectiveScan.js";
import { defineOp } from "../define.js";

/**
 * SelectiveScan whose delta arrives raw and is DlsQuant-ed inside (delta_bits, delta_signed,
 * delta_w): with at most 2^bits distinct delta values per call, a kernel computes exp(dt * A) once
 * per (channel, code, state) instead of once per step. Reference semantics: exactly
 * SelectiveScan(u, DlsQuant(delta), A, B, C, D, delta_bias).
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
    return SelectiveScan.evaluate(args, ctx);
  },
});
