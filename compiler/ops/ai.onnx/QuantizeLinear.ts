import { allocate, type DType, dtypeFromOnnx, isFloat, type NumericArray } from "../../ir/dtype.js";
import type { TypeInfo } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import { isQuantizedType, paramLayout, QUANTIZED_TYPES, quantizeLinear, sameParamShape } from "../../quant/linear.js";
import { defineOp, type OpContext } from "../define.js";

/**
 * The quantized type: the zero point's when given, else output_dtype (opset 21+), else uint8;
 * undefined while a given zero point's type is not yet known.
 */
function outputType(zeroPoint: DType | undefined, hasZeroPoint: boolean, ctx: OpContext): DType | undefined {
  const code = ctx.opset >= 21 ? ctx.attrs.int("output_dtype", 0) : 0;
  const requested = code === 0 ? undefined : dtypeFromOnnx(code);
  if (code !== 0 && !requested) throw ctx.error(`attribute 'output_dtype' is ${code}, not a supported element type`);
  if (requested && zeroPoint && requested !== zeroPoint) {
    throw ctx.error(`attribute 'output_dtype' is ${requested} but the zero point is ${zeroPoint}`);
  }
  const dtype = zeroPoint ?? requested ?? (hasZeroPoint ? undefined : "uint8");
  if (dtype && !isQuantizedType(dtype)) {
    throw ctx.error(`quantizing to ${dtype} is not supported, expected one of ${QUANTIZED_TYPES.join(", ")}`);
  }
  return dtype;
}

function shape(inputs: readonly (TypeInfo | undefined)[], ctx: OpContext): TypeInfo[] {
  const [x, , zp] = inputs;
  return [{ dtype: outputType(zp?.dtype, zp !== undefined, ctx), shape: x?.shape }];
}

export default defineOp({
  type: "QuantizeLinear",
  since: 10,
  inputs: [2, 3],
  shape,
  evaluate: ([x, scale, zp], ctx) => {
    if (!x || !scale) throw ctx.error("missing input");
    if (!isFloat(x.dtype) || !isFloat(scale.dtype)) {
      throw ctx.error(`x is ${x.dtype} and y_scale ${scale.dtype}, expected floating types`);
    }
    const outType = outputType(zp?.dtype, zp !== undefined, ctx) ?? "uint8";
    if (zp && !sameParamShape(scale.shape, zp.shape)) {
      throw ctx.error(`y_zero_point has shape [${zp.shape}], expected the shape of y_scale [${scale.shape}]`);
    }
    if (ctx.opset < 13 && scale.size !== 1) throw ctx.error("opset 10 quantizes per tensor: y_scale must be a scalar");
    const axis = ctx.opset >= 13 ? ctx.attrs.int("axis", 1) : 0;
    const blockSize = ctx.opset >= 21 ? ctx.attrs.int("block_size", 0) : 0;
    const layout = paramLayout(x.shape, scale.shape, axis, blockSize);
    if ("problem" in layout) throw ctx.error(layout.problem);
    // The spec computes x / y_scale in y_scale's type unless the 'precision' attribute (opset 23+) says otherwise.
    const precisionCode = ctx.opset >= 23 ? ctx.attrs.int("precision", 0) : 0;
    const precision = precisionCode === 0 ? scale.dtype : dtypeFromOnnx(precisionCode);
    if (!precision || !isFloat(precision)) {
      throw ctx.error(`attribute 'precision' is ${precisionCode}, expected a floating element type`);
    }
    const out = allocate(outType, x.size) as NumericArray;
    quantizeLinear({
      x: x.values,
      scale: scale.values,
      zeroPoint: zp?.values,
      index: layout.index,
      out,
      outType,
      precision,
    });
    return [new Tensor(outType, x.shape, out)];
  },
});
