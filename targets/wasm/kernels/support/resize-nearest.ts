import type { ResizeGeometry } from "../../../shared/resize-geometry.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import { copyRun } from "./tiles.js";

export interface NearestOperands {
  readonly x: Arr;
  readonly y: Arr;
  /** The f64 scratch: the width's chosen columns as i32 at element 0, then the tap tables. */
  readonly table: Arr;
  readonly sizes: readonly [Val, Val, Val, Val];
  /** Element offsets in `table` of the height's weights and indices, then the width's. */
  readonly tables: readonly [Local, Local, Local, Local];
}

/**
 * Nearest resize (no exclude_outside) as a gather. Of an output index's two taps exactly one weighs
 * 1 and the other 0 (skipped), so the reference's f64 sum is 0 + 1 * x: x itself, but for -0, which
 * becomes +0. Here each output is its chosen source plus +0 in float32, which is the same value for
 * every input (x + 0 = x, -0 + 0 = +0). An output row whose source row is the previous output row's
 * copies that row (a nearest upscale by k repeats each row k times); the others gather from their
 * source row by the chosen columns, four lanes a vector with SIMD.
 */
export function nearestPlanes(env: WasmKernelEnv, g: ResizeGeometry, o: NearestOperands): Ex[] {
  const f = env.fn;
  const m = f.m;
  const v = m.f32x4;
  const simd = env.isa !== "mvp";
  const { x, y, table } = o;
  const [H, W, OH, OW] = o.sizes;
  const [hw, hi, ww, wi] = o.tables;
  const [p, oh, ow, src, prev, row, yb] = Array.from({ length: 7 }, () => f.i32Local());
  const columns: Arr = { elem: "i32", base: table.base };
  // The index of output `at`'s tap of weight 1 (2 taps an output).
  const chosen = (weights: Local, indices: Local, at: Local): Ex =>
    m.i32.trunc_s.f64(
      m.select(
        m.f64.ne(f.load(table, f.add(weights.get(), f.mul(at.get(), f.i32(2)))), f.f64(0)),
        f.load(table, f.add(indices.get(), f.mul(at.get(), f.i32(2)))),
        f.load(table, f.add(indices.get(), f.mul(at.get(), f.i32(2)), f.i32(1))),
      ),
    );
  const column = (j: Ex): Ex => (g.width.identity ? j : f.load(columns, j));
  const plusZero = (e: Ex) => m.f32.add(e, m.f32.const(0));
  const at = (j: number) => f.add(ow.get(), f.i32(j));
  const source = (j: number) => f.load(x, f.add(row.get(), column(at(j))));
  const quad = (): Ex =>
    g.width.identity
      ? m.v128.load(0, 4, f.addr(x, f.add(row.get(), ow.get())))
      : [1, 2, 3].reduce<Ex>((vec, j) => v.replace_lane(vec, j, source(j)), v.splat(source(0)));
  const gather: Ex[] = [
    ...(simd
      ? [
          f.for(
            ow,
            f.i32(0),
            () => m.i32.sub(OW(), f.i32(3)),
            [m.v128.store(0, 4, f.addr(y, f.add(yb.get(), ow.get())), v.add(quad(), v.splat(m.f32.const(0))))],
            4,
          ),
        ]
      : []),
    f.for(ow, simd ? ow.get() : f.i32(0), OW, [f.store(y, f.add(yb.get(), ow.get()), plusZero(source(0)))]),
  ];
  return [
    ...(g.width.identity ? [] : [f.for(ow, f.i32(0), OW, [f.store(columns, ow.get(), chosen(ww, wi, ow))])]),
    f.for(p, f.i32(0), () => f.i32(g.planes), [
      prev.set(f.i32(-1)),
      f.for(oh, f.i32(0), OH, [
        yb.set(f.mul(f.add(f.mul(p.get(), OH()), oh.get()), OW())),
        src.set(g.height.identity ? oh.get() : chosen(hw, hi, oh)),
        f.if(
          m.i32.eq(src.get(), prev.get()),
          copyRun(f, simd, y, () => m.i32.sub(yb.get(), OW()), y, yb.get, OW),
          [row.set(f.mul(f.add(f.mul(p.get(), H()), src.get()), W())), ...gather],
        ),
        prev.set(src.get()),
      ]),
    ]),
  ];
}
