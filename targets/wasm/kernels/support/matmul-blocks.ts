import type { Ex } from "../../binaryen.js";
import type { Arr, Fn, Local, Val } from "../../dsl.js";
import type { Isa } from "../types.js";

/**
 * Y = A B of one float32 matrix product, register-blocked: blocks of rows by columns keep their
 * sums in locals while k runs, f32x4 lanes over four adjacent output columns on SIMD ISAs. Every
 * output keeps the reference's order (+0, then f32(acc + f32(a * b)) for k ascending; f32x4.mul and
 * f32x4.add round each lane like f32.mul and f32.add, and there is no FMA), so every ISA is bit-exact
 * with the js target.
 */

/** Where A(i, p) and B(p, j) live: element offsets and element strides (i32 values). */
export interface MatrixOperands {
  readonly a: Arr;
  readonly b: Arr;
  readonly y: Arr;
  /** M, K, N. */
  readonly rows: Val;
  readonly depth: Val;
  readonly cols: Val;
  /** Element offsets of this product's A, B and row-major Y [M, N]. */
  readonly aBase: Val;
  readonly bBase: Val;
  readonly yBase: Val;
  /** A(i, p) = a[aBase + i * aRow + p * aDepth]. */
  readonly aRow: Val;
  readonly aDepth: Val;
  /** B(p, j) = b[bBase + p * bDepth + j * bCol]; bColOne: bCol is 1, so columns load as vectors. */
  readonly bDepth: Val;
  readonly bCol: Val;
  readonly bColOne: boolean;
}

/** A finished sum `acc` (one f32, or f32x4 over columns j..j+3) of row i becomes the value stored. */
export type Epilogue = (lanes: Lanes, acc: Ex, i: Val, j: Val) => Ex;

/** Float32 arithmetic one lane (f32) or four lanes (f32x4) wide. */
export interface Lanes {
  readonly width: 1 | 4;
  readonly type: number;
  zero(): Ex;
  add(a: Ex, b: Ex): Ex;
  mul(a: Ex, b: Ex): Ex;
  /** An f32 in every lane. */
  splat(x: Ex): Ex;
  /** `width` consecutive f32 at `address`. */
  load(address: Ex): Ex;
  store(address: Ex, v: Ex): Ex;
}

export function lanesOf(f: Fn, width: 1 | 4): Lanes {
  const m = f.m;
  if (width === 1) {
    return {
      width,
      type: f.b.f32,
      zero: () => m.f32.const(0),
      add: (a, b) => m.f32.add(a, b),
      mul: (a, b) => m.f32.mul(a, b),
      splat: (x) => x,
      load: (address) => m.f32.load(0, 4, address),
      store: (address, v) => m.f32.store(0, 4, address, v),
    };
  }
  return {
    width,
    type: f.b.v128,
    zero: () => m.f32x4.splat(m.f32.const(0)),
    add: (a, b) => m.f32x4.add(a, b),
    mul: (a, b) => m.f32x4.mul(a, b),
    splat: (x) => m.f32x4.splat(x),
    load: (address) => m.v128.load(0, 4, address),
    store: (address, v) => m.v128.store(0, 4, address, v),
  };
}

/**
 * Block shapes, widest first: rows per block, and column groups per block with their lane width.
 * SIMD: 4 rows x 2 f32x4 (8 sums and 2 B vectors stay in registers), then 1 f32x4, then scalar
 * columns; rows 4, then 2, then 1. MVP: 4 rows x 2 scalar columns, then single ones.
 */
const ROW_BLOCKS = [4, 2, 1];
type ColumnBlock = { readonly groups: number; readonly width: 1 | 4 };
const SIMD_COLUMNS: readonly ColumnBlock[] = [
  { groups: 2, width: 4 },
  { groups: 1, width: 4 },
  { groups: 1, width: 1 },
];
const MVP_COLUMNS: readonly ColumnBlock[] = [
  { groups: 2, width: 1 },
  { groups: 1, width: 1 },
];

