import { isStatic } from "../../../compiler/plan/kernel-plan.js";
import { shapeSpec } from "../../shared/broadcast.js";
import { type PadMode, padGeometry } from "../../shared/data-movement.js";
import type { Ex } from "../binaryen.js";
import type { Fn, Local, Val } from "../dsl.js";
import { countOf } from "./support/elementwise.js";
import { stridesOf } from "./support/strided.js";
import { copyRun, words } from "./support/tiles.js";
import type { WasmKernelGenerator } from "./types.js";

/** An axis's size: as code, and its value where it is known when compiling. */
interface AxisSize {
  readonly code: Val;
  readonly fixed?: number;
}

/**
 * Statements leaving in `s` the source coordinate of `c` on an axis, as the reference maps it: -1
 * (the fill) outside in constant mode, the nearest end in edge mode, c modulo D in wrap mode, and in
 * reflect mode |c| folded into the period 2(D - 1), which also covers pads of D or more (the twin of
 * the js target's).
 */
function sourceCoordinate(f: Fn, mode: PadMode, s: Local, p: Local, c: Ex, D: AxisSize): Ex[] {
  const m = f.m;
  const at = s.set(c);
  if (mode === "constant") {
    const outside = m.i32.or(m.i32.lt_s(s.get(), f.i32(0)), m.i32.ge_s(s.get(), D.code()));
    return [at, f.if(outside, [s.set(f.i32(-1))])];
  }
  if (mode === "edge") {
    return [
      at,
      f.if(m.i32.lt_s(s.get(), f.i32(0)), [s.set(f.i32(0))]),
      f.if(m.i32.ge_s(s.get(), D.code()), [s.set(m.i32.sub(D.code(), f.i32(1)))]),
    ];
  }
  if (mode === "wrap") {
    const outside = m.i32.or(m.i32.lt_s(s.get(), f.i32(0)), m.i32.ge_s(s.get(), D.code()));
    return [
      at,
      f.if(outside, [
        s.set(m.i32.rem_s(s.get(), D.code())),
        f.if(m.i32.lt_s(s.get(), f.i32(0)), [s.set(m.i32.add(s.get(), D.code()))]),
      ]),
    ];
  }
  const fold = (period: Val) => [
    s.set(m.i32.rem_u(s.get(), period())),
    f.if(m.i32.ge_s(s.get(), D.code()), [s.set(m.i32.sub(period(), s.get()))]),
  ];
  const beyond =
    D.fixed === undefined
      ? [
          p.set(m.i32.sub(m.i32.mul(D.code(), f.i32(2)), f.i32(2))),
          f.if(m.i32.gt_s(p.get(), f.i32(0)), fold(p.get), [s.set(f.i32(0))]),
        ]
      : D.fixed === 1
        ? [s.set(f.i32(0))]
        : fold(() => f.i32(2 * (D.fixed as number) - 2));
  return [
    at,
    f.if(m.i32.lt_s(s.get(), f.i32(0)), [s.set(m.i32.sub(f.i32(0), s.get()))]),
    f.if(m.i32.ge_s(s.get(), D.code()), beyond),
  ];
}

/**
 * ONNX Pad (constant, reflect, edge, wrap; negative pads crop) as loops over the output, in the js
 * target's order: on each outer axis the source coordinate once per step (a whole fill where
 * constant mode falls outside), on the last axis the begin pad, the copied run (four words a step
 * with SIMD) and the end pad apart.
 */
