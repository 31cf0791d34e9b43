import type { Dim } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { floatConvInputs } from "../support/conv-inputs.js";
import { convolveFloat } from "../support/convolution.js";
import { sameDType } from "../support/elementwise.js";
import {
  kernelShapeOf,
  readWindowAttrs,
  resolveWindow,
  weightKernelShape,
  windowOutputDims,
} from "../support/window.js";

export default defineOp({
  type: "Conv",
  since: 1,
  inputs: [2, 3],
  shape: (inputs, ctx) => {
    const [x, w] = inputs;
    const dtype = sameDType(inputs, ctx);
    if (!x?.shape) return [{ dtype }];
    const m: Dim = w?.shape?.[0] ?? null;
    const kernel = kernelShapeOf(ctx, w?.shape);
    const spatial = x.shape.slice(2);
    const outSpatial = kernel ? windowOutputDims(readWindowAttrs(ctx, kernel), spatial) : spatial.map(() => null);
    return [{ dtype, shape: [x.shape[0], m, ...outSpatial] }];
  },
  evaluate: (inputs, ctx) => {
    const { x, w, b, dtype } = floatConvInputs(inputs, ctx);
    const group = ctx.attrs.int("group", 1);
    const [, c] = x.shape;
    const m = w.shape[0];
    if (group < 1 || c % group !== 0 || m % group !== 0) {
      throw ctx.error(`group ${group} does not divide input channels ${c} and output channels ${m}`);
    }
    if (w.shape[1] * group !== c) {
      throw ctx.error(
        `weight W has ${w.shape[1]} input channels per group, expected ${c / group} (C ${c} / group ${group})`,
      );
    }
    const kernel = weightKernelShape(ctx, w);
    if (b && (b.rank !== 1 || b.shape[0] !== m)) throw ctx.error(`bias B has shape [${b.shape}], expected [${m}]`);
    const window = resolveWindow(readWindowAttrs(ctx, kernel), x.shape.slice(2));
    // float32 Conv in float32 arithmetic (DESIGN.md, Numerics); other float types keep exact sums.
    const arithmetic = dtype === "float32" ? "float32" : "exact";
    const out = convolveFloat(x.values, x.shape, w.values, w.shape, b?.values, group, window, arithmetic);
    return [Tensor.from(dtype, [x.shape[0], m, ...window.outSize], out)];
  },
});
