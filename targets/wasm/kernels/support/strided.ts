import type { SymShape } from "../../../../compiler/plan/kernel-plan.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Local, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import { lanes32 } from "./lanes.js";
import { copyRun, QuadTranspose, tiledPlane, words } from "./tiles.js";

/** Row-major element strides of a shape. */
export function stridesOf(env: WasmKernelEnv, s: SymShape): Val[] {
  return s.map((_, k) => (k === s.length - 1 ? () => env.fn.i32(1) : env.count(s.slice(k + 1))));
}

export interface StridedView {
  readonly x: Arr;
  readonly y: Arr;
  /** y's extents, outermost first. */
  readonly extents: readonly Val[];
  /** The x stride of each of y's axes. */
  readonly strides: readonly Val[];
  readonly offset: Val;
  /** The axis of y whose x stride is 1, where one is known when compiling. */
  readonly contiguous?: number;
}

/**
 * Copies a strided view of x into y: element (i_0, ..., i_r) of y, in row-major order, is x at
 * offset + sum(i_k * strides[k]); elements move as raw 32-bit words. With SIMD and an axis of unit
 * stride, whole vectors move: runs of four where it is y's last axis (slices), and 4x4 blocks
 * transposed in registers where it is another one (transposes). The order of the stores does not
 * matter: every element of y is written once, and y never overlaps x.
 */
export function stridedCopy(env: WasmKernelEnv, view: StridedView): Ex[] {
  const last = view.extents.length - 1;
  const unit = env.isa === "mvp" ? undefined : view.contiguous;
  if (unit === undefined || last < 0) return elementCopy(env, view);
  return unit === last ? runCopy(env, view) : tileCopy(env, view, unit);
}

/** Element by element, in y's order. */
function elementCopy(env: WasmKernelEnv, view: StridedView): Ex[] {
  const f = env.fn;
  const m = f.m;
  const counters = view.extents.map(() => f.i32Local());
  const o = f.i32Local();
  const index = () =>
    counters.reduce((acc, c, k) => m.i32.add(acc, m.i32.mul(c.get(), view.strides[k]())), view.offset());
  const nest = (k: number): Ex[] => {
    if (k === view.extents.length) {
      return [f.store(words(view.y), o.get(), f.load(words(view.x), index())), o.set(m.i32.add(o.get(), f.i32(1)))];
    }
    return [f.for(counters[k], f.i32(0), view.extents[k], nest(k + 1))];
  };
  return [o.set(f.i32(0)), ...nest(0)];
}

/** y's element stride along its axis k: the product of the extents after it. */
function yStride(env: WasmKernelEnv, view: StridedView, k: number): Ex {
  return view.extents.slice(k + 1).reduce<Ex>((acc, e) => env.fn.m.i32.mul(acc, e()), env.fn.i32(1));
}

/**
 * Loops over y's axes `outer` (outermost first), with `from` (x) and `to` (y) set to the element
 * offsets of the current position on them, then `body`.
 */
function outerLoops(
  env: WasmKernelEnv,
  view: StridedView,
  outer: readonly number[],
  from: Local,
  to: Local,
  body: Ex[],
) {
  const f = env.fn;
  const m = f.m;
  const counters = outer.map(() => f.i32Local());
  const nest = (n: number): Ex[] => {
    if (n === outer.length) {
      return [
        from.set(
          counters.reduce((acc, c, i) => m.i32.add(acc, m.i32.mul(c.get(), view.strides[outer[i]]())), view.offset()),
        ),
        to.set(
          counters.reduce<Ex>(
            (acc, c, i) => m.i32.add(acc, m.i32.mul(c.get(), yStride(env, view, outer[i]))),
            f.i32(0),
          ),
        ),
        ...body,
      ];
    }
    return [f.for(counters[n], f.i32(0), view.extents[outer[n]], nest(n + 1))];
  };
  return nest(0);
}

/** y's last axis has unit stride in x: a run of its extent per position on the others. */
function runCopy(env: WasmKernelEnv, view: StridedView): Ex[] {
  const f = env.fn;
  const [from, to] = [f.i32Local(), f.i32Local()];
  const last = view.extents.length - 1;
  const outer = view.extents.slice(0, last).map((_, k) => k);
  return outerLoops(env, view, outer, from, to, copyRun(f, true, view.x, from.get, view.y, to.get, view.extents[last]));
}

/**
 * Axis `unit` of y (not its last) has unit stride in x: per position on the other axes but the last,
 * 4x4 blocks of (unit, last) go through registers, x's rows of four along `unit` becoming y's
 * rows of four along the last axis; the edges short of a block go element by element.
 */
