import { allocate } from "../../ir/dtype.js";
import type { Dim } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { normalizeAxis } from "../support/axes.js";
import { sameDType } from "../support/elementwise.js";

/** Opset 1 defaulted the axis to 1; from opset 4 it is required. */
function concatAxis(rank: number, ctx: OpContext): number {
  return normalizeAxis(ctx.opset < 4 ? ctx.attrs.int("axis", 1) : ctx.attrs.int("axis"), rank, ctx);
}

export default defineOp({
  type: "Concat",
  since: 1,
  inputs: [1, Number.POSITIVE_INFINITY],
  shape: (inputs, ctx) => {
    const dtype = sameDType(inputs, ctx);
    const shapes = inputs.map((t) => t?.shape);
    if (shapes.some((s) => s === undefined)) return [{ dtype }];
    const known = shapes as (readonly Dim[])[];
    const axis = concatAxis(known[0].length, ctx);
    const out = [...known[0]];
    let total: Dim = 0;
    for (const s of known) {
      if (s.length !== out.length)
        throw ctx.error(`inputs have ranks ${known.map((k) => k.length)}, expected one rank`);
      total = typeof total === "number" && typeof s[axis] === "number" ? total + s[axis] : null;
      s.forEach((d, k) => {
        if (k !== axis && typeof d === "number" && typeof out[k] !== "number") out[k] = d;
      });
    }
    out[axis] = total;
    return [{ dtype, shape: out }];
  },
  evaluate: (inputs, ctx) => {
    const xs = inputs.filter((t): t is Tensor => t !== undefined);
    if (xs.length === 0) throw ctx.error("no inputs");
    const dtype = sameDType(xs, ctx) ?? xs[0].dtype;
    const rank = xs[0].rank;
    const axis = concatAxis(rank, ctx);
    for (const x of xs) {
      if (x.rank !== rank || x.shape.some((d, k) => k !== axis && d !== xs[0].shape[k])) {
        throw ctx.error(`input shapes ${xs.map((t) => `[${t.shape}]`).join(", ")} differ outside axis ${axis}`);
      }
    }
    const outer = xs[0].shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const shape = xs[0].shape.map((d, k) => (k === axis ? xs.reduce((n, x) => n + x.shape[axis], 0) : d));
    const out = allocate(
      dtype,
      shape.reduce((a, b) => a * b, 1),
    ) as unknown as unknown[];
    // Each input contributes one contiguous run per index of the leading (pre-axis) dims.
    const runs = xs.map((x) => (outer === 0 ? 0 : x.size / outer));
    const rowLength = runs.reduce((a, b) => a + b, 0);
    let col = 0;
    xs.forEach((x, i) => {
      const src = x.data as unknown as readonly unknown[];
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < runs[i]; j++) out[o * rowLength + col + j] = src[o * runs[i] + j];
      }
      col += runs[i];
    });
    return [new Tensor(dtype, shape, out as unknown as Tensor["data"])];
  },
});
