import type { Dim } from "../../ir/graph.js";
import { stridesOf, Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { intList, normalizeAxes } from "../support/axes.js";

type Mode = "constant" | "reflect" | "edge" | "wrap";

/**
 * Per-axis [begin, end] amounts (negative crops). Opset 1 named the attribute 'paddings', 2-10 'pads';
 * from 11 they are input 1, and from 18 input 3 may restrict them to some axes.
 */
function padAmounts(
  rank: number,
  operands: readonly (Tensor | undefined)[],
  ctx: OpContext,
): [number, number][] | undefined {
  const pads = ctx.opset >= 11 ? intList(operands[1]) : [...ctx.attrs.ints(ctx.opset === 1 ? "paddings" : "pads")];
  if (!pads) return undefined;
  const rawAxes = ctx.opset >= 18 ? intList(operands[3]) : undefined;
  const axes = rawAxes ? normalizeAxes(rawAxes, rank, ctx) : [...Array(rank).keys()];
  if (pads.length !== 2 * axes.length) {
    throw ctx.error(
      `'pads' has ${pads.length} values, expected ${2 * axes.length} (begin and end for ${axes.length} axes)`,
    );
  }
  const out: [number, number][] = Array.from({ length: rank }, () => [0, 0]);
  axes.forEach((a, i) => {
    out[a] = [pads[i], pads[i + axes.length]];
  });
  return out;
}

/** The source coordinate for output coordinate c (already shifted by the begin pad), or -1 for the fill value. */
function sourceIndex(c: number, dim: number, mode: Mode): number {
  if (c >= 0 && c < dim) return c;
  switch (mode) {
    case "constant":
      return -1;
    case "edge":
      return c < 0 ? 0 : dim - 1;
    case "wrap":
      return ((c % dim) + dim) % dim;
    case "reflect": {
      if (dim === 1) return 0;
      const period = 2 * (dim - 1);
      const m = ((c % period) + period) % period;
      return m < dim ? m : period - m;
    }
  }
}

export default defineOp({
  type: "Pad",
  since: 1,
  inputs: [1, 4],
  shape: ([x], ctx) => {
    if (!x?.shape) return [{ dtype: x?.dtype }];
    const shape = x.shape;
    const pads = padAmounts(shape.length, [undefined, ctx.constant(1), undefined, ctx.constant(3)], ctx);
    if (!pads) return [{ dtype: x.dtype, shape: shape.map(() => null) }];
    return [
      { dtype: x.dtype, shape: shape.map((d, k): Dim => (typeof d === "number" ? d + pads[k][0] + pads[k][1] : null)) },
    ];
  },
  evaluate: (inputs, ctx) => {
    const x = inputs[0];
    if (!x) throw ctx.error("missing input 'data'");
    const modes: Mode[] = ctx.opset >= 19 ? ["constant", "reflect", "edge", "wrap"] : ["constant", "reflect", "edge"];
    const mode = ctx.attrs.oneOf("mode", modes, "constant");
    const pads = padAmounts(x.rank, inputs, ctx);
    if (!pads) throw ctx.error("missing 'pads'");
    const fill = ctx.opset >= 11 ? (inputs[2]?.item() ?? 0) : ctx.attrs.float("value", 0);
    const shape = x.shape.map((d, k) => d + pads[k][0] + pads[k][1]);
    if (shape.some((d) => d < 0)) throw ctx.error(`pads crop more than the input shape [${x.shape}] holds`);
    if (mode !== "constant" && x.size === 0 && shape.some((d) => d > 0)) {
      throw ctx.error(`mode '${mode}' cannot pad an empty tensor`);
    }
    // Per axis, the source coordinate of each output coordinate (-1: fill value).
    const maps = shape.map((d, k) =>
      Int32Array.from({ length: d }, (_, o) => sourceIndex(o - pads[k][0], x.shape[k], mode)),
    );
    const strides = stridesOf(x.shape);
    const out = Tensor.zeros(x.dtype, shape);
    const o = out.data as unknown as unknown[];
    const src = x.data as unknown as readonly unknown[];
    const idx = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < o.length; i++) {
      let j = 0;
      for (let k = 0; k < shape.length && j >= 0; k++) {
        const s = maps[k][idx[k]];
        j = s < 0 ? -1 : j + s * strides[k];
      }
      o[i] = j < 0 ? fill : src[j];
      for (let k = shape.length - 1; k >= 0; k--) {
        if (++idx[k] < shape[k]) break;
        idx[k] = 0;
      }
    }
    return [out];
  },
});
