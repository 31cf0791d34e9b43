import type { Ex } from "../../binaryen.js";
import type { Arr, Fn, Local, Val } from "../../dsl.js";

/** A float convolution's window along both axes; the pads are locals the caller sets first. */
export interface ConvAxes {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly H: Val;
  readonly W: Val;
  readonly OH: Val;
  readonly OW: Val;
  /** Top and left padding. */
  readonly ph: Local;
  readonly pw: Local;
}

/** floor(a / d) for d > 0 and any a (i32.div_s truncates toward zero). */
export function floorDiv(f: Fn, a: Local, d: number): Ex {
  const m = f.m;
  if (d === 1) return a.get();
  return m.select(
    m.i32.ge_s(a.get(), f.i32(0)),
    m.i32.div_s(a.get(), f.i32(d)),
    m.i32.sub(f.i32(0), m.i32.div_s(f.add(m.i32.sub(f.i32(0), a.get()), f.i32(d - 1)), f.i32(d))),
  );
}

/**
 * The taps k in [lo, hi) of one axis whose input, base + k * dilation (base in a local), lies in
 * [0, size): every other tap is in the padding and is skipped. `t` is scratch; hi may end below lo
 * (no tap inside), which a `for` from lo to hi reads as none.
 */
export function tapRange(
  f: Fn,
  [lo, hi]: readonly [Local, Local],
  base: Local,
  dilation: number,
  taps: number,
  size: Val,
  t: Local,
): Ex[] {
  const m = f.m;
  return [
    lo.set(
      m.select(
        m.i32.ge_s(base.get(), f.i32(0)),
        f.i32(0),
        m.i32.div_s(f.add(m.i32.sub(f.i32(0), base.get()), f.i32(dilation - 1)), f.i32(dilation)),
      ),
    ),
    t.set(m.i32.sub(m.i32.sub(size(), f.i32(1)), base.get())),
    t.set(f.add(floorDiv(f, t, dilation), f.i32(1))),
    hi.set(m.select(m.i32.lt_s(t.get(), f.i32(taps)), t.get(), f.i32(taps))),
  ];
}

/** What a float convolution does per output row and column (the row walker below calls these). */
export interface RowParts {
  /** Per output row `oh`, before its columns (its tap rows' range, say). */
  readonly row: Ex[];
  /** Wraps the walk over a row's columns (in a loop over blocks of output channels, say). */
  readonly columns?: (walk: Ex[]) => Ex[];
  /** Output column `ow` alone, every tap checked against the image. */
  readonly single: (ow: Local) => Ex[];
  /** Output columns ow .. ow + width - 1, all of whose taps lie inside the image's columns. */
  readonly block: (ow: Local) => Ex[];
  /** Columns a block covers. */
  readonly width: number;
}

/**
 * Every output row of one output plane (or block of planes): the columns whose taps reach the
 * left or right padding one by one (`single`), the others in blocks of `width` (`block`); the
 * interior's columns short of a whole block go in one more block ending at the last interior
 * column, overlapping the one before (outputs are stored, not accumulated, so both store the same
 * values), or one by one where the interior is narrower than a block.
 */
export function eachOutputRow(f: Fn, a: ConvAxes, oh: Local, parts: RowParts): Ex[] {
  const m = f.m;
  const [, KW] = a.kernel;
  const [, SW] = a.strides;
  const [, DW] = a.dilations;
  const P = parts.width;
  const [ow, first, last] = [f.i32Local(), f.i32Local(), f.i32Local()];
  const min = (x: Local, y: Val) => m.select(m.i32.lt_s(x.get(), y()), x.get(), y());
  const columns = [
    f.for(ow, f.i32(0), first.get, parts.single(ow)),
    f.for(ow, first.get(), () => m.i32.sub(last.get(), f.i32(P - 1)), parts.block(ow), P),
    f.if(m.i32.lt_s(ow.get(), last.get()), [
      f.if(
        m.i32.ge_s(m.i32.sub(last.get(), first.get()), f.i32(P)),
        [ow.set(m.i32.sub(last.get(), f.i32(P))), ...parts.block(ow)],
        [f.for(ow, ow.get(), last.get, parts.single(ow))],
      ),
    ]),
    f.for(ow, last.get(), a.OW, parts.single(ow)),
  ];
  return [
    // The interior: columns from ceil(pw / SW), up to the last whose rightmost tap is inside.
    first.set(m.i32.div_u(f.add(a.pw.get(), f.i32(SW - 1)), f.i32(SW))),
    first.set(min(first, a.OW)),
    last.set(f.add(m.i32.sub(a.W(), f.i32(1 + (KW - 1) * DW)), a.pw.get())),
    last.set(f.add(floorDiv(f, last, SW), f.i32(1))),
    last.set(min(last, a.OW)),
    last.set(m.select(m.i32.lt_s(last.get(), first.get()), first.get(), last.get())),
    f.for(oh, f.i32(0), a.OH, [...parts.row, ...(parts.columns ? parts.columns(columns) : columns)]),
  ];
}

/** What both float conv layouts (channel lanes, pixel lanes) take of a Conv. */
export interface FloatConvOperands {
  readonly x: Arr;
  readonly wt: Arr;
  readonly bias?: Arr;
  readonly y: Arr;
  readonly axes: ConvAxes;
  readonly N: number;
  readonly C: number;
  readonly M: number;
  readonly G: number;
  readonly HW: Val;
  readonly OHW: Val;
  /** The output channels of each group this layout computes: `count` from the group's `first`. */
  readonly channels: { readonly first: number; readonly count: number };
}
