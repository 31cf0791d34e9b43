import type { Dim } from "../../ir/graph.js";
import { sizeOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";

export default defineOp({
  type: "BatchNormalization",
  since: 7,
  inputs: [5, 5],
  shape: ([x, , , mean], ctx) => {
    const c: Dim = x?.shape?.[1] ?? null;
    const stats = { dtype: mean?.dtype, shape: [c] };
    return ctx.opset >= 14 && ctx.attrs.int("training_mode", 0)
      ? [{ dtype: x?.dtype, shape: x?.shape }, stats, stats]
      : [{ dtype: x?.dtype, shape: x?.shape }];
  },
  evaluate: ([x, scale, bias, inputMean, inputVar], ctx) => {
    if (!x || !scale || !bias || !inputMean || !inputVar) throw ctx.error("missing input");
    if (ctx.opset < 9 && ctx.attrs.int("spatial", 1) === 0) {
      throw ctx.error("attribute 'spatial' = 0 (per-element statistics) is not supported");
    }
    if (x.rank < 2) throw ctx.error(`input has rank ${x.rank}, expected at least 2 (N, C, ...)`);
    const [n, c] = x.shape;
    for (const [name, t] of [
      ["scale", scale],
      ["B", bias],
      ["input_mean", inputMean],
      ["input_var", inputVar],
    ] as const) {
      if (t.size !== c) throw ctx.error(`${name} has shape [${t.shape}], expected [${c}] (one value per channel)`);
    }
    const epsilon = ctx.attrs.float("epsilon", 1e-5);
    const training = ctx.opset >= 14 && ctx.attrs.int("training_mode", 0) !== 0;
    const spatial = sizeOf(x.shape.slice(2));
    const xv = x.values;
    let mean: ArrayLike<number> = inputMean.values;
    let variance: ArrayLike<number> = inputVar.values;
    if (training) {
      // Training mode normalizes with this batch's statistics (biased variance).
      const m = new Float64Array(c);
      const v = new Float64Array(c);
      const count = n * spatial;
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let b = 0; b < n; b++) {
          const base = (b * c + ch) * spatial;
          for (let i = base; i < base + spatial; i++) sum += xv[i];
        }
        m[ch] = sum / count;
        let sq = 0;
        for (let b = 0; b < n; b++) {
          const base = (b * c + ch) * spatial;
          for (let i = base; i < base + spatial; i++) sq += (xv[i] - m[ch]) ** 2;
        }
        v[ch] = sq / count;
      }
      mean = m;
      variance = v;
    }
    const y = new Float64Array(x.size);
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const s = scale.values[ch] / Math.sqrt(variance[ch] + epsilon);
        const shift = bias.values[ch] - mean[ch] * s;
        const base = (b * c + ch) * spatial;
        for (let i = base; i < base + spatial; i++) y[i] = xv[i] * s + shift;
      }
    }
    const out = Tensor.from(x.dtype, x.shape, y);
    if (!training) return [out];
    const momentum = ctx.attrs.float("momentum", 0.9);
    const running = (prev: Tensor, now: ArrayLike<number>) =>
      Tensor.from(
        prev.dtype,
        [c],
        Array.from(prev.values, (p, ch) => p * momentum + now[ch] * (1 - momentum)),
      );
    return [out, running(inputMean, mean), running(inputVar, variance)];
  },
});
