import type { ResizeAxis, ResizeGeometry } from "../../../shared/resize-geometry.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Fn, Local, Val } from "../../dsl.js";

/** Where one axis's taps go and the sizes it maps between. */
export interface AxisTaps {
  readonly axis: ResizeAxis;
  readonly inSize: Val;
  readonly outSize: Val;
  /** The f64 scratch and the element offsets of the axis's weights and indices (`taps` per output index). */
  readonly table: Arr;
  readonly weights: Local;
  readonly indices: Local;
}

/** The locals the tap tables are computed in, shared by both axes. */
export interface TapLocals {
  readonly o: Local;
  readonly f64: Readonly<Record<"sc" | "span" | "xc" | "fl" | "ratio" | "first" | "sum" | "t", Local>>;
  readonly coeffs: readonly Local[];
}

export function tapLocals(f: Fn): TapLocals {
  const names = ["sc", "span", "xc", "fl", "ratio", "first", "sum", "t"] as const;
  return {
    o: f.i32Local(),
    f64: Object.fromEntries(names.map((n) => [n, f.f64Local()])) as TapLocals["f64"],
    coeffs: [0, 1, 2, 3].map(() => f.f64Local()),
  };
}

/**
 * Fills one axis's tap table as targets/js/kernels/support/resize-taps.ts does, operation for
 * operation in f64, so the weights and indices are bit-identical to the js target's.
 */
export function tapTable(f: Fn, g: ResizeGeometry, a: AxisTaps, l: TapLocals): Ex[] {
  const m = f.m;
  const d = m.f64;
  const { sc, span, xc, fl, ratio, first, sum, t } = l.f64;
  const n = g.taps;
  const coeffs = l.coeffs.slice(0, n);
  const inF = () => d.convert_s.i32(a.inSize());
  const outF = () => d.convert_s.i32(a.outSize());
  const oF = () => d.convert_s.i32(l.o.get());
  const k = (v: number) => f.f64(v);
  const halfPixel = () => d.sub(d.div(d.add(oF(), k(0.5)), sc.get()), k(0.5));
  const unlessSpanOne = (v: Ex) => m.select(d.eq(span.get(), k(1)), k(0), v);
  const coordinate = (): Ex => {
    switch (g.coordinateMode) {
      case "align_corners":
        return unlessSpanOne(d.div(d.mul(oF(), d.sub(inF(), k(1))), d.sub(span.get(), k(1))));
      case "asymmetric":
        return d.div(oF(), sc.get());
      case "tf_half_pixel_for_nn":
        return d.div(d.add(oF(), k(0.5)), sc.get());
      case "pytorch_half_pixel":
        return unlessSpanOne(halfPixel());
      case "half_pixel_symmetric": {
        const offset = d.mul(d.div(inF(), k(2)), d.sub(k(1), d.div(outF(), span.get())));
        return d.sub(d.add(offset, d.div(d.add(oF(), k(0.5)), sc.get())), k(0.5));
      }
      case "half_pixel":
        return halfPixel();
    }
  };
  const isOne = () => d.eq(ratio.get(), k(1));
  const roundsUp = (): Ex => {
    switch (g.nearestMode) {
      case "round_prefer_floor":
        return m.i32.or(isOne(), d.gt(ratio.get(), k(0.5)));
      case "round_prefer_ceil":
        return m.i32.or(isOne(), d.ge(ratio.get(), k(0.5)));
      case "floor":
        return isOne();
      case "ceil":
        return f.i32(1);
    }
  };
  const A = g.cubicA;
  // Keys's cubic kernel at t >= 0, both branches evaluated (pure arithmetic) and one selected.
  const cubic = (c: Local, at: Ex): Ex[] => [
    t.set(at),
    c.set(
      m.select(
        d.le(t.get(), k(1)),
        d.add(d.mul(d.mul(d.sub(d.mul(k(A + 2), t.get()), k(A + 3)), t.get()), t.get()), k(1)),
        m.select(
          d.lt(t.get(), k(2)),
          d.sub(d.mul(d.add(d.mul(d.sub(d.mul(k(A), t.get()), k(5 * A)), t.get()), k(8 * A)), t.get()), k(4 * A)),
          k(0),
        ),
      ),
    ),
  ];
  const coefficients = (): Ex[] => {
    if (g.mode === "nearest") {
      const up = f.i32Local();
      return [
        up.set(roundsUp()),
        coeffs[0].set(m.select(up.get(), k(0), k(1))),
        coeffs[1].set(m.select(up.get(), k(1), k(0))),
      ];
    }
    if (g.mode === "linear") return [coeffs[0].set(d.sub(k(1), ratio.get())), coeffs[1].set(ratio.get())];
    return [
      ...cubic(coeffs[0], d.add(k(1), ratio.get())),
      ...cubic(coeffs[1], ratio.get()),
      ...cubic(coeffs[2], d.sub(k(1), ratio.get())),
      ...cubic(coeffs[3], d.sub(k(2), ratio.get())),
    ];
  };
  const tap = (j: number) => d.add(first.get(), k(j));
  const exclusion = (): Ex[] =>
    g.excludeOutside
      ? [
          ...coeffs.map((c, j) => c.set(m.select(m.i32.or(d.lt(tap(j), k(0)), d.ge(tap(j), inF())), k(0), c.get()))),
          sum.set(coeffs.reduce<Ex>((s, c) => d.add(s, c.get()), k(0))),
          ...coeffs.map((c) => c.set(d.div(c.get(), sum.get()))),
        ]
      : [];
  const at = (base: Local, j: number) => f.add(base.get(), f.mul(l.o.get(), f.i32(n)), f.i32(j));
  return [
    sc.set(a.axis.scale === null ? d.div(outF(), inF()) : k(a.axis.scale)),
    span.set(d.mul(sc.get(), inF())),
    f.for(l.o, f.i32(0), a.outSize, [
      xc.set(coordinate()),
      fl.set(d.floor(xc.get())),
      ratio.set(m.select(d.eq(xc.get(), fl.get()), k(1), d.sub(xc.get(), fl.get()))),
      first.set(m.select(d.eq(xc.get(), fl.get()), d.sub(xc.get(), k(1)), fl.get())),
      ...(n === 4 ? [first.set(d.sub(first.get(), k(1)))] : []),
      ...coefficients(),
      ...exclusion(),
      ...coeffs.flatMap((c, j) => [
        f.store(a.table, at(a.weights, j), c.get()),
        f.store(a.table, at(a.indices, j), d.min(d.sub(inF(), k(1)), d.max(k(0), tap(j)))),
      ]),
    ]),
  ];
}
