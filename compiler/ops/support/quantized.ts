import { type DType, isFloat } from "../../ir/dtype.js";
import type { Dim, TypeInfo } from "../../ir/graph.js";
import { type Shape, sizeOf, type Tensor } from "../../ir/tensor.js";
import type { OpContext } from "../define.js";
import { broadcastDims, broadcastIndexer, broadcastShapes } from "./broadcast.js";
import { convolveFloat } from "./convolution.js";
import { kernelShapeOf, readWindowAttrs, resolveWindow, weightKernelShape, windowOutputDims } from "./window.js";

/**
 * Shared by the integer ops (MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv): where each
 * zero point / scale applies, zero-point removal, and the integer matmul and convolution they run.
 * Sums of integer products are exact in float64 far beyond what int32 accumulators hold.
 */

/**
 * For a quantization parameter of a matmul operand or output of shape [..., R, C], the parameter
 * index used by each flat element: one value is per tensor, a 1-D tensor of R values (when `perRow`)
 * is one value per row, anything else must broadcast onto the shape ([..., R, 1] per row,
 * [C] or [..., 1, C] per column).
 */
export function matmulParamIndex(
  param: Tensor,
  shape: Shape,
  perRow: boolean,
  name: string,
  ctx: OpContext,
): (i: number) => number {
  if (param.size === 1) return () => 0;
  const rank = shape.length;
  if (perRow && param.rank === 1 && rank >= 2 && param.shape[0] === shape[rank - 2]) {
    const cols = shape[rank - 1];
    const rows = shape[rank - 2];
    return (i) => Math.floor(i / cols) % rows;
  }
  const b = broadcastShapes([param.shape, shape]);
  if (!b || b.join() !== shape.join()) {
    throw ctx.error(
      `${name} has shape [${param.shape}], which does not apply per ${perRow ? "row" : "column"} to [${shape}]`,
    );
  }
  return broadcastIndexer(param.shape, shape);
}

/** x - zero_point as float64, with the zero point's value for each element given by `index`. */
export function removeZeroPoint(x: Tensor, zeroPoint: Tensor | undefined, index: (i: number) => number): Float64Array {
  const v = x.values;
  const out = new Float64Array(v.length);
  if (!zeroPoint) {
    out.set(v);
    return out;
  }
  const z = zeroPoint.values;
  for (let i = 0; i < v.length; i++) out[i] = v[i] - z[index(i)];
  return out;
}

const EIGHT_BIT: readonly DType[] = ["int8", "uint8"];

/** The integer ops take and give int8 or uint8 only. */
export function isEightBit(dtype: DType): boolean {
  return EIGHT_BIT.includes(dtype);
}

/** One operand of an integer op: its ONNX input name, its value and its zero point. */
type IntegerOperand = readonly [name: string, value: Tensor, zeroPoint: Tensor | undefined];

/**
 * Both operands must be 8-bit and each zero point of its operand's type (ONNX's shared T
 * constraint); both operands' types are checked before either zero point's. ONNX names an
 * operand's zero point after it in lower case (A: a_zero_point).
 */
export function checkIntegerOperands(a: IntegerOperand, b: IntegerOperand, ctx: OpContext): void {
  const operands = [a, b];
  for (const [name, x] of operands) {
    if (!isEightBit(x.dtype)) throw ctx.error(`input ${name} is ${x.dtype}, expected int8 or uint8`);
  }
  for (const [name, x, zeroPoint] of operands) {
    if (zeroPoint && zeroPoint.dtype !== x.dtype) {
      throw ctx.error(`${name.toLowerCase()}_zero_point is ${zeroPoint.dtype}, expected ${x.dtype}`);
    }
  }
}

/** The numpy matmul result shape over symbolic dims; undefined when a rank is unknown. */
export function matmulDims(a: TypeInfo | undefined, b: TypeInfo | undefined): Dim[] | undefined {
  if (!a?.shape || !b?.shape || a.shape.length === 0 || b.shape.length === 0) return undefined;
  const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const batch = broadcastDims([as.slice(0, -2), bs.slice(0, -2)]);
  if (!batch) return undefined;
  return [
    ...batch,
    ...(a.shape.length === 1 ? [] : [as[as.length - 2]]),
    ...(b.shape.length === 1 ? [] : [bs[bs.length - 1]]),
  ];
}

/**
 * numpy.matmul of two numeric arrays (1-D operands promoted and the added dim dropped, batch dims
 * broadcast). Returns the product as float64 with its shape.
 */
