import type { Tensor } from "../../ir/tensor.js";
import type { OpContext } from "../define.js";

/** The `bits` attribute of a profile quantizer: 2 to 8, as the compiler's integer kernels hold them. */
export function bitsAttr(ctx: OpContext): number {
  const bits = ctx.attrs.int("bits");
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw ctx.error(`attribute 'bits' is ${bits}, expected 2 to 8`);
  return bits;
}

export function signedAttr(ctx: OpContext): boolean {
  return ctx.attrs.int("signed", 0) !== 0;
}

/** A float32 input, present; the profile's ops are defined on float32 only. */
export function float32Input(t: Tensor | undefined, name: string, ctx: OpContext): Tensor {
  if (!t) throw ctx.error(`missing input '${name}'`);
  if (t.dtype !== "float32") throw ctx.error(`input '${name}' is ${t.dtype}, expected float32`);
  return t;
}

/** A scalar parameter (0-d or one-element tensor). */
export function scalarInput(t: Tensor | undefined, name: string, ctx: OpContext): number {
  const v = float32Input(t, name, ctx);
  if (v.size !== 1) throw ctx.error(`input '${name}' has shape [${v.shape}], expected a scalar`);
  return v.item();
}