const pad: WasmKernelGenerator = (env) => {
  const { xs, ys, mode, pads, fill } = padGeometry(env);
  const rank = xs.length;
  if (rank === 0) throw env.error("input is a scalar; expected at least one axis to pad");
  const last = rank - 1;
  const padded = pads.map(({ begin, end }) => begin > 0 || end > 0);
  const value = mode === "constant" && padded.some(Boolean) ? env.scalar(fill) : undefined;
  const x = words(env.input(0));
  const y = env.output(0);
  const D: (AxisSize | undefined)[] = xs.map((d, k) =>
    k === last || padded[k] ? { code: env.dim(d), fixed: isStatic(d) ? d.c : undefined } : undefined,
  );
  const X = stridesOf(env, xs);
  const O = ys.slice(0, last).map((d) => env.dim(d));
  const R = ys.map((_, k) => (value && padded[k] && k < last ? countOf(env, ys.slice(k + 1)) : undefined));
  const f = env.fn;
  const m = f.m;
  const vector = env.isa !== "mvp";
  const [o, s, p, c] = [f.i32Local(), f.i32Local(), f.i32Local(), f.i32Local()];
  const counters = ys.map(() => f.i32Local());
  const offsets = ys.map(() => f.i32Local());
  const step = () => o.set(m.i32.add(o.get(), f.i32(1)));
  const put = (v: Ex) => [f.store(words(y), o.get(), v), step()];
  const fillRun = (count: Val): Ex[] => {
    if (!value) throw env.error("internal: a fill without a fill value");
    const one = [f.store(y, o.get(), m.f32.demote(value())), step()];
    const end = f.i32Local();
    const quads = vector
      ? [
          f.for(
            c,
            f.i32(0),
            () => m.i32.sub(count(), f.i32(3)),
            [m.v128.store(0, 4, f.addr(y, f.add(o.get(), c.get())), m.f32x4.splat(m.f32.demote(value())))],
            4,
          ),
          o.set(f.add(o.get(), c.get())),
        ]
      : [];
    // c counts the elements already stored, so that the tail finishes the run.
    return [...quads, end.set(m.i32.sub(count(), vector ? c.get() : f.i32(0))), f.for(c, f.i32(0), end.get, one)];
  };
  const lastRow = (base: Val): Ex[] => {
    const { begin, end } = pads[last];
    const Dl = D[last] as AxisSize;
    const region = (count: number, from: Val, to: Val, edge: Val): Ex[] => {
      if (mode === "constant") return fillRun(() => f.i32(count));
      if (mode === "edge") return [f.for(c, f.i32(0), () => f.i32(count), put(f.load(x, edge())))];
      return [
        f.for(c, from(), to, [
          ...sourceCoordinate(f, mode, s, p, c.get(), Dl),
          ...put(f.load(x, f.add(base(), s.get()))),
        ]),
      ];
    };
    const first = Math.max(0, -begin);
    const runEnd = (): Ex => m.i32.sub(Dl.code(), f.i32(Math.max(0, -end)));
    const run = () => m.i32.sub(runEnd(), f.i32(first));
    return [
      ...(begin > 0
        ? region(
            begin,
            () => f.i32(-begin),
            () => f.i32(0),
            base,
          )
        : []),
      ...copyRun(f, vector, x, () => f.add(base(), f.i32(first)), y, o.get, run),
      o.set(f.add(o.get(), run())),
      ...(end > 0
        ? region(
            end,
            Dl.code,
            () => f.add(Dl.code(), f.i32(end)),
            () => f.add(base(), m.i32.sub(Dl.code(), f.i32(1))),
          )
        : []),
    ];
  };
  const nest = (k: number, base: Val): Ex[] => {
    if (k === last) return lastRow(base);
    const i = counters[k];
    const { begin } = pads[k];
    const shifted = () => (begin === 0 ? i.get() : m.i32.sub(i.get(), f.i32(begin)));
    const source = padded[k] ? s.get : shifted;
    const inner = [offsets[k].set(f.add(base(), m.i32.mul(source(), X[k]()))), ...nest(k + 1, offsets[k].get)];
    const body = padded[k]
      ? [
          ...sourceCoordinate(f, mode, s, p, shifted(), D[k] as AxisSize),
          ...(mode === "constant" ? [f.if(m.i32.lt_s(s.get(), f.i32(0)), fillRun(R[k] as Val), inner)] : inner),
        ]
      : inner;
    return [f.for(i, f.i32(0), O[k], body)];
  };
  const amounts = pads
    .flatMap(({ begin, end }) => [begin, end])
    .join("_")
    .replace(/-/g, "n");
  return {
    spec: `pad_${shapeSpec(xs)}_${mode}_${amounts}${vector ? "_simd" : ""}`,
    body: [o.set(f.i32(0)), ...nest(0, () => f.i32(0))],
  };
};

export default pad;
