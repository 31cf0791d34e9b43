import type { Tensor } from "../../ir/tensor.js";
import type { ActivationQuant } from "../../quant/activation.js";
import { checkWeightScaleCounts, type QuantizedWeight, symmetricWeights } from "../../quant/integer-matmul.js";
import type { OpContext } from "../define.js";
import { epilogueFunction, parseEpilogue } from "./epilogue.js";

/**
 * Attributes shared by the internal integer kernels (qmc.QMatMul, qmc.QConv): how the activation is
 * quantized (x_mode, x_bits, x_signed, x_params), the weight's dequantization (w_bits, w_alpha,
 * w_beta: one value, or one per output channel) and the float epilogue (./epilogue.ts).
 */
export function readActivationQuant(ctx: OpContext): ActivationQuant {
  const mode = ctx.attrs.oneOf("x_mode", ["act", "dls", "linear"] as const, "act");
  const bits = ctx.attrs.int("x_bits");
  const params = ctx.attrs.floats("x_params");
  const expected = mode === "dls" ? 8 : 2;
  if (params.length !== expected)
    throw ctx.error(`attribute 'x_params' has ${params.length} values, expected ${expected} for x_mode '${mode}'`);
  return { mode, bits, signed: ctx.attrs.int("x_signed") !== 0, params };
}

export function readWeightQuant(
  ctx: OpContext,
  codes: Tensor | undefined,
  channels: number,
): QuantizedWeight & { bits: number } {
  if (!codes) throw ctx.error("missing weight codes");
  if (codes.dtype !== "int8") throw ctx.error(`weight codes are ${codes.dtype}, expected int8`);
  const alpha = ctx.attrs.floats("w_alpha");
  const beta = ctx.attrs.floats("w_beta");
  checkWeightScaleCounts(alpha, beta, channels, "attribute", (message) => ctx.error(message));
  return { codes: codes.values, alpha, beta, symmetric: symmetricWeights(beta), bits: ctx.attrs.int("w_bits") };
}

/**
 * The epilogue as a function of (value, output channel, flat output index); the residual input, which
 * the epilogue reads element for element, must have exactly the output's shape.
 */
export function epilogueOf(
  ctx: OpContext,
  channels: number,
  residual: Tensor | undefined,
  shape: readonly number[],
): (y: number, channel: number, index: number) => number {
  const e = parseEpilogue(
    {
      program: ctx.attrs.strings("epilogue", []),
      constants: ctx.attrs.floats("epilogue_constants", []),
      sizes: ctx.attrs.ints("epilogue_constant_sizes", []),
    },
    channels,
    (what) => ctx.error(what),
  );
  if (e.residual !== !!residual)
    throw ctx.error(e.residual ? "the epilogue reads a residual input, which is missing" : "unused residual input");
  if (residual && (residual.rank !== shape.length || residual.shape.some((d, i) => d !== shape[i])))
    throw ctx.error(`the residual input has shape [${residual.shape}], expected the output's [${shape}]`);
  if (residual && residual.dtype !== "float32")
    throw ctx.error(`the residual input is ${residual.dtype}, expected float32`);
  return epilogueFunction(e, residual?.values);
}
