import { padRank, shapeSpec } from "../../shared/broadcast.js";
import { isOne } from "../../shared/sym.js";
import type { Ex } from "../binaryen.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Y = alpha * op(A) op(B) + beta * C, C broadcast to [M, N] (a scalar, a row, a column or full), in
 * the js target's order: each output sums its K products in f64 from p = 0 up, then alpha * acc +
 * beta * c (or + 0 without C, which turns -0 into 0 as the js target does).
 */
const gemm: WasmKernelGenerator = (env) => {
  const as = env.inputShape(0);
  const bs = env.inputShape(1);
  if (as.length !== 2 || bs.length !== 2) throw env.error("A and B must both be matrices");
  const transA = env.int("transA", 0) !== 0;
  const transB = env.int("transB", 0) !== 0;
  const a = env.input(0);
  const b = env.input(1);
  const c = env.has(2) ? env.input(2) : undefined;
  const y = env.output(0);
  const [M, K] = transA ? [as[1], as[0]] : as;
  const N = transB ? bs[0] : bs[1];
  const rows = env.dim(M);
  const k = env.dim(K);
  const n = env.dim(N);
  const alpha = env.scalar(env.float("alpha", 1));
  const beta = c ? env.scalar(env.float("beta", 1)) : undefined;
  const f = env.fn;
  const m = f.m;
  const [i, j, p] = [f.i32Local(), f.i32Local(), f.i32Local()];
  const acc = f.f64Local();
  // C varies along rows, columns, both or neither.
  const [cRows, cCols] = c ? padRank(env.inputShape(2), 2).map((d) => !isOne(d)) : [false, false];
  const cForm = !c ? "_noc" : `_c${cRows ? "m" : ""}${cCols ? "n" : ""}`;
  const cIndex = (): Ex =>
    cRows && cCols ? f.add(m.i32.mul(i.get(), n()), j.get()) : cRows ? i.get() : cCols ? j.get() : f.i32(0);
  const aIndex = () => (transA ? f.add(m.i32.mul(p.get(), rows()), i.get()) : f.add(m.i32.mul(i.get(), k()), p.get()));
  const bIndex = () => (transB ? f.add(m.i32.mul(j.get(), k()), p.get()) : f.add(m.i32.mul(p.get(), n()), j.get()));
  const bias = c && beta ? m.f64.mul(beta(), f.loadF(c, cIndex())) : f.f64(0);
  return {
    spec: `gemm_${shapeSpec(as)}_${shapeSpec(bs)}${transA ? "_ta" : ""}${transB ? "_tb" : ""}${cForm}`,
    body: [
      f.for(i, f.i32(0), rows, [
        f.for(j, f.i32(0), n, [
          acc.set(f.f64(0)),
          f.for(p, f.i32(0), k, [acc.set(m.f64.add(acc.get(), m.f64.mul(f.loadF(a, aIndex()), f.loadF(b, bIndex()))))]),
          f.storeF(y, f.add(m.i32.mul(i.get(), n()), j.get()), m.f64.add(m.f64.mul(alpha(), acc.get()), bias)),
        ]),
      ]),
    ],
  };
};

export default gemm;