export function matmul(
  a: ArrayLike<number>,
  aShape: Shape,
  b: ArrayLike<number>,
  bShape: Shape,
  ctx: OpContext,
): { shape: number[]; data: Float64Array } {
  if (aShape.length === 0 || bShape.length === 0) throw ctx.error("matmul operands must have rank 1 or more");
  const as = aShape.length === 1 ? [1, aShape[0]] : aShape;
  const bs = bShape.length === 1 ? [bShape[0], 1] : bShape;
  const [m, k] = as.slice(-2);
  const [k2, n] = bs.slice(-2);
  if (k !== k2) throw ctx.error(`matmul of [${aShape}] and [${bShape}]: inner dimensions ${k} and ${k2} differ`);
  const aBatch = as.slice(0, -2);
  const bBatch = bs.slice(0, -2);
  const batch = broadcastShapes([aBatch, bBatch]);
  if (!batch) throw ctx.error(`matmul of [${aShape}] and [${bShape}]: batch dimensions do not broadcast`);
  const nb = sizeOf(batch);
  const ai = broadcastIndexer(aBatch, batch);
  const bi = broadcastIndexer(bBatch, batch);
  const out = new Float64Array(nb * m * n);
  for (let t = 0; t < nb; t++) {
    const ao = ai(t) * m * k;
    const bo = bi(t) * k * n;
    const oo = t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[ao + i * k + p] * b[bo + p * n + j];
        out[oo + i * n + j] = acc;
      }
    }
  }
  const shape = [...batch, ...(aShape.length === 1 ? [] : [m]), ...(bShape.length === 1 ? [] : [n])];
  return { shape, data: out };
}

/** Output type info of an integer convolution: [N, M, ...spatial] from x and w. */
export function convOutputDims(x: TypeInfo | undefined, w: TypeInfo | undefined, ctx: OpContext): Dim[] | undefined {
  if (!x?.shape) return undefined;
  const kernel = kernelShapeOf(ctx, w?.shape);
  const spatial = x.shape.slice(2);
  const outSpatial = kernel ? windowOutputDims(readWindowAttrs(ctx, kernel), spatial) : spatial.map(() => null);
  return [x.shape[0], w?.shape?.[0] ?? null, ...outSpatial];
}

/**
 * The int32-exact accumulator of a quantized convolution: conv(x - x_zp, w - w_zp) (+ bias), with
 * x_zp per tensor and w_zp per tensor or per output channel, as ConvInteger and QLinearConv define.
 * Padding contributes zero after zero-point removal, i.e. x is padded with its zero point.
 */
export function integerConv(
  x: Tensor,
  xZeroPoint: Tensor | undefined,
  w: Tensor,
  wZeroPoint: Tensor | undefined,
  bias: Tensor | undefined,
  ctx: OpContext,
): { shape: number[]; acc: Float64Array } {
  if (x.rank < 3) throw ctx.error(`input x has rank ${x.rank}, expected at least 3 (N, C, spatial...)`);
  if (w.rank !== x.rank) throw ctx.error(`weight w has rank ${w.rank}, expected ${x.rank} like x`);
  const group = ctx.attrs.int("group", 1);
  const c = x.shape[1];
  const m = w.shape[0];
  if (group < 1 || c % group !== 0 || m % group !== 0) {
    throw ctx.error(`group ${group} does not divide input channels ${c} and output channels ${m}`);
  }
  if (w.shape[1] * group !== c) {
    throw ctx.error(`weight w has ${w.shape[1]} input channels per group, expected ${c / group}`);
  }
  if (xZeroPoint && xZeroPoint.size !== 1) {
    throw ctx.error(`x_zero_point has shape [${xZeroPoint.shape}], expected a scalar (per-tensor)`);
  }
  if (wZeroPoint && wZeroPoint.size !== 1 && (wZeroPoint.rank !== 1 || wZeroPoint.shape[0] !== m)) {
    throw ctx.error(`w_zero_point has shape [${wZeroPoint.shape}], expected a scalar or [${m}] (per output channel)`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== m))
    throw ctx.error(`bias has shape [${bias.shape}], expected [${m}]`);
  const kernel = weightKernelShape(ctx, w);
  const perChannel = sizeOf(w.shape.slice(1));
  const xc = removeZeroPoint(x, xZeroPoint, () => 0);
  const wc = removeZeroPoint(w, wZeroPoint, wZeroPoint?.size === 1 ? () => 0 : (i) => Math.floor(i / perChannel));
  const window = resolveWindow(readWindowAttrs(ctx, kernel), x.shape.slice(2));
  const acc = convolveFloat(xc, x.shape, wc, w.shape, bias?.values, group, window);
  return { shape: [x.shape[0], m, ...window.outSize], acc };
}

/** Scales share one floating type (ONNX's shared constraint); the requantization multiplier is computed in it. */
export function checkScaleTypes(scales: readonly Tensor[], ctx: OpContext): DType {
  const dtype = scales[0].dtype;
  if (!isFloat(dtype)) throw ctx.error(`scales are ${dtype}, expected a floating type`);
  if (scales.some((s) => s.dtype !== dtype)) {
    throw ctx.error(`scales have types ${scales.map((s) => s.dtype).join(", ")}, expected one floating type`);
  }
  return dtype;
}
