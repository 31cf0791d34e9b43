import type { Dim } from "../../ir/graph.js";
import type { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { normalizeAxis } from "../support/normalization.js";
import {
  COORDINATE_MODES,
  NEAREST_MODES,
  RESIZE_MODES,
  type ResizeOptions,
  resizedTensor,
  resizeFloat,
} from "../support/resize.js";

const POLICIES = ["stretch", "not_larger", "not_smaller"] as const;

/** The axes that scales / sizes / roi address (attribute axes from opset 18, else all). */
function resizeAxes(ctx: OpContext, rank: number): number[] {
  if (ctx.opset < 18 || !ctx.attrs.has("axes")) return Array.from({ length: rank }, (_, i) => i);
  const axes = ctx.attrs.ints("axes").map((a) => normalizeAxis(ctx, a, rank, "axes"));
  if (new Set(axes).size !== axes.length) throw ctx.error(`attribute 'axes' [${axes}] repeats an axis`);
  return axes;
}

/** Output shape and the per-axis scales the coordinate transform uses, from scales or sizes. */
function resizeGeometry(
  ctx: OpContext,
  inShape: readonly number[],
  scalesIn: Tensor | undefined,
  sizesIn: Tensor | undefined,
): { outShape: number[]; scales: number[] } {
  const r = inShape.length;
  const axes = resizeAxes(ctx, r);
  const hasScales = scalesIn !== undefined && scalesIn.size > 0;
  const hasSizes = sizesIn !== undefined && sizesIn.size > 0;
  if (hasScales === hasSizes) throw ctx.error("exactly one of 'scales' and 'sizes' must be given (and non-empty)");
  const given = (hasScales ? scalesIn : sizesIn)?.toNumbers() ?? [];
  if (given.length !== axes.length) {
    throw ctx.error(`'${hasScales ? "scales" : "sizes"}' has ${given.length} values, expected ${axes.length}`);
  }
  const scales = new Array<number>(r).fill(1);
  const outShape = [...inShape];
  if (hasScales) {
    axes.forEach((a, i) => {
      if (!(given[i] > 0)) throw ctx.error(`scale ${given[i]} for axis ${a} is not positive`);
      scales[a] = given[i];
      outShape[a] = Math.floor(inShape[a] * given[i]);
    });
    return { outShape, scales };
  }
  axes.forEach((a, i) => {
    outShape[a] = given[i];
    scales[a] = given[i] / inShape[a];
  });
  const policy = ctx.opset >= 18 ? ctx.attrs.oneOf("keep_aspect_ratio_policy", POLICIES, "stretch") : "stretch";
  if (policy !== "stretch") {
    const picked = axes.map((a) => scales[a]);
    const scale = policy === "not_larger" ? Math.min(...picked) : Math.max(...picked);
    for (const a of axes) {
      scales[a] = scale;
      outShape[a] = Math.floor(scale * inShape[a] + 0.5);
    }
  }
  return { outShape, scales };
}

/**
 * Resize-10 (like Upsample-9) takes [X, scales] and has no coordinate attributes: its rule is
 * x_in = x_out / scale with nearest taking the floor, what ONNX's 10 -> 11 version converter writes
 * out as coordinate_transformation_mode 'asymmetric' and nearest_mode 'floor'.
 */
export const LEGACY_RESIZE = { coordinateMode: "asymmetric", nearestMode: "floor" } as const;

/** Resize-10's and Upsample's sampling in `mode`. */
export function legacyResizeOptions(mode: ResizeOptions["mode"]): ResizeOptions {
  return { mode, ...LEGACY_RESIZE, cubicA: -0.75, excludeOutside: false, extrapolationValue: 0, antialias: false };
}

function readOptions(ctx: OpContext): ResizeOptions {
  const mode = ctx.attrs.oneOf("mode", RESIZE_MODES, "nearest");
  if (ctx.opset < 11) return legacyResizeOptions(mode);
  const antialias = ctx.opset >= 18 && ctx.attrs.int("antialias", 0) !== 0;
  if (antialias && mode === "nearest") throw ctx.error("attribute 'antialias' applies to linear and cubic modes only");
  return {
    mode,
    coordinateMode: ctx.attrs.oneOf("coordinate_transformation_mode", COORDINATE_MODES, "half_pixel"),
    nearestMode: ctx.attrs.oneOf("nearest_mode", NEAREST_MODES, "round_prefer_floor"),
    cubicA: ctx.attrs.float("cubic_coeff_a", -0.75),
    excludeOutside: ctx.attrs.int("exclude_outside", 0) !== 0,
    extrapolationValue: ctx.attrs.float("extrapolation_value", 0),
    antialias,
  };
}

export default defineOp({
  type: "Resize",
  since: 10,
  inputs: [1, 4],
  shape: ([x], ctx) => {
    if (!x?.shape) return [{ dtype: x?.dtype }];
    const scales = ctx.constant(ctx.opset < 11 ? 1 : 2);
    const sizes = ctx.opset < 11 ? undefined : ctx.constant(3);
    const known = (scales && scales.size > 0) || (sizes && sizes.size > 0);
    if (!known || x.shape.some((d) => typeof d !== "number")) {
      const axes = new Set(resizeAxes(ctx, x.shape.length));
      return [{ dtype: x.dtype, shape: x.shape.map((d, i): Dim => (axes.has(i) ? null : d)) }];
    }
    return [{ dtype: x.dtype, shape: resizeGeometry(ctx, x.shape as number[], scales, sizes).outShape }];
  },
  evaluate: (inputs, ctx) => {
    const [x, roiIn, scalesIn, sizesIn] = ctx.opset < 11 ? [inputs[0], undefined, inputs[1], undefined] : inputs;
    if (!x) throw ctx.error("missing input X");
    const options = readOptions(ctx);
    const r = x.rank;
    const { outShape, scales } = resizeGeometry(ctx, x.shape, scalesIn, sizesIn);
    const roi = [...new Array<number>(r).fill(0), ...new Array<number>(r).fill(1)];
    if (options.coordinateMode === "tf_crop_and_resize" && roiIn && roiIn.size > 0) {
      const axes = resizeAxes(ctx, r);
      const v = roiIn.toNumbers();
      if (v.length !== 2 * axes.length) throw ctx.error(`'roi' has ${v.length} values, expected ${2 * axes.length}`);
      axes.forEach((a, i) => {
        roi[a] = v[i];
        roi[a + r] = v[i + axes.length];
      });
    }
    const out = resizeFloat(x.values, x.shape, outShape, scales, roi, options);
    return [resizedTensor(x.dtype, outShape, out)];
  },
});
