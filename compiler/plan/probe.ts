import { QmcError } from "../diagnostics.js";
import type { Model, TypeInfo } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import type { ShapeInference } from "../passes/infer-shapes.js";
import type { InputAxes, InputAxis } from "./input-size.js";
import { evalDim, type SymDim, type SymShape } from "./kernel-plan.js";
import { type Candidate, inferScaled, ProbeFailure, type ScaledInference } from "./size-multiple.js";

/**
 * Shape rules and constant folding work on numbers, but a symbolic spatial size stays symbolic in
 * the artifact. The planner therefore infers shapes at a few input sizes and fits every dimension to
 * c + h*H + w*W + hw*H*W: along a symbolic axis at a base size and one more (which determine the
 * polynomial) and at a third size that checks it, H and W counted in units of the size multiple
 * (1 unless the graph has shapes only at multiples of a size; size-multiple.ts). A fixed axis (declared by the model or pinned by
 * --size / --dim) is planned at exactly its size, and its terms fold into the others.
 */
const BASE_H = 24;
const BASE_W = 20;
/** The checking probe's offsets from the base: far enough that a wrong fit shows. */
const CHECK_H = 3;
const CHECK_W = 5;

export interface ProbedValue {
  readonly shape: SymShape;
  readonly dtype: TypeInfo["dtype"];
  /** The value when it is a compile-time constant at every probe, per probe. */
  readonly constants?: readonly Tensor[];
}

export interface Probe {
  readonly values: ReadonlyMap<string, ProbedValue>;
  /**
   * The height and width the image must be multiples of (1 along a fixed axis): shapes are fitted
   * in these units, h = H / multiple.h (see size-multiple.ts).
   */
  readonly multiple: { readonly h: number; readonly w: number; readonly why?: string };
}

/** The probe sizes in units: [base, base + 1 along H, base + 1 along W, both, check], less what is fixed. */
export function probeSizes(axes: InputAxes): [number, number][] {
  const h0 = axes.h.fixed ?? BASE_H;
  const w0 = axes.w.fixed ?? BASE_W;
  const hs = axes.h.fixed === undefined ? [h0, h0 + 1] : [h0];
  const ws = axes.w.fixed === undefined ? [w0, w0 + 1] : [w0];
  const grid = ws.flatMap((w) => hs.map((h): [number, number] => [h, w]));
  if (grid.length === 1) return grid;
  return [...grid, [axes.h.fixed ?? h0 + CHECK_H, axes.w.fixed ?? w0 + CHECK_W]];
}

/** "24x20 (H symbolic ('height'), W declared by input 'x' [1, 3, ?, 20])": where a size came from. */
export function describeSize(axes: InputAxes, h: number, w: number): string {
  const part = (name: string, a: InputAxis) =>
    a.fixed === undefined ? `${name} ${a.origin}, probed at ${name === "H" ? h : w}` : `${name} ${a.origin}`;
  const probed = axes.h.fixed === undefined || axes.w.fixed === undefined;
  const hint = probed ? "; a symbolic size is planned at probe sizes, pin it with --size HxW or --dim NAME=N" : "";
  return `input size ${h}x${w}: ${part("H", axes.h)}; ${part("W", axes.w)}${hint}`;
}

/**
 * Probes the main graph, whose single image input is NCHW with a fixed channel count and batch 1.
 * Where the graph has no shapes at the base probe sizes but has them at a multiple m of them, the
 * plan's symbolic sizes count units of m pixels.
 */
export function probeModel(model: Model, file: string, axes: InputAxes): Probe {
  const units = probeSizes(axes);
  const fit = ({ runs, sizes: pixels, multiple, infer }: Candidate) => {
    const values = new Map<string, ProbedValue>();
    for (const [name, first] of runs[0].types) {
      const shapes = runs.map((r) => r.types.get(name)?.shape);
      if (shapes.some((s) => !s || s.some((d) => typeof d !== "number"))) continue;
      const shape = fitShape(shapes as number[][], { units, pixels }, name, file, axes);
      const consts = runs.map((r) => r.constants.get(name));
      const constants = consts.every((c) => c !== undefined) ? (consts as Tensor[]) : undefined;
      values.set(name, { shape, dtype: first.dtype, constants });
    }
    if (multiple > 1) {
      checkMore(values, (hu, wu) => infer(axes.h.fixed ?? hu * multiple, axes.w.fixed ?? wu * multiple), axes);
    }
    return values;
  };
  let scaled: ScaledInference<Map<string, ProbedValue>>;
  try {
    scaled = inferScaled(model, file, units, { h: axes.h.fixed, w: axes.w.fixed }, fit);
  } catch (e) {
    if (!(e instanceof ProbeFailure)) throw e;
    if (e.h === undefined || e.w === undefined) throw e.cause;
    throw new QmcError(`${e.cause.message} (at ${describeSize(axes, e.h, e.w)})`, e.cause.exitCode);
  }
  const m = scaled.multiple;
  const failure = scaled.failure;
  const at = failure?.h === undefined ? "" : `at ${failure.h}x${failure.w}: `;
  const multiple = {
    h: axes.h.fixed === undefined ? m : 1,
    w: axes.w.fixed === undefined ? m : 1,
    ...(failure ? { why: `${at}${failure.cause.message}` } : {}),
  };
  return { values: scaled.accepted, multiple };
}

