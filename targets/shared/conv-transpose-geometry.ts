import { type ConvDims, convOperands } from "./conv-geometry.js";
import type { KernelFacts } from "./kernel-params.js";
import { addDim } from "./sym.js";

const ZERO = { c: 0, h: 0, w: 0, hw: 0 };

/**
 * The fixed geometry of a 2-D transposed convolution (target-neutral): weights [C, M/G, KH, KW].
 * Input pixel (ih, iw) feeds output (ih * SH - PH + kh * DH, iw * SW - PW + kw * DW); the begin pads
 * are fixed numbers even for symbolic sizes, since SAME asks for an output of in * stride.
 */
export interface ConvTransposeGeometry extends ConvDims {
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  /** The begin (top, left) pads: what the full scatter result loses at its start. */
  readonly pads: readonly [number, number];
  readonly spec: string;
}

const AUTO_PADS = ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"];

function pair(env: KernelFacts, name: string, fallback: readonly number[], least: number): [number, number] {
  const v = env.ints(name, fallback);
  if (v.length !== 2 || v.some((k) => k < least)) {
    throw env.error(`attribute '${name}' is [${v}], expected 2 values of at least ${least}`);
  }
  return [v[0], v[1]];
}

export function convTransposeGeometry(env: KernelFacts): ConvTransposeGeometry {
  const { xs, ws, ys, N, C, KH, KW } = convOperands(env, "2-D transposed convolution", "C, M/group, kH, kW");
  const MG = env.staticDim(ws[1], "the weight's output channels per group");
  const G = env.int("group", 1);
  if (G < 1 || C % G !== 0 || env.staticDim(ws[0], "the weight's input channels") !== C) {
    throw env.error(`group ${G} and a weight of shape [${ws.map((d) => d.c)}] do not fit ${C} input channels`);
  }
  const M = MG * G;
  if (env.has(2) && env.staticDim(env.inputShape(2)[0], "the bias length") !== M) {
    throw env.error(`the bias does not have ${M} values, one per output channel`);
  }
  const strides = pair(env, "strides", [1, 1], 1);
  const dilations = pair(env, "dilations", [1, 1], 1);
  const outputPadding = pair(env, "output_padding", [0, 0], 0);
  const autoPad = env.string("auto_pad", "NOTSET");
  if (!AUTO_PADS.includes(autoPad))
    throw env.error(`attribute 'auto_pad' is '${autoPad}', expected ${AUTO_PADS.join(", ")}`);
  const explicit = env.ints("pads", [0, 0, 0, 0]);
  const fixedOutput = env.kernel.params.output_shape !== undefined || autoPad.startsWith("SAME");
  const extents = [KH, KW].map((k, a) => (k - 1) * dilations[a] + 1);
  const padBegin = (a: number): number => {
    if (!fixedOutput) return autoPad === "VALID" ? 0 : explicit[a];
    // The pads that crop the full result, S * (in - 1) + output_padding + extent, to the output size.
    const excess = addDim(addDim(ZERO, xs[a + 2], strides[a]), ys[a + 2], -1);
    const total =
      env.staticDim(excess, "the output size minus stride times the input size") -
      strides[a] +
      outputPadding[a] +
      extents[a];
    const half = Math.floor(total / 2);
    return autoPad === "SAME_UPPER" ? half : total - half;
  };
  const pads: [number, number] = [padBegin(0), padBegin(1)];
  const opt = (name: string, v: readonly number[], dflt: number) =>
    v.every((k) => k === dflt) ? "" : `_${name}${v.join("x")}`;
  const spec =
    `conv_transpose_c${C}_o${M}_k${KH}x${KW}_p${pads.join("x")}${opt("s", strides, 1)}${opt("d", dilations, 1)}` +
    `_g${G}${env.has(2) ? "" : "_nobias"}`;
  return { xs, ys, N, C, M, CG: C / G, MG, KH, KW, strides, dilations, pads, spec };
}
