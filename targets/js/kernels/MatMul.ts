import { matmulShapes } from "../../shared/matmul-geometry.js";
import { broadcastLoops, shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * numpy.matmul: batch dims broadcast, a 1-d left operand is a row, a 1-d right one a column. Rows
 * accumulate in float64 scratch over k outermost, so both operands stream contiguously and every
 * sum still adds its terms in the reference's order.
 */
const matmul: KernelGenerator = (env) => {
  const { as, bs, M, K, N, batches, batchOut } = matmulShapes(env);
  const loops = broadcastLoops(env, batches, batchOut);
  const a = env.input(0, "a");
  const b = env.input(1, "b");
  const y = env.output(0, "y");
  const m = env.dim(M, "M");
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