/** The statements computing Y = epilogue(A B) for one product. */
export function matrixProduct(f: Fn, isa: Isa, o: MatrixOperands, epilogue: Epilogue = (_, acc) => acc): Ex[] {
  const m = f.m;
  const [i, j, p, pa, pb] = Array.from({ length: 5 }, () => f.i32Local());
  const bytes = (elements: Ex) => m.i32.shl(elements, f.i32(2));
  const address = (arr: Arr, elements: Ex) => m.i32.add(arr.base(), bytes(elements));
  /** Loops `body` over blocks of `size` while a whole block fits: from `at` while at + size <= end. */
  const blocks = (at: Local, size: number, end: Val, body: Ex[]): Ex =>
    f.for(at, at.get(), () => m.i32.sub(end(), f.i32(size - 1)), body, size);

  /** One block: `rows` rows from i, `groups` column groups of `lanes` from j. */
  const block = (rows: number, groups: number, lanes: Lanes): Ex[] => {
    const acc = Array.from({ length: rows * groups }, () => f.local(lanes.type));
    const bv = Array.from({ length: groups }, () => f.local(lanes.type));
    const av = f.local(lanes.type);
    const aAt = (r: number) => m.i32.add(pa.get(), bytes(m.i32.mul(f.i32(r), o.aRow())));
    const bAt = (g: number) => m.i32.add(pb.get(), bytes(m.i32.mul(f.i32(g * lanes.width), o.bCol())));
    /** Columns j + g*width .. of row p: one vector load where B's columns are adjacent, else lane by lane. */
    const loadB = (g: number): Ex => {
      if (lanes.width === 1 || o.bColOne) return lanes.load(bAt(g));
      let v = lanes.zero();
      for (let l = 0; l < 4; l++) {
        const at = m.i32.add(pb.get(), bytes(m.i32.mul(f.i32(4 * g + l), o.bCol())));
        v = m.f32x4.replace_lane(v, l, m.f32.load(0, 4, at));
      }
      return v;
    };
    const step: Ex[] = [
      ...bv.map((v, g) => v.set(loadB(g))),
      ...Array.from({ length: rows }, (_, r) => [
        av.set(lanes.splat(m.f32.load(0, 4, aAt(r)))),
        ...bv.map((v, g) => {
          const s = acc[r * groups + g];
          return s.set(lanes.add(s.get(), lanes.mul(av.get(), v.get())));
        }),
      ]).flat(),
      pa.set(m.i32.add(pa.get(), bytes(o.aDepth()))),
      pb.set(m.i32.add(pb.get(), bytes(o.bDepth()))),
    ];
    const stores = Array.from({ length: rows }, (_, r) =>
      Array.from({ length: groups }, (_, g) => {
        const row = () => m.i32.add(i.get(), f.i32(r));
        const col = () => m.i32.add(j.get(), f.i32(g * lanes.width));
        const at = address(o.y, m.i32.add(o.yBase(), m.i32.add(m.i32.mul(row(), o.cols()), col())));
        return lanes.store(at, epilogue(lanes, acc[r * groups + g].get(), row, col));
      }),
    ).flat();
    return [
      ...acc.map((s) => s.set(lanes.zero())),
      pa.set(address(o.a, m.i32.add(o.aBase(), m.i32.mul(i.get(), o.aRow())))),
      pb.set(address(o.b, m.i32.add(o.bBase(), m.i32.mul(j.get(), o.bCol())))),
      f.for(p, f.i32(0), o.depth, step),
      ...stores,
    ];
  };
  const columns = (rows: number): Ex[] => [
    j.set(f.i32(0)),
    ...(isa === "mvp" ? MVP_COLUMNS : SIMD_COLUMNS).map(({ groups, width }) =>
      blocks(j, groups * width, o.cols, block(rows, groups, lanesOf(f, width))),
    ),
  ];
  return [i.set(f.i32(0)), ...ROW_BLOCKS.map((rows) => blocks(i, rows, o.rows, columns(rows)))];
}
