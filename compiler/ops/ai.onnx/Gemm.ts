import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { broadcastIndexer, broadcastShapes } from "../support/broadcast.js";
import { sameDType } from "../support/elementwise.js";
import { dotRoundingOf } from "../support/matmul.js";

export default defineOp({
  type: "Gemm",
  since: 6,
  inputs: [2, 3],
  shape: (inputs, ctx) => {
    const [a, b] = inputs;
    const dtype = sameDType(inputs, ctx);
    if (!a?.shape || !b?.shape) return [{ dtype }];
    const m = ctx.attrs.int("transA", 0) ? a.shape[1] : a.shape[0];
    const n = ctx.attrs.int("transB", 0) ? b.shape[0] : b.shape[1];
    return [{ dtype, shape: [m ?? null, n ?? null] }];
  },
  evaluate: (inputs, ctx) => {
    const [a, b, c] = inputs;
    if (!a || !b) throw ctx.error("missing input A or B");
    const dtype = sameDType(inputs, ctx) ?? a.dtype;
    if (a.rank !== 2 || b.rank !== 2) throw ctx.error(`A [${a.shape}] and B [${b.shape}] must both be matrices`);
    const transA = ctx.attrs.int("transA", 0) !== 0;
    const transB = ctx.attrs.int("transB", 0) !== 0;
    // Float attributes are float32 in ONNX; rounding them keeps the float32 products exact float32 ops.
    const alpha = Math.fround(ctx.attrs.float("alpha", 1));
    const beta = Math.fround(ctx.attrs.float("beta", 1));
    const [m, k] = transA ? [a.shape[1], a.shape[0]] : a.shape;
    const [k2, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
    if (k !== k2) throw ctx.error(`inner dims differ: op(A) is [${m},${k}], op(B) is [${k2},${n}]`);
    // C broadcasts one way only: to the [M, N] result.
    const cAt = c ? broadcastIndexer(c.shape, [m, n]) : undefined;
    const fits = broadcastShapes(c ? [c.shape, [m, n]] : []);
    if (c && (!fits || fits[0] !== m || fits[1] !== n || c.rank > 2)) {
      throw ctx.error(`C [${c.shape}] does not broadcast to the result [${m},${n}]`);
    }
    const av = a.values;
    const bv = b.values;
    const cv = c?.values;
    // Float types round every product and sum to float32; integers keep exact float64 sums.
    const round = dotRoundingOf(dtype) === "float32" ? Math.fround : (v: number) => v;
    const out = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          acc = round(acc + round(av[transA ? p * m + i : i * k + p] * bv[transB ? j * k + p : p * n + j]));
        }
        const idx = i * n + j;
        // Without C the + 0 still runs: it turns a -0 into +0, as every target does.
        out[idx] = round(round(alpha * acc) + (cv && cAt ? round(beta * cv[cAt(idx)]) : 0));
      }
    }
    return [Tensor.from(dtype, [m, n], out)];
  },
});
