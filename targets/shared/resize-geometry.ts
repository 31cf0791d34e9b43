import { LEGACY_RESIZE } from "../../compiler/ops/ai.onnx/Resize.js";
import {
  COORDINATE_MODES,
  type CoordinateMode,
  NEAREST_MODES,
  type NearestMode,
  RESIZE_MODES,
  type ResizeMode,
} from "../../compiler/ops/support/resize.js";
import type { SymShape } from "../../compiler/plan/kernel-plan.js";
import { shapeSpec } from "./broadcast.js";
import { normalizeAxis } from "./data-movement.js";
import type { KernelFacts } from "./kernel-params.js";
import { sameDim } from "./sym.js";

/**
 * What every target's Resize kernel needs to know, read and checked once (target-neutral: it takes
 * only KernelFacts). The kernels resample H and W of an NCHW tensor as compiler/ops/support/resize.ts
 * does: axis by axis, each output index reading `taps` clamped neighbours with the mode's weights.
 */

/** The coordinate modes the kernels implement (tf_crop_and_resize needs a roi and extrapolation). */
export type KernelCoordinateMode = Exclude<CoordinateMode, "tf_crop_and_resize">;

export interface ResizeAxis {
  /** The given scale, or null when sizes were given: then it is out / in, computed at run time as the reference does. */
  readonly scale: number | null;
  /** The reference leaves the axis as it is (scale 1, same size): no resampling pass. */
  readonly identity: boolean;
}

export interface ResizeGeometry {
  readonly xs: SymShape;
  readonly ys: SymShape;
  /** N * C: the planes resized one by one. */
  readonly planes: number;
  readonly mode: ResizeMode;
  readonly coordinateMode: KernelCoordinateMode;
  readonly nearestMode: NearestMode;
  readonly cubicA: number;
  readonly excludeOutside: boolean;
  /** Neighbours per output index: 2 (nearest, linear) or 4 (cubic). */
  readonly taps: number;
  readonly height: ResizeAxis;
  readonly width: ResizeAxis;
  /** The specialisation: shapes, modes and scales. */
  readonly spec: string;
}

function oneOf<T extends string>(env: KernelFacts, name: string, allowed: readonly T[], fallback: T): T {
  const v = env.string(name, fallback);
  if (!(allowed as readonly string[]).includes(v)) {
    throw env.error(`attribute '${name}' is '${v}', expected one of ${allowed.join(", ")}`);
  }
  return v as T;
}

/**
 * Whether the kernel is Upsample or Resize-10: [X, scales], sampled as ONNX's 10 -> 11 converter
 * writes out (LEGACY_RESIZE). Resize from opset 11 always has a third input (scales or sizes).
 */
function isLegacy(env: KernelFacts): boolean {
  return env.kernel.kind === "Upsample" || env.kernel.inputs.length === 2;
}

/**
 * The scale per axis from the constant `scales` input (Upsample-7's attribute; over `axes` when
 * given), or null when absent or empty.
 */
function givenScales(env: KernelFacts, rank: number): (number | null)[] {
  const at = isLegacy(env) ? 1 : 2;
  // Upsample before opset 9 has its scales as an attribute.
  const attribute = env.kernel.kind === "Upsample" && !env.has(1);
  const op = env.kernel.inputs[at];
  if (!attribute && op && !("constant" in op)) {
    throw env.error("input 'scales' is computed at run time; expected a constant");
  }
  const values = attribute ? env.floats("scales") : env.constant(at);
  if (!values || values.length === 0) return new Array<number | null>(rank).fill(null);
  const axes = env.ints("axes", [...Array(rank).keys()]).map((a) => normalizeAxis(env, a, rank, "resized axis"));
  if (values.length !== axes.length) throw env.error(`'scales' has ${values.length} values, expected ${axes.length}`);
  const scales = new Array<number>(rank).fill(1);
  axes.forEach((a, i) => {
    if (!(values[i] > 0)) throw env.error(`scale ${values[i]} for axis ${a} is not positive`);
    scales[a] = values[i];
  });
  return scales;
}

/** A scale as an identifier fragment: 2 -> "2", 0.5 -> "0p5". */
function scaleSpec(s: number | null): string {
  return s === null ? "sz" : String(s).replace("-", "m").replace(".", "p").replace("+", "");
}

export function resizeGeometry(env: KernelFacts): ResizeGeometry {
  const xs = env.inputShape(0);
  const ys = env.outputShape(0);
  if (xs.length !== 4 || ys.length !== 4) throw env.error(`input has rank ${xs.length}; only 4-D NCHW is supported`);
  const mode = oneOf(env, "mode", RESIZE_MODES, "nearest");
  const legacy = isLegacy(env);
  const coordinate = legacy
    ? LEGACY_RESIZE.coordinateMode
    : oneOf(env, "coordinate_transformation_mode", COORDINATE_MODES, "half_pixel");
  if (coordinate === "tf_crop_and_resize") throw env.error("coordinate mode 'tf_crop_and_resize' is not supported");
  const nearestMode = legacy
    ? LEGACY_RESIZE.nearestMode
    : oneOf(env, "nearest_mode", NEAREST_MODES, "round_prefer_floor");
  if (env.int("antialias", 0) !== 0) throw env.error("antialias is not supported; expected antialias 0");
  if (env.string("keep_aspect_ratio_policy", "stretch") !== "stretch") {
    throw env.error("keep_aspect_ratio_policy other than 'stretch' is not supported");
  }
  const cubicA = env.float("cubic_coeff_a", -0.75);
  const excludeOutside = env.int("exclude_outside", 0) !== 0;
  const scales = givenScales(env, 4);
  for (const a of [0, 1]) {
    if (!sameDim(xs[a], ys[a]) || (scales[a] !== null && scales[a] !== 1)) {
      throw env.error(`axis ${a} is resized; only H and W (axes 2, 3) may be`);
    }
  }
  const axis = (a: number): ResizeAxis => {
    const scale = scales[a];
    return { scale, identity: sameDim(xs[a], ys[a]) && (scale === null || Math.abs(scale - 1) < 1e-9) };
  };
  const height = axis(2);
  const width = axis(3);
  const planes = env.staticDim(xs[0], "the batch") * env.staticDim(xs[1], "the channel count");
  const modeSpec =
    mode === "nearest" ? nearestMode : mode === "cubic" ? `cubic_a${scaleSpec(cubicA)}` : (mode as string);
  const spec =
    `resize_${shapeSpec(xs)}_to_${shapeSpec(ys)}_${modeSpec}_${coordinate}` +
    `_s${scaleSpec(height.scale)}x${scaleSpec(width.scale)}${excludeOutside ? "_excl" : ""}`;
  return {
    xs,
    ys,
    planes,
    mode,
    coordinateMode: coordinate,
    nearestMode,
    cubicA,
    excludeOutside,
    taps: mode === "cubic" ? 4 : 2,
    height,
    width,
    spec,
  };
}
