import { QmcError } from "../diagnostics.js";
import type { Model } from "../ir/graph.js";
import { inferShapes, type ShapeInference } from "../passes/infer-shapes.js";

/**
 * Candidate size multiples, smallest first. Encoder-decoder nets (a stride-2 conv undone by a pixel
 * shuffle or a ConvTranspose and then added to its input, a pixel unshuffle, attention windows)
 * have shapes only where the image height and width are multiples of some m: 2 per halving, the
 * window size, the unshuffle factor. PyTorch users pad to it before calling the model (NAFNet's,
 * Restormer's and SwinIR's test scripts do); qmc finds it and the runtime pads (README).
 */
const MULTIPLES = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64] as const;

export interface ScaledInference<T = undefined> {
  /** The multiple the sizes were scaled by along the symbolic axes (1 where the model takes any size). */
  readonly multiple: number;
  /** The sizes inferred at, in pixels. */
  readonly sizes: readonly (readonly [number, number])[];
  readonly runs: readonly ShapeInference[];
  /** What `accept` made of the runs. */
  readonly accepted: T;
  /** Where the multiple is not 1: why 1 failed. */
  readonly failure?: ProbeFailure;
}

/** What `accept` judges: the shapes at the scaled sizes, and a way to infer them at others (in pixels). */
export interface Candidate {
  readonly runs: readonly ShapeInference[];
  readonly sizes: readonly (readonly [number, number])[];
  readonly multiple: number;
  readonly infer: (h: number, w: number) => ShapeInference;
}

/**
 * Shapes failed at multiple 1: inference at a size (h, w), or what the caller does with the shapes
 * (no size: fitting them to polynomials, whose message names every size).
 */
export class ProbeFailure extends Error {
  constructor(
    readonly cause: QmcError,
    readonly h?: number,
    readonly w?: number,
  ) {
    super(cause.message);
  }
}

/**
 * Infers the shapes of a model whose one input is an NCHW image at `sizes` (height and width as if
 * any size ran), scaled by the smallest multiple m of MULTIPLES at which every size has shapes and
 * `accept` takes them (a QmcError from it rules m out: sizes computed as (m - h % m) % m, padding
 * to a window, are polynomials only at multiples of m); a fixed axis (`fixed`) keeps its size. A
 * graph that works at no multiple gets multiple 1's failure.
 */
export function inferScaled<T = undefined>(
  model: Model,
  file: string,
  sizes: readonly (readonly [number, number])[],
  fixed: { readonly h?: number; readonly w?: number },
  accept: (candidate: Candidate) => T = () => undefined as T,
): ScaledInference<T> {
  const input = model.graph.inputs[0];
  const declared = input.type.shape as readonly (number | string | null)[];
  const dim = (d: number | string | null) => (typeof d === "number" ? d : 1);
  const infer = (h: number, w: number) =>
    inferShapes(
      model,
      file,
      new Map([[input.name, { dtype: input.type.dtype, shape: [dim(declared[0]), dim(declared[1]), h, w] }]]),
    );
  const free = fixed.h === undefined || fixed.w === undefined;
  let failure: ProbeFailure | undefined;
  for (const m of free ? MULTIPLES : [1]) {
    const scaled = sizes.map(([h, w]): [number, number] => [fixed.h ?? h * m, fixed.w ?? w * m]);
    const runs: ShapeInference[] = [];
    for (const [h, w] of scaled) {
      try {
        runs.push(infer(h, w));
      } catch (e) {
        if (!(e instanceof QmcError)) throw e;
        failure ??= new ProbeFailure(e, h, w);
        break;
      }
    }
    if (runs.length < scaled.length) continue;
    try {
      const accepted = accept({ runs, sizes: scaled, multiple: m, infer });
      return { multiple: m, sizes: scaled, runs, accepted, failure };
    } catch (e) {
      if (!(e instanceof QmcError)) throw e;
      failure ??= new ProbeFailure(e);
    }
  }
  throw failure;
}
