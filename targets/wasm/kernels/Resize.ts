import type { SymDim } from "../../../compiler/plan/kernel-plan.js";
import { resizeGeometry } from "../../shared/resize-geometry.js";
import { addDim } from "../../shared/sym.js";
import type { Ex } from "../binaryen.js";
import { nearestPlanes } from "./support/resize-nearest.js";
import { tapLocals, tapTable } from "./support/resize-taps.js";
import type { WasmKernelGenerator } from "./types.js";

const NONE: SymDim = { c: 0, h: 0, w: 0, hw: 0 };

/**
 * Resize of H and W (nearest, linear, cubic), the js target's algorithm and order of operations in
 * f64 (so results are bit-identical): tap tables per call in scratch, each output row summed from its
 * source rows into an f64 row, then each output element from its taps along that row. Nearest
 * (float32 in and out, no exclude_outside) is a gather instead (support/resize-nearest.ts).
 */
const resize: WasmKernelGenerator = (env) => {
  const g = resizeGeometry(env);
  const { xs, ys, taps: n } = g;
  const x = env.input(0);
  const y = env.output(0);
  const H = env.dim(xs[2]);
  const W = env.dim(xs[3]);
  const OH = env.dim(ys[2]);
  const OW = env.dim(ys[3]);
  const nearest = g.mode === "nearest" && !g.excludeOutside && x.elem === "f32" && y.elem === "f32";
  const tableSize = (out: SymDim, identity: boolean) => (identity ? NONE : addDim(out, out, 2 * n - 1));
  // The f64 row the H taps sum into, or for nearest the width's chosen columns (i32, two an f64).
  const rowSize = nearest ? (g.width.identity ? NONE : ys[3]) : g.height.identity ? NONE : xs[3];
  const s = env.scratch(
    addDim(addDim(rowSize, tableSize(ys[2], g.height.identity)), tableSize(ys[3], g.width.identity)),
  );
  const f = env.fn;
  const m = f.m;
  const d = m.f64;
  const [p, oh, ow, k, i, src, row, yb, hw, hi, ww, wi] = Array.from({ length: 12 }, () => f.i32Local());
  const [wk, acc] = [f.f64Local(), f.f64Local()];
  const l = tapLocals(f);
  const entry = (base: typeof hw, o: typeof oh) => f.add(base.get(), f.mul(o.get(), f.i32(n)), k.get());
  const index = (base: typeof hw, o: typeof oh) => m.i32.trunc_s.f64(f.load(s, entry(base, o)));
  // Element j of output row oh's source row: x's own row, or the f64 row summed from the H taps.
  const rowAt = (j: Ex) => (g.height.identity ? f.loadF(x, f.add(row.get(), j)) : f.load(s, j));
  const sumRows: Ex[] = [
    f.for(i, f.i32(0), W, [f.store(s, i.get(), f.f64(0))]),
    f.for(k, f.i32(0), () => f.i32(n), [
      wk.set(f.load(s, entry(hw, oh))),
      f.if(d.ne(wk.get(), f.f64(0)), [
        src.set(f.mul(f.add(f.mul(p.get(), H()), index(hi, oh)), W())),
        f.for(i, f.i32(0), W, [
          f.store(s, i.get(), d.add(f.load(s, i.get()), d.mul(wk.get(), f.loadF(x, f.add(src.get(), i.get()))))),
        ]),
      ]),
    ]),
  ];
  const outputRow: Ex = g.width.identity
    ? f.for(ow, f.i32(0), OW, [f.storeF(y, f.add(yb.get(), ow.get()), rowAt(ow.get()))])
    : f.for(ow, f.i32(0), OW, [
        acc.set(f.f64(0)),
        f.for(k, f.i32(0), () => f.i32(n), [
          wk.set(f.load(s, entry(ww, ow))),
          f.if(d.ne(wk.get(), f.f64(0)), [acc.set(d.add(acc.get(), d.mul(wk.get(), rowAt(index(wi, ow)))))]),
        ]),
        f.storeF(y, f.add(yb.get(), ow.get()), acc.get()),
      ]);
  const tables = [
    hw.set(nearest ? (g.width.identity ? f.i32(0) : OW()) : g.height.identity ? f.i32(0) : W()),
    hi.set(f.add(hw.get(), f.mul(f.i32(n), OH()))),
    ww.set(g.height.identity ? hw.get() : f.add(hi.get(), f.mul(f.i32(n), OH()))),
    wi.set(f.add(ww.get(), f.mul(f.i32(n), OW()))),
    ...(g.height.identity
      ? []
      : tapTable(f, g, { axis: g.height, inSize: H, outSize: OH, table: s, weights: hw, indices: hi }, l)),
    ...(g.width.identity
      ? []
      : tapTable(f, g, { axis: g.width, inSize: W, outSize: OW, table: s, weights: ww, indices: wi }, l)),
  ];
  if (nearest) {
    return {
      spec: g.spec,
      body: [...tables, ...nearestPlanes(env, g, { x, y, table: s, sizes: [H, W, OH, OW], tables: [hw, hi, ww, wi] })],
    };
  }
  return {
    spec: g.spec,
    body: [
      ...tables,
      f.for(p, f.i32(0), () => f.i32(g.planes), [
        f.for(oh, f.i32(0), OH, [
          ...(g.height.identity ? [row.set(f.mul(f.add(f.mul(p.get(), H()), oh.get()), W()))] : sumRows),
          yb.set(f.mul(f.add(f.mul(p.get(), OH()), oh.get()), OW())),
          outputRow,
        ]),
      ]),
    ],
  };
};

export default resize;
