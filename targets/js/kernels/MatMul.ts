import { ONE, sameDim } from "../../shared/sym.js";
import { broadcastLoops, shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * numpy.matmul: batch dims broadcast, a 1-d left operand is a row, a 1-d right one a column. Rows
 * accumulate in float64 scratch over k outermost, so both operands stream contiguously and every
 * sum still adds its terms in the reference's order.
 */
const matmul: KernelGenerator = (env) => {
  const as = env.inputShape(0);
  const bs = env.inputShape(1);
  if (as.length === 0 || bs.length === 0) throw env.error("matmul operands must have rank at least 1");
  const a2 = as.length === 1 ? [ONE, as[0]] : as;
  const b2 = bs.length === 1 ? [bs[0], ONE] : bs;
  const [M, K] = a2.slice(-2);
  const [K2, N] = b2.slice(-2);
  const batchOut = env.outputShape(0).slice(0, Math.max(a2.length, b2.length) - 2);
  const loops = broadcastLoops(env, [a2.slice(0, -2), b2.slice(0, -2)], batchOut);
  const a = env.input(0, "a");
  const b = env.input(1, "b");
  const y = env.output(0, "y");
  const m = env.dim(M, "M");
  if (!sameDim(K, K2)) throw env.error(`inner dims differ: [${shapeSpec(as)}] x [${shapeSpec(bs)}]`);
  const k = env.dim(K, "K");
  const n = env.dim(N, "N");
  const mk = env.count([M, K], "MK");
  const kn = env.count([K, N], "KN");
  const acc = env.scratch(N, "acc");
  const extents = loops.extents.map((e, i) => env.count(e, `nb${i}`));
  const batchIndex = (i: number, size: string) => {
    const terms = loops.strides[i].flatMap((s, l) => {
      if (s === null) return [];
      const stride = s.length === 0 ? "1" : env.count(s, `sb${i}_${l}`);
      return [stride === "1" ? `t${l}` : `t${l} * ${stride}`];
    });
    return terms.length ? `(${terms.join(" + ")}) * ${size}` : "0";
  };
  return {
    spec: `matmul_${shapeSpec(as)}_${shapeSpec(bs)}`,
    body: (w) => {
      w.line(`var ${["i", "j", "p", "av", "ab", "bb", "o = 0", ...extents.map((_, l) => `t${l}`)].join(", ")};`);
      const nest = (l: number) => {
        if (l < extents.length) {
          w.block(`for (t${l} = 0; t${l} < ${extents[l]}; t${l}++)`, () => nest(l + 1));
          return;
        }
        w.line(`ab = ${batchIndex(0, mk)};`);
        w.line(`bb = ${batchIndex(1, kn)};`);
        w.block(`for (i = 0; i < ${m}; i++)`, () => {
          w.line(`for (j = 0; j < ${n}; j++) ${acc}[j] = 0;`);
          w.block(`for (p = 0; p < ${k}; p++)`, () => {
            w.line(`av = ${a}[ab + i * ${k} + p];`);
            w.line(`for (j = 0; j < ${n}; j++) ${acc}[j] += av * ${b}[bb + p * ${n} + j];`);
          });
          w.line(`for (j = 0; j < ${n}; j++) ${y}[o++] = ${acc}[j];`);
        });
      };
      nest(0);
    },
  };
};

export default matmul;
