/**
 * The KernelPlan: everything a target needs to emit an artifact, and nothing of the ONNX graph.
 * Targets see only this; the runtime sees only the artifact's ABI.
 *
 * Spatial sizes are not fixed at compile time: the artifact is prepared for an (h, w) input at run
 * time. Every dimension is therefore a SymDim, a polynomial c + ch*h + cw*w + chw*h*w in the input's
 * height and width (convolutions keep sizes affine; flattening H and W multiplies them), counted in
 * units of ModelInfo.sizeMultiple pixels (1 for most models; see sizeUnits).
 */
export interface SymDim {
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly hw: number;
}

export type SymShape = readonly SymDim[];

export function evalDim(d: SymDim, h: number, w: number): number {
  return d.c + d.h * h + d.w * w + d.hw * h * w;
}

/**
 * The plan's units for an H x W pixel input: H / sizeMultiple.h, W / sizeMultiple.w. Sizes that
 * are not multiples have no plan; callers check with fitsMultiple first.
 */
export function sizeUnits(model: ModelInfo, h: number, w: number): [number, number] {
  if (!fitsMultiple(model, h, w)) {
    throw new Error(`${h}x${w} is not a multiple of the plan's ${model.sizeMultiple.h}x${model.sizeMultiple.w}`);
  }
  return [h / model.sizeMultiple.h, w / model.sizeMultiple.w];
}

/** A shape at an input of h x w pixels (sizes that fit the plan's multiple). */
export function shapeAtSize(model: ModelInfo, s: SymShape, h: number, w: number): number[] {
  const [hu, wu] = sizeUnits(model, h, w);
  return evalShape(s, hu, wu);
}

/** The smallest multiple of the plan's size unit that is at least `n` along each axis. */
export function roundUpToMultiple(model: ModelInfo, h: number, w: number): { h: number; w: number } {
  const up = (n: number, m: number) => Math.ceil(n / m) * m;
  return { h: up(h, model.sizeMultiple.h), w: up(w, model.sizeMultiple.w) };
}

export function fitsMultiple(model: ModelInfo, h: number, w: number): boolean {
  return h % model.sizeMultiple.h === 0 && w % model.sizeMultiple.w === 0;
}

export function evalShape(s: SymShape, h: number, w: number): number[] {
  return s.map((d) => evalDim(d, h, w));
}

export function isStatic(d: SymDim): boolean {
  return d.h === 0 && d.w === 0 && d.hw === 0;
}

/** Element types a plan moves between kernels; sub-byte weights are packed in constants only. */
export type PlanDType = "float32" | "int32" | "int8" | "uint8";

export interface PlanBuffer {
  readonly id: number;
  /** Where it came from (an ONNX value name), for reports and generated comments only. */
  readonly name: string;
  readonly dtype: PlanDType;
  readonly shape: SymShape;
  /** Kernel indices of the first write and the last read (inclusive): its live range. */
  readonly firstUse: number;
  readonly lastUse: number;
}

export type ConstantEncoding =
  | { readonly kind: "float32" }
  | { readonly kind: "int32" }
  /** Signed codes, packed little-end first: 4-bit two per byte, 2-bit four per byte, or 8-bit. */
  | { readonly kind: "packed"; readonly bits: 2 | 4 | 8 };

export interface PlanConstant {
  readonly id: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly encoding: ConstantEncoding;
  /** The encoded bytes, little-endian. */
  readonly bytes: Uint8Array;
}

export type Operand = { readonly buffer: number } | { readonly constant: number };

/** Plain data: numbers, strings, booleans and arrays of them; generators inline these as literals. */
export type ParamValue = number | string | boolean | readonly number[] | readonly string[];

export interface PlanKernel {
  /** Which generator emits it, e.g. "conv2d", "qlinear", "selective_scan". */
  readonly kind: string;
  /** Its specialised name, unique in the plan, e.g. "k12_qconv2d_c24_o24_k3_a4w4". */
  readonly name: string;
  /** How it computes, for `inspect --plan`: "f32", "int4 x int4 -> int32", "f32 scan". */
  readonly arithmetic: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly inputs: readonly (Operand | null)[];
  readonly outputs: readonly number[];
  /** Shapes of inputs (null for omitted) and outputs. */
  readonly inputShapes: readonly (SymShape | null)[];
  readonly outputShapes: readonly SymShape[];
  /** The ONNX node(s) it came from, for reports. */
  readonly sources: readonly string[];
}

export interface ModelInfo {
  readonly name: string;
  readonly task: "sr" | "denoise" | "car" | "unknown";
  readonly scale: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** Weight / activation bit-widths found in the model (empty for float models). */
  readonly bits: readonly number[];
  readonly sha256: string;
  /**
   * The input height and width the artifact was compiled for, where fixed (declared by the model or
   * pinned at compile time); null where the artifact takes any size. qmc_prepare refuses other sizes.
   */
  readonly inputSize: { readonly h: number | null; readonly w: number | null };
  /**
   * What the input height and width must be multiples of (1 along a fixed axis); the plan's
   * symbolic sizes count these units. Above 1 for graphs that have shapes only there (size-multiple.ts).
   */
  readonly sizeMultiple: {
    readonly h: number;
    readonly w: number;
    /** Where they are not 1: the failure at the sizes they rule out, for reports. */
    readonly why?: string;
  };
}

export interface KernelPlan {
  readonly model: ModelInfo;
  readonly input: number;
  readonly output: number;
  readonly buffers: readonly PlanBuffer[];
  readonly constants: readonly PlanConstant[];
  readonly kernels: readonly PlanKernel[];
}

/** The bytes of every constant as the plan packs them (weights included): what an artifact must carry. */
export function constantBytes(plan: KernelPlan): number {
  return plan.constants.reduce((s, c) => s + c.bytes.length, 0);
}