/**
 * Further sizes, in units, at which a plan found at a multiple above 1 must hold. Sizes computed with
 * Mod (padding to a window) are periodic in the units, and a period that divides the multiple's
 * step can match the three fitted probes by chance (ceil(6u / 8) * 8 at u = 24, 25, 27); these
 * offsets leave every residue up to 16 covered.
 */
const MORE_CHECKS: readonly (readonly [number, number])[] = [
  [BASE_H + 2, BASE_W + 4],
  [BASE_H + 6, BASE_W + 7],
  [BASE_H + 11, BASE_W + 13],
  [BASE_H + 13, BASE_W + 9],
];

function checkMore(
  values: ReadonlyMap<string, ProbedValue>,
  infer: (hu: number, wu: number) => ShapeInference,
  axes: InputAxes,
): void {
  for (const [hu, wu] of MORE_CHECKS) {
    const run = infer(hu, wu);
    for (const [name, v] of values) {
      const got = run.types.get(name)?.shape;
      const want = v.shape.map((d) => evalDim(d, axes.h.fixed ?? hu, axes.w.fixed ?? wu));
      if (!got || got.length !== want.length || got.some((d, k) => d !== want[k])) {
        throw new QmcError(
          `value '${name}' has the shape [${got ?? "?"}] at ${hu}x${wu} units, not the fitted [${want}]: its size is not a polynomial in the image height and width`,
        );
      }
    }
  }
}

/** The probe sizes in the plan's units (fitted) and in pixels (for messages). */
interface ProbeGrid {
  readonly units: readonly (readonly [number, number])[];
  readonly pixels: readonly (readonly [number, number])[];
}

function fitShape(shapes: readonly number[][], grid: ProbeGrid, name: string, file: string, axes: InputAxes): SymShape {
  const rank = shapes[0].length;
  const broken = shapes.findIndex((s) => s.some((d) => !Number.isInteger(d) || d < 0));
  if (broken >= 0) {
    const [h, w] = grid.pixels[broken];
    throw new QmcError(
      `${file}: value '${name}' gets the shape [${shapes[broken].join(", ")}], not whole sizes (a blocksize or stride does not divide the image), at ${describeSize(axes, h, w)}`,
    );
  }
  if (shapes.some((s) => s.length !== rank)) {
    throw new QmcError(
      `${file}: the rank of value '${name}' changes with the image size (${grid.pixels.map(([h, w], i) => `${shapes[i].length} at ${h}x${w}`).join(", ")})`,
    );
  }
  return Array.from({ length: rank }, (_, k) =>
    fitDim(
      shapes.map((s) => s[k]),
      grid,
      name,
      k,
      file,
      axes,
    ),
  );
}

/** Solves c + h*H + w*W + hw*H*W through the probes (see probeSizes for their order), in units. */
function fitDim(
  d: readonly number[],
  grid: ProbeGrid,
  name: string,
  axis: number,
  file: string,
  axes: InputAxes,
): SymDim {
  const varH = axes.h.fixed === undefined;
  const varW = axes.w.fixed === undefined;
  const sizes = grid.units;
  const [h0, w0] = sizes[0];
  const d00 = d[0];
  const d10 = varH ? d[1] : d00;
  const d01 = varW ? d[varH ? 2 : 1] : d00;
  const d11 = varH && varW ? d[3] : d00;
  const hw = varH && varW ? d11 - d10 - d01 + d00 : 0;
  const h = varH ? d10 - d00 - hw * w0 : 0;
  const w = varW ? d01 - d00 - hw * h0 : 0;
  const dim = { c: d00 - h * h0 - w * w0 - hw * h0 * w0, h, w, hw };
  if (d.length > 1) {
    const [ph, pw] = sizes[sizes.length - 1];
    if (evalDim(dim, ph, pw) !== d[d.length - 1]) {
      throw new QmcError(
        `${file}: dimension ${axis} of value '${name}' is not a polynomial in the image height and width (${grid.pixels.map(([sh, sw], i) => `${d[i]} at ${sh}x${sw}`).join(", ")}; H ${axes.h.origin}, W ${axes.w.origin}; pin the size with --size HxW to plan one size only)`,
      );
    }
  }
  return dim;
}
