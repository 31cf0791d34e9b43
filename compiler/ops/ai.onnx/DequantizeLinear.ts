import { allocate, type DType, dtypeFromOnnx, isFloat, type NumericArray } from "../../ir/dtype.js";
import type { TypeInfo } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import { dequantizeLinear, isQuantizedType, paramLayout, sameParamShape } from "../../quant/linear.js";
import { defineOp, type OpContext } from "../define.js";

/** The output type: output_dtype (opset 23+) when set, else the scale's type. */
function outputType(scale: DType | undefined, ctx: OpContext): DType | undefined {
  const code = ctx.opset >= 23 ? ctx.attrs.int("output_dtype", 0) : 0;
  if (code === 0) return scale;
  const dtype = dtypeFromOnnx(code);
  if (!dtype || !isFloat(dtype))
    throw ctx.error(`attribute 'output_dtype' is ${code}, expected a floating element type`);
  return dtype;
}

function shape(inputs: readonly (TypeInfo | undefined)[], ctx: OpContext): TypeInfo[] {
  const [x, scale] = inputs;
  return [{ dtype: outputType(scale?.dtype, ctx), shape: x?.shape }];
}

export default defineOp({
  type: "DequantizeLinear",
  since: 10,
  inputs: [2, 3],
  shape,
  evaluate: ([x, scale, zp], ctx) => {
    if (!x || !scale) throw ctx.error("missing input");
    if (!isQuantizedType(x.dtype) && x.dtype !== "int32") {
      throw ctx.error(`x is ${x.dtype}, expected an 8/16-bit, 4-bit or 2-bit integer type or int32`);
    }
    if (!isFloat(scale.dtype)) throw ctx.error(`x_scale is ${scale.dtype}, expected a floating type`);
    if (zp) {
      if (zp.dtype !== x.dtype) throw ctx.error(`x_zero_point is ${zp.dtype}, expected ${x.dtype} like x`);
      if (!sameParamShape(scale.shape, zp.shape)) {
        throw ctx.error(`x_zero_point has shape [${zp.shape}], expected the shape of x_scale [${scale.shape}]`);
      }
    }
    if (ctx.opset < 13 && scale.size !== 1)
      throw ctx.error("opset 10 dequantizes per tensor: x_scale must be a scalar");
    const axis = ctx.opset >= 13 ? ctx.attrs.int("axis", 1) : 0;
    const blockSize = ctx.opset >= 21 ? ctx.attrs.int("block_size", 0) : 0;
    const layout = paramLayout(x.shape, scale.shape, axis, blockSize);
    if ("problem" in layout) throw ctx.error(layout.problem);
    const outType = outputType(scale.dtype, ctx) ?? scale.dtype;
    const out = allocate(outType, x.size) as NumericArray;
    dequantizeLinear({ x: x.values, scale: scale.values, zeroPoint: zp?.values, index: layout.index, out });
    return [new Tensor(outType, x.shape, out)];
  },
});
