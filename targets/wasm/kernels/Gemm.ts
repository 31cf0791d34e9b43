import { padRank, shapeSpec } from "../../shared/broadcast.js";
import { isOne } from "../../shared/sym.js";
import type { Ex } from "../binaryen.js";
import type { Val } from "../dsl.js";
import { type Lanes, matrixProduct } from "./support/matmul-blocks.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Y = alpha * op(A) op(B) + beta * C, C broadcast to [M, N] (a scalar, a row, a column or full), in
 * float32 as the reference: register-blocked sums of op(A) op(B) (f32x4 over adjacent output columns
 * on SIMD ISAs), then f32(alpha * acc) + f32(beta * c), or + 0 without C (which turns -0 into +0 as
 * the js target does). Multiplying by an alpha or beta of 1 is exact, so it always runs.
 */
const gemm: WasmKernelGenerator = (env) => {
  const as = env.inputShape(0);
  const bs = env.inputShape(1);
  if (as.length !== 2 || bs.length !== 2) throw env.error("A and B must both be matrices");
  const transA = env.int("transA", 0) !== 0;
  const transB = env.int("transB", 0) !== 0;
  const a = env.input(0, "f32");
  const b = env.input(1, "f32");
  const c = env.has(2) ? env.input(2, "f32") : undefined;
  const y = env.output(0, "f32");
  const [M, K] = transA ? [as[1], as[0]] : as;
  const N = transB ? bs[0] : bs[1];
  const rows = env.dim(M);
  const k = env.dim(K);
  const n = env.dim(N);
  // Attributes are float32, so the f64 parameters demote exactly.
  const alpha = env.scalar(Math.fround(env.float("alpha", 1)));
  const beta = c ? env.scalar(Math.fround(env.float("beta", 1))) : undefined;
  const f = env.fn;
  const m = f.m;
  // C varies along rows, columns, both or neither.
  const [cRows, cCols] = c ? padRank(env.inputShape(2), 2).map((d) => !isOne(d)) : [false, false];
  const cForm = !c ? "_noc" : `_c${cRows ? "m" : ""}${cCols ? "n" : ""}`;
  const f32 = (v: Val) => m.f32.demote(v());
  /** C at row i, columns j..: adjacent along a row of a full C or a row vector, else one value for every lane. */
  const cTerm = (lanes: Lanes, i: Val, j: Val): Ex => {
    if (!c) return lanes.zero();
    const at = (index: Ex) => f.addr(c, index);
    const value =
      cRows && cCols
        ? lanes.load(at(m.i32.add(m.i32.mul(i(), n()), j())))
        : cCols
          ? lanes.load(at(j()))
          : lanes.splat(m.f32.load(0, 4, at(cRows ? i() : f.i32(0))));
    return lanes.mul(lanes.splat(f32(beta as Val)), value);
  };
  const zero = () => f.i32(0);
  const one = () => f.i32(1);
  return {
    spec: `gemm_${shapeSpec(as)}_${shapeSpec(bs)}${transA ? "_ta" : ""}${transB ? "_tb" : ""}${cForm}`,
    body: matrixProduct(
      f,
      env.isa,
      {
        a,
        b,
        y,
        rows,
        depth: k,
        cols: n,
        aBase: zero,
        bBase: zero,
        yBase: zero,
        aRow: transA ? one : k,
        aDepth: transA ? rows : one,
        bDepth: transB ? one : n,
        bCol: transB ? k : one,
        bColOne: !transB,
      },
      (lanes, acc, i, j) => lanes.add(lanes.mul(lanes.splat(f32(alpha)), acc), cTerm(lanes, i, j)),
    ),
  };
};

export default gemm;
