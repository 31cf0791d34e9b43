import type { Dim } from "../../ir/graph.js";
import { sizeOf, type Tensor } from "../../ir/tensor.js";
import type { OpContext } from "../define.js";

/**
 * Sliding-window geometry shared by Conv, ConvTranspose, the pools and the integer convolutions:
 * attribute reading, auto_pad resolution and output sizes, following the ONNX operator text.
 */

export const AUTO_PADS = ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"] as const;
export type AutoPad = (typeof AUTO_PADS)[number];

/** The window attributes of one node, per spatial axis. */
export interface WindowAttrs {
  readonly autoPad: AutoPad;
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Explicit pads [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; ignored unless autoPad is NOTSET. */
  readonly pads: readonly number[];
  readonly ceilMode: boolean;
}

/** A window resolved against concrete input sizes. */
export interface Window {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
  readonly inSize: readonly number[];
  readonly outSize: readonly number[];
}

/**
 * Reads auto_pad, strides, dilations, pads (and ceil_mode where the op has it) for a window of the
 * given kernel size; `kernel` comes from kernel_shape or the weight's spatial dims.
 */
export function readWindowAttrs(
  ctx: OpContext,
  kernel: readonly number[],
  options: { readonly ceilMode?: boolean } = {},
): WindowAttrs {
  const n = kernel.length;
  const ones = new Array<number>(n).fill(1);
  const autoPad = ctx.attrs.oneOf("auto_pad", AUTO_PADS, "NOTSET");
  const strides = ctx.attrs.ints("strides", ones);
  const dilations = ctx.attrs.ints("dilations", ones);
  const pads = ctx.attrs.ints("pads", new Array<number>(2 * n).fill(0));
  if (strides.length !== n) throw ctx.error(`attribute 'strides' has ${strides.length} values, expected ${n}`);
  if (dilations.length !== n) throw ctx.error(`attribute 'dilations' has ${dilations.length} values, expected ${n}`);
  if (pads.length !== 2 * n) throw ctx.error(`attribute 'pads' has ${pads.length} values, expected ${2 * n}`);
  if (kernel.some((k) => k < 1)) throw ctx.error(`kernel shape [${kernel}] has a dimension below 1`);
  if (strides.some((s) => s < 1)) throw ctx.error(`attribute 'strides' [${strides}] has a value below 1`);
  if (dilations.some((d) => d < 1)) throw ctx.error(`attribute 'dilations' [${dilations}] has a value below 1`);
  if (pads.some((p) => p < 0)) throw ctx.error(`attribute 'pads' [${pads}] has a negative value`);
  const ceilMode = options.ceilMode === true && ctx.attrs.int("ceil_mode", 0) !== 0;
  return { autoPad, kernel, strides, dilations, pads, ceilMode };
}

/** The extent a dilated kernel covers. */
export function dilatedExtent(kernel: number, dilation: number): number {
  return (kernel - 1) * dilation + 1;
}

/** Output size and pads of one spatial axis. */
export function windowAxis(
  attrs: WindowAttrs,
  axis: number,
  inSize: number,
): { out: number; padBegin: number; padEnd: number } {
  const n = attrs.kernel.length;
  const s = attrs.strides[axis];
  const extent = dilatedExtent(attrs.kernel[axis], attrs.dilations[axis]);
  switch (attrs.autoPad) {
    case "VALID":
      return { out: Math.max(0, Math.floor((inSize - extent) / s) + 1), padBegin: 0, padEnd: 0 };
    case "SAME_UPPER":
    case "SAME_LOWER": {
      const out = Math.ceil(inSize / s);
      const total = Math.max(0, (out - 1) * s + extent - inSize);
      const small = Math.floor(total / 2);
      // SAME_UPPER puts the odd pad at the end, SAME_LOWER at the beginning.
      const padBegin = attrs.autoPad === "SAME_UPPER" ? small : total - small;
      return { out, padBegin, padEnd: total - padBegin };
    }
    default: {
      const padBegin = attrs.pads[axis];
      const padEnd = attrs.pads[axis + n];
      const span = inSize + padBegin + padEnd - extent;
      let out = (attrs.ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
      // A ceil-mode window must start inside the input or its leading pad, never in the trailing pad.
      if (attrs.ceilMode && (out - 1) * s >= inSize + padBegin) out--;
      return { out: Math.max(0, out), padBegin, padEnd };
    }
  }
}

/** The window resolved for concrete spatial input sizes. */
export function resolveWindow(attrs: WindowAttrs, inSize: readonly number[]): Window {
  const axes = inSize.map((d, i) => windowAxis(attrs, i, d));
  return {
    kernel: attrs.kernel,
    strides: attrs.strides,
    dilations: attrs.dilations,
    padsBegin: axes.map((a) => a.padBegin),
    padsEnd: axes.map((a) => a.padEnd),
    inSize,
    outSize: axes.map((a) => a.out),
  };
}

/** Output spatial dims for shape inference: symbolic or unknown inputs give unknown outputs. */
export function windowOutputDims(attrs: WindowAttrs, inDims: readonly Dim[]): Dim[] {
  return inDims.map((d, i) => (typeof d === "number" ? windowAxis(attrs, i, d).out : null));
}

/**
 * For every (position, kernel offset) pair, the flat index of the addressed element in a grid of
 * size `limit`, or -1 where it falls outside (in padding). Position p on axis a with kernel offset
 * k addresses p*stride - padBegin + k*dilation: for Conv and pools the positions are outputs and
 * the grid the input; for ConvTranspose the positions are inputs and the grid the output.
 */
export function windowTable(
  positions: readonly number[],
  limit: readonly number[],
  { kernel, strides, dilations, padsBegin }: Pick<Window, "kernel" | "strides" | "dilations" | "padsBegin">,
): Int32Array {
  const rank = positions.length;
  const nPos = sizeOf(positions);
  const nK = sizeOf(kernel);
  // Per axis, the coordinate each (position, offset) pair reaches, then combine across axes.
  const coords = positions.map((p, a) => {
    const t = new Int32Array(p * kernel[a]);
    for (let i = 0; i < p; i++) {
      for (let k = 0; k < kernel[a]; k++) {
        const c = i * strides[a] - padsBegin[a] + k * dilations[a];
        t[i * kernel[a] + k] = c >= 0 && c < limit[a] ? c : -1;
      }
    }
    return t;
  });
  const table = new Int32Array(nPos * nK);
  const pos = new Array<number>(rank).fill(0);
  const off = new Array<number>(rank).fill(0);
  for (let p = 0; p < nPos; p++) {
    off.fill(0);
    for (let k = 0; k < nK; k++) {
      let flat = 0;
      for (let a = 0; a < rank; a++) {
        const c = coords[a][pos[a] * kernel[a] + off[a]];
        if (c < 0) {
          flat = -1;
          break;
        }
        flat = flat * limit[a] + c;
      }
      table[p * nK + k] = flat;
      for (let a = rank - 1; a >= 0; a--) {
        if (++off[a] < kernel[a]) break;
        off[a] = 0;
      }
    }
    for (let a = rank - 1; a >= 0; a--) {
      if (++pos[a] < positions[a]) break;
      pos[a] = 0;
    }
  }
  return table;
}

/**
 * The kernel's spatial size: attribute kernel_shape when present, else the weight's trailing dims
 * (undefined while those are not known at compile time).
 */
export function kernelShapeOf(ctx: OpContext, weightDims: readonly Dim[] | undefined): number[] | undefined {
  if (ctx.attrs.has("kernel_shape")) return [...ctx.attrs.ints("kernel_shape")];
  const spatial = weightDims?.slice(2);
  if (!spatial || spatial.some((d) => typeof d !== "number")) return undefined;
  return spatial as number[];
}

/** The kernel's spatial size for a weight known at evaluation, where kernel_shape must agree with it. */
export function weightKernelShape(ctx: OpContext, weight: Tensor): number[] {
  const kernel = kernelShapeOf(ctx, weight.shape) ?? [];
  if (kernel.some((k, i) => k !== weight.shape[i + 2])) {
    throw ctx.error(
      `attribute 'kernel_shape' [${kernel}] disagrees with the weight's spatial dims [${weight.shape.slice(2)}]`,
    );
  }
  return kernel;
}
