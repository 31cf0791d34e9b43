import { broadcastLoops, shapeSpec } from "../../shared/broadcast.js";
import { matmulShapes } from "../../shared/matmul-geometry.js";
import type { Ex } from "../binaryen.js";
import type { Val } from "../dsl.js";
import { matrixProduct } from "./support/matmul-blocks.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * numpy.matmul in float32 as the reference computes it (batch dims broadcast; each output +0, then
 * its rounded products for k ascending): per batch one register-blocked matrix product, f32x4 over
 * adjacent output columns on SIMD ISAs, bit-identical to the js target on every ISA.
 */
const matmul: WasmKernelGenerator = (env) => {
  const { as, bs, M, K, N, batches, batchOut } = matmulShapes(env);
  const loops = broadcastLoops(env, batches, batchOut);
  const a = env.input(0, "f32");
  const b = env.input(1, "f32");
  const y = env.output(0, "f32");
  const rows = env.dim(M);
  const k = env.dim(K);
  const n = env.dim(N);
  const mk = env.count([M, K]);
  const kn = env.count([K, N]);
  const mn = env.count([M, N]);
  const extents = loops.extents.map((e) => env.count(e));
  const strides = loops.strides.map((per) =>
    per.map((s): Val | null => (s === null ? null : s.length === 0 ? () => env.fn.i32(1) : env.count(s))),
  );
  const f = env.fn;
  const m = f.m;
  const [ab, bb, o] = Array.from({ length: 3 }, () => f.i32Local());
  const counters = extents.map(() => f.i32Local());
  const batchIndex = (input: number, size: Val): Ex => {
    const terms = strides[input].flatMap((s, l) => (s === null ? [] : [m.i32.mul(counters[l].get(), s())]));
    return terms.length ? m.i32.mul(f.add(...terms, f.i32(0)), size()) : f.i32(0);
  };
  const one = () => f.i32(1);
  const body = (): Ex[] => [
    ab.set(batchIndex(0, mk)),
    bb.set(batchIndex(1, kn)),
    ...matrixProduct(f, env.isa, {
      a,
      b,
      y,
      rows,
      depth: k,
      cols: n,
      aBase: ab.get,
      bBase: bb.get,
      yBase: o.get,
      aRow: k,
      aDepth: one,
      bDepth: n,
      bCol: one,
      bColOne: true,
    }),
    o.set(m.i32.add(o.get(), mn())),
  ];
  const nest = (l: number): Ex[] =>
    l < extents.length ? [f.for(counters[l], f.i32(0), extents[l], nest(l + 1))] : body();
  return { spec: `matmul_${shapeSpec(as)}_${shapeSpec(bs)}`, body: [o.set(f.i32(0)), ...nest(0)] };
};

export default matmul;
