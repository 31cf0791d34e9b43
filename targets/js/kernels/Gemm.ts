import { isOne } from "../../shared/sym.js";
import { literal } from "./support/elementwise.js";
import { padRank, shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * Y = alpha * op(A) op(B) + beta * C, C broadcast to [M, N] (a scalar, a row, a column or full), in
 * float32 as the reference: each output sums its rounded products from +0 for k ascending, then
 * f32(alpha * acc) + f32(beta * c), or + 0 without C (which turns -0 into +0); the store rounds the
 * sum. A multiply by 1 is exact and left out. alpha and beta are float32 attributes.
 */
const gemm: KernelGenerator = (env) => {
  const as = env.inputShape(0);
  const bs = env.inputShape(1);
  if (as.length !== 2 || bs.length !== 2) throw env.error("A and B must both be matrices");
  const transA = env.int("transA", 0) !== 0;
  const transB = env.int("transB", 0) !== 0;
  const alpha = Math.fround(env.float("alpha", 1));
  const beta = Math.fround(env.float("beta", 1));
  const a = env.input(0, "a");
  const b = env.input(1, "b");
  const c = env.has(2) ? env.input(2, "c") : undefined;
  const y = env.output(0, "y");
  const [M, K] = transA ? [as[1], as[0]] : as;
  const N = transB ? bs[0] : bs[1];
  const m = env.dim(M, "M");
  const k = env.dim(K, "K");
  const n = env.dim(N, "N");
  let cIndex = "";
  if (c) {
    const [r, col] = padRank(env.inputShape(2), 2);
    // C broadcasts one way only, to [M, N]: it varies along rows, columns, both or neither.
    cIndex = !isOne(r) && !isOne(col) ? `i * ${n} + j` : !isOne(r) ? "i" : !isOne(col) ? "j" : "0";
  }
  return {
    spec: `gemm_${shapeSpec(as)}_${shapeSpec(bs)}${transA ? "_ta" : ""}${transB ? "_tb" : ""}${c ? "" : "_noc"}`,
    body: (w) => {
      w.line("var i, j, p;");
      w.line("var acc = new Float32Array(1);");
      w.block(`for (i = 0; i < ${m}; i++)`, () => {
        w.block(`for (j = 0; j < ${n}; j++)`, () => {
          w.line("acc[0] = 0;");
          const ai = transA ? `p * ${m} + i` : `i * ${k} + p`;
          const bi = transB ? `j * ${k} + p` : `p * ${n} + j`;
          w.line(`for (p = 0; p < ${k}; p++) acc[0] += f32(${a}[${ai}] * ${b}[${bi}]);`);
          const scaled = alpha === 1 ? "acc[0]" : `f32(${literal(alpha)} * acc[0])`;
          const cTerm = !c ? "0" : beta === 1 ? `${c}[${cIndex}]` : `f32(${literal(beta)} * ${c}[${cIndex}])`;
          w.line(`${y}[i * ${n} + j] = ${scaled} + ${cTerm};`);
        });
      });
    },
    helpers: ["f32"],
  };
};

export default gemm;