function tileCopy(env: WasmKernelEnv, view: StridedView, unit: number): Ex[] {
  const f = env.fn;
  const m = f.m;
  const last = view.extents.length - 1;
  const outer = view.extents.slice(0, last).flatMap((_, k) => (k === unit ? [] : [k]));
  const [from, to, u, r] = [f.i32Local(), f.i32Local(), f.i32Local(), f.i32Local()];
  const [x, y] = [words(view.x), words(view.y)];
  const sr = view.strides[last];
  const [U, R] = [view.extents[unit], view.extents[last]];
  // x at (u + du, r + dr) and y at the same position.
  const xAt = (du: number, dr: Ex) => f.add(from.get(), u.get(), f.i32(du), m.i32.mul(dr, sr()));
  const yAt = (du: number, dr: Ex) =>
    f.add(to.get(), m.i32.mul(f.add(u.get(), f.i32(du)), yStride(env, view, unit)), dr);
  const rows = Array.from({ length: 4 }, () => f.local(f.b.v128));
  const t = new QuadTranspose(f);
  const block = [
    ...rows.map((row, k) => row.set(m.v128.load(0, 4, f.addr(x, xAt(0, f.add(r.get(), f.i32(k))))))),
    ...t.of(rows),
    ...rows.map((_, k) => m.v128.store(0, 4, f.addr(y, yAt(k, r.get())), t.column(k))),
  ];
  const one = (du: number) => f.store(y, yAt(du, r.get()), f.load(x, xAt(du, r.get())));
  return outerLoops(
    env,
    view,
    outer,
    from,
    to,
    tiledPlane(f, U, R, u, r, block, (du) => [one(du)]),
  );
}

/**
 * y's last axis has a literal extent `b` and the axis before it unit stride in x (DepthToSpace's
 * pixel shuffle): per position on the other axes, b runs of x (one per position on the last axis)
 * interleaved into one run of y. Four positions along the unit axis move as b vector loads, shuffles
 * and b vector stores: y's lane e of the four b-lane groups is run (e mod b) at (e div b); the rest
 * go element by element. Falls back to `stridedCopy` without SIMD.
 */
export function interleavedCopy(env: WasmKernelEnv, view: StridedView, b: number): Ex[] {
  const last = view.extents.length - 1;
  if (env.isa === "mvp" || view.contiguous !== last - 1) return stridedCopy(env, view);
  const f = env.fn;
  const m = f.m;
  const [x, y] = [words(view.x), words(view.y)];
  const [from, to, u] = [f.i32Local(), f.i32Local(), f.i32Local()];
  const sr = view.strides[last];
  const U = view.extents[last - 1];
  const outer = view.extents.slice(0, last - 1).map((_, k) => k);
  const runAt = (r: number, du: Ex) => f.add(from.get(), m.i32.mul(f.i32(r), sr()), du);
  const runs = Array.from({ length: b }, () => f.local(f.b.v128));
  // y's vector k: each lane's run and position, merged run by run (a shuffle per added run).
  const merged = (k: number): Ex => {
    const lanes = [0, 1, 2, 3].map((l) => ({ run: (4 * k + l) % b, at: Math.floor((4 * k + l) / b) }));
    const order = [...new Set(lanes.map((l) => l.run))];
    if (order.length === 1)
      return lanes32(
        f,
        runs[order[0]].get(),
        runs[order[0]].get(),
        lanes.map((l) => l.at),
      );
    return order.slice(1).reduce<{ e: Ex; have: Set<number> }>(
      (acc, run) => {
        const have = new Set([...acc.have, run]);
        // Lanes already placed keep their place in acc (0-3); this run's come from it (4-7).
        const pick = lanes.map((l, i) => (l.run === run ? 4 + l.at : acc.have.has(l.run) ? i : 0));
        return { e: lanes32(f, acc.e, runs[run].get(), pick), have };
      },
      {
        e: lanes32(
          f,
          runs[order[0]].get(),
          runs[order[0]].get(),
          lanes.map((l) => l.at),
        ),
        have: new Set([order[0]]),
      },
    ).e;
  };
  // Four runs are a 4x4 transpose: eight shuffles rather than the merges' twelve.
  const transpose = b === 4 ? new QuadTranspose(f) : undefined;
  const quad = [
    ...runs.map((r, k) => r.set(m.v128.load(0, 4, f.addr(x, runAt(k, u.get()))))),
    ...(transpose ? transpose.of(runs) : []),
    ...Array.from({ length: b }, (_, k) =>
      m.v128.store(
        0,
        4,
        f.addr(y, f.add(to.get(), f.mul(u.get(), f.i32(b)), f.i32(4 * k))),
        transpose ? transpose.column(k) : merged(k),
      ),
    ),
  ];
  const one = Array.from({ length: b }, (_, r) =>
    f.store(y, f.add(to.get(), f.mul(u.get(), f.i32(b)), f.i32(r)), f.load(x, runAt(r, u.get()))),
  );
  return outerLoops(env, view, outer, from, to, [
    f.for(u, f.i32(0), () => m.i32.sub(U(), f.i32(3)), quad, 4),
    f.for(u, u.get(), U, one),
  ]);
}
