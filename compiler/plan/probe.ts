import { QmcError } from "../diagnostics.js";
import type { Model, TypeInfo } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { inferShapes, type ShapeInference } from "../passes/infer-shapes.js";
import { evalDim, type SymDim, type SymShape } from "./kernel-plan.js";

/**
 * Spatial sizes are symbolic in the artifact, but shape rules and constant folding work on numbers.
 * The planner therefore infers shapes at five input sizes around (A, B) and fits every dimension to
 * c + h*H + w*W + hw*H*W: four sizes determine the polynomial, the fifth checks it.
 */
const A = 24;
const B = 20;
const PROBES: readonly (readonly [number, number])[] = [
  [A, B],
  [A + 1, B],
  [A, B + 1],
  [A + 1, B + 1],
  [A + 3, B + 5],
];

export interface ProbedValue {
  readonly shape: SymShape;
  readonly dtype: TypeInfo["dtype"];
  /** The value when it is a compile-time constant at every probe, per probe. */
  readonly constants?: readonly Tensor[];
}

export interface Probe {
  readonly values: ReadonlyMap<string, ProbedValue>;
}

/** Probes the main graph: the single image input must be NCHW with symbolic or fixed H and W. */
export function probeModel(model: Model, file: string): Probe {
  const input = model.graph.inputs[0];
  const declared = input?.type.shape;
  if (model.graph.inputs.length !== 1 || !declared || declared.length !== 4 || typeof declared[1] !== "number") {
    throw new QmcError(`${file}: the model must take one image input (N, C, H, W) with a fixed channel count`);
  }
  const runs: ShapeInference[] = PROBES.map(([h, w]) =>
    inferShapes(model, file, new Map([[input.name, { dtype: input.type.dtype, shape: [1, declared[1], h, w] }]])),
  );
  const values = new Map<string, ProbedValue>();
  for (const [name, first] of runs[0].types) {
    const shapes = runs.map((r) => r.types.get(name)?.shape);
    if (shapes.some((s) => !s || s.some((d) => typeof d !== "number"))) continue;
    const shape = fitShape(shapes as number[][], name, file);
    const consts = runs.map((r) => r.constants.get(name));
    const constants = consts.every((c) => c !== undefined) ? (consts as Tensor[]) : undefined;
    values.set(name, { shape, dtype: first.dtype, constants });
  }
  return { values };
}

function fitShape(shapes: readonly number[][], name: string, file: string): SymShape {
  const rank = shapes[0].length;
  if (shapes.some((s) => s.length !== rank)) {
    throw new QmcError(`${file}: the rank of value '${name}' changes with the image size`);
  }
  return Array.from({ length: rank }, (_, k) =>
    fitDim(
      shapes.map((s) => s[k]),
      name,
      k,
      file,
    ),
  );
}

function fitDim(d: readonly number[], name: string, axis: number, file: string): SymDim {
  const [d00, d10, d01, d11, check] = d;
  const hw = d11 - d10 - d01 + d00;
  const h = d10 - d00 - hw * B;
  const w = d01 - d00 - hw * A;
  const c = d00 - h * A - w * B - hw * A * B;
  const dim = { c, h, w, hw };
  const [ph, pw] = PROBES[4];
  if (evalDim(dim, ph, pw) !== check) {
    throw new QmcError(
      `${file}: dimension ${axis} of value '${name}' is not a polynomial in the image height and width (sizes ${d.join(", ")} at the probes)`,
    );
  }
  return dim;
}
