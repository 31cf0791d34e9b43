import { broadcastLoops, shapeSpec } from "../../shared/broadcast.js";
import { matmulShapes } from "../../shared/matmul-geometry.js";
import type { Ex } from "../binaryen.js";
import type { Val } from "../dsl.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * numpy.matmul as the js target computes it: batch dims broadcast, rows accumulated in f64 scratch
 * over k outermost (every sum adds its terms in the reference's order), so results are bit-identical.
 */
const matmul: WasmKernelGenerator = (env) => {
  const { as, bs, M, K, N, batches, batchOut } = matmulShapes(env);
  const loops = broadcastLoops(env, batches, batchOut);
  const a = env.input(0);
  const b = env.input(1);
  const y = env.output(0);
  const rows = env.dim(M);
  const k = env.dim(K);
  const n = env.dim(N);
  const mk = env.count([M, K]);
  const kn = env.count([K, N]);
  const acc = env.scratch(N);
  const extents = loops.extents.map((e) => env.count(e));
  const strides = loops.strides.map((per) =>
    per.map((s): Val | null => (s === null ? null : s.length === 0 ? () => env.fn.i32(1) : env.count(s))),
  );
  const f = env.fn;
  const m = f.m;
  const [i, j, p, ab, bb, o] = Array.from({ length: 6 }, () => f.i32Local());
  const counters = extents.map(() => f.i32Local());
  const av = f.f64Local();
  const batchIndex = (input: number, size: Val): Ex => {
    const terms = strides[input].flatMap((s, l) => (s === null ? [] : [m.i32.mul(counters[l].get(), s())]));
    return terms.length ? m.i32.mul(f.add(...terms, f.i32(0)), size()) : f.i32(0);
  };
  const body = (): Ex[] => [
    ab.set(batchIndex(0, mk)),
    bb.set(batchIndex(1, kn)),
    f.for(i, f.i32(0), rows, [
      f.for(j, f.i32(0), n, [f.store(acc, j.get(), f.f64(0))]),
      f.for(p, f.i32(0), k, [
        av.set(f.loadF(a, f.add(ab.get(), m.i32.mul(i.get(), k()), p.get()))),
        f.for(j, f.i32(0), n, [
          f.store(
            acc,
            j.get(),
            m.f64.add(
              f.load(acc, j.get()),
              m.f64.mul(av.get(), f.loadF(b, f.add(bb.get(), m.i32.mul(p.get(), n()), j.get()))),
            ),
          ),
        ]),
      ]),
      f.for(j, f.i32(0), n, [f.storeF(y, o.get(), f.load(acc, j.get())), o.set(f.add(o.get(), f.i32(1)))]),
    ]),
  ];
  const nest = (l: number): Ex[] =>
    l < extents.length ? [f.for(counters[l], f.i32(0), extents[l], nest(l + 1))] : body();
  return { spec: `matmul_${shapeSpec(as)}_${shapeSpec(bs)}`, body: [o.set(f.i32(0)), ...nest(0)] };
};

export default matmul;
