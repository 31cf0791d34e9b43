import { matmulShapes } from "../../shared/matmul-geometry.js";
import { broadcastLoops, shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * numpy.matmul: batch dims broadcast, a 1-d left operand is a row, a 1-d right one a column. Each
 * output row accumulates in place in the float32 output over k outermost, so both operands stream
 * contiguously and every output adds its float32-rounded products in the reference's order (+0, then
 * k ascending; the Float32Array store rounds each sum, the cell `r` each product).
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
      w.line(`var ${["i", "j", "p", "av", "ab", "bb", "bp", "o = 0", ...extents.map((_, l) => `t${l}`)].join(", ")};`);
      w.line("var r = new Float32Array(1);");
      const nest = (l: number) => {
        if (l < extents.length) {
          w.block(`for (t${l} = 0; t${l} < ${extents[l]}; t${l}++)`, () => nest(l + 1));
          return;
        }
        w.line(`ab = ${batchIndex(0, mk)};`);
        w.line(`bb = ${batchIndex(1, kn)};`);
        w.block(`for (i = 0; i < ${m}; i++)`, () => {
          w.line(`for (j = 0; j < ${n}; j++) ${y}[o + j] = 0;`);
          w.block(`for (p = 0; p < ${k}; p++)`, () => {
            w.line(`av = ${a}[ab + i * ${k} + p];`);
            w.line(`bp = bb + p * ${n};`);
            w.block(`for (j = 0; j < ${n}; j++)`, () => {
              w.line(`r[0] = av * ${b}[bp + j];`);
              w.line(`${y}[o + j] += r[0];`);
            });
          });
          w.line(`o += ${n};`);
        });
      };
      nest(0);
    },
  };
};

export default matmul;
