import type { Dim } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { floatConvInputs } from "../support/conv-inputs.js";
import { convTransposeFloat } from "../support/convolution.js";
import { sameDType } from "../support/elementwise.js";
import {
  dilatedExtent,
  kernelShapeOf,
  readWindowAttrs,
  type Window,
  type WindowAttrs,
  weightKernelShape,
} from "../support/window.js";

/**
 * The output geometry of a transposed convolution, from the ONNX ConvTranspose text: an explicit
 * output_shape (or SAME auto_pad, which asks for in * stride) fixes the size and the pads follow
 * from it; otherwise the pads fix the size.
 */
function transposeWindow(ctx: OpContext, attrs: WindowAttrs, inSize: readonly number[]): Window {
  const n = inSize.length;
  const outputPadding = ctx.attrs.ints("output_padding", new Array<number>(n).fill(0));
  if (outputPadding.length !== n) {
    throw ctx.error(`attribute 'output_padding' has ${outputPadding.length} values, expected ${n}`);
  }
  let target: readonly number[] | undefined;
  if (ctx.attrs.has("output_shape")) {
    const given = ctx.attrs.ints("output_shape");
    // Some exporters write the full N, C, spatial... shape; only the spatial part matters.
    target = given.length === n + 2 ? given.slice(2) : given;
    if (target.length !== n) throw ctx.error(`attribute 'output_shape' has ${given.length} values, expected ${n}`);
  } else if (attrs.autoPad === "SAME_UPPER" || attrs.autoPad === "SAME_LOWER") {
    target = inSize.map((d, i) => d * attrs.strides[i]);
  }
  const padsBegin: number[] = [];
  const padsEnd: number[] = [];
  const outSize: number[] = [];
  for (let i = 0; i < n; i++) {
    const full =
      attrs.strides[i] * (inSize[i] - 1) + outputPadding[i] + dilatedExtent(attrs.kernel[i], attrs.dilations[i]);
    if (target) {
      const total = full - target[i];
      const half = Math.floor(total / 2);
      const begin = attrs.autoPad === "SAME_UPPER" ? half : total - half;
      padsBegin.push(begin);
      padsEnd.push(total - begin);
      outSize.push(target[i]);
    } else {
      const begin = attrs.autoPad === "VALID" ? 0 : attrs.pads[i];
      const end = attrs.autoPad === "VALID" ? 0 : attrs.pads[i + n];
      padsBegin.push(begin);
      padsEnd.push(end);
      outSize.push(full - begin - end);
    }
  }
  if (outSize.some((d) => d < 0)) throw ctx.error(`pads make the output size [${outSize}] negative`);
  return {
    kernel: attrs.kernel,
    strides: attrs.strides,
    dilations: attrs.dilations,
    padsBegin,
    padsEnd,
    inSize,
    outSize,
  };
}

export default defineOp({
  type: "ConvTranspose",
  since: 1,
  inputs: [2, 3],
  shape: (inputs, ctx) => {
    const [x, w] = inputs;
    const dtype = sameDType(inputs, ctx);
    if (!x?.shape) return [{ dtype }];
    const group = ctx.attrs.int("group", 1);
    const mg = w?.shape?.[1];
    const m: Dim = typeof mg === "number" ? mg * group : null;
    const spatial = x.shape.slice(2);
    const kernel = kernelShapeOf(ctx, w?.shape);
    let outSpatial: Dim[] = spatial.map(() => null);
    if (kernel && spatial.every((d) => typeof d === "number")) {
      outSpatial = transposeWindow(ctx, readWindowAttrs(ctx, kernel), spatial as number[]).outSize.slice();
    }
    return [{ dtype, shape: [x.shape[0], m, ...outSpatial] }];
  },
  evaluate: (inputs, ctx) => {
    const { x, w, b, dtype } = floatConvInputs(inputs, ctx);
    const group = ctx.attrs.int("group", 1);
    const c = x.shape[1];
    if (group < 1 || c % group !== 0) throw ctx.error(`group ${group} does not divide input channels ${c}`);
    if (w.shape[0] !== c) throw ctx.error(`weight W has ${w.shape[0]} input channels, expected ${c} like X`);
    const m = w.shape[1] * group;
    const kernel = weightKernelShape(ctx, w);
    if (b && (b.rank !== 1 || b.shape[0] !== m)) throw ctx.error(`bias B has shape [${b.shape}], expected [${m}]`);
    const window = transposeWindow(ctx, readWindowAttrs(ctx, kernel), x.shape.slice(2));
    // float32 ConvTranspose in float32 arithmetic (DESIGN.md, Numerics); other float types keep exact sums.
    const arithmetic = dtype === "float32" ? "float32" : "exact";
    const out = convTransposeFloat(x.values, x.shape, w.values, w.shape, b?.values, group, window, arithmetic);
    return [Tensor.from(dtype, [x.shape[0], m, ...window.outSize], out)];
  },
});
