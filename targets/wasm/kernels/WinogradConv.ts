import { TILE_POSITIONS } from "../../../compiler/ops/support/winograd.js";
import { kernelSpec, WINOGRAD_TILES, winogradGeometry } from "../../shared/winograd-geometry.js";
import type { Ex } from "../binaryen.js";
import type { Local } from "../dsl.js";
import { convPlanes } from "./support/conv-planes.js";
import { lanes32 } from "./support/lanes.js";
import { tileLaneProducts } from "./support/winograd-products.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * qmc.WinogradConv, the js target's loops (targets/js/kernels/WinogradConv.ts) with every value an
 * f32 operation: the output's 2x2 tiles, row by row, go WINOGRAD_TILES at a time through the input
 * transform of every 3x3 sub-kernel's shifted origin and input channel into scratch v [16, CV,
 * tiles], the products summed over virtual input channels into mm [16, M, tiles], and the output
 * transform, bias, fused Relu and store. The transforms are scalar on every ISA; with
 * SIMD the products take four tiles a vector (support/winograd-products.ts), which is where nearly
 * all the work is.
 */
const winogradConv: WasmKernelGenerator = (env) => {
  const { xs, ys, N, C, CV, GH, GW, M, kernel, pads, relu } = winogradGeometry(env);
  const [PT, PL] = pads;
  const T = WINOGRAD_TILES;
  const CT = CV * T;
  const MT = M * T;
  const x = env.input(0);
  const u = env.input(1);
  const bias = env.has(2) ? env.input(2) : undefined;
  const y = env.output(0);
  const { H, W, OH, OW, HW, OHW } = convPlanes(env, xs, ys);
  const scratch = env.scratch({ c: (TILE_POSITIONS * (CT + MT)) / 2, h: 0, w: 0, hw: 0 }, "f32");
  const simd = env.isa !== "mvp";
  const padSpec = new Set(pads).size === 1 ? `p${PT}` : `p${pads.join("_")}`;
  const spec = `winograd_conv_c${C}_o${M}${kernelSpec(kernel)}_${padSpec}${bias ? "" : "_nobias"}${relu ? "_relu" : ""}${simd ? "_tiles4" : ""}`;

  const f = env.fn;
  const m = f.m;
  const i32 = (n: number) => f.i32(n);
  const [n, k0, kn, k, q, ty, tx, ic, oc, xb, at, tilesW, tiles, yb] = Array.from({ length: 14 }, () => f.i32Local());
  const [up, vp] = [f.i32Local(), f.i32Local()];
  // The current sub-kernel's read origin relative to a tile's output corner (its shift less the
  // pads), and its first virtual input channel.
  const [sk, oy, ox, vb] = [f.i32Local(), f.i32Local(), f.i32Local(), f.i32Local()];
  // Per tile: the input offsets of its four rows (row * W + first column), and which rows and
  // columns lie inside the image.
  const rowAt = Array.from({ length: 4 }, () => f.i32Local());
  const rowIn = Array.from({ length: 4 }, () => f.i32Local());
  const colIn = Array.from({ length: 4 }, () => f.i32Local());
  const f32s = (count: number) => Array.from({ length: count }, () => f.local(f.b.f32));
  const d = f32s(16);
  const s = f32s(16);
  const acc = f.local(f.b.f32);
  const b = f.local(f.b.f32);
  const v = (p: number) => f.add(f.mul(i32(p), i32(CT)), at.get());
  const sub = (a: Local, c: Local) => m.f32.sub(a.get(), c.get());
  const add = (a: Local, c: Local) => m.f32.add(a.get(), c.get());
  const inRange = (value: Ex, limit: Ex) => m.i32.lt_u(value, limit);

  // Tile k0 + kk's row ty and column tx.
  const tileAt = (kk: Local): Ex[] => [
    ty.set(m.i32.div_u(f.add(k0.get(), kk.get()), tilesW.get())),
    tx.set(m.i32.sub(f.add(k0.get(), kk.get()), f.mul(ty.get(), tilesW.get()))),
  ];
  // The sub-kernel's input row i and column j of the tile at row ty and column tx.
  const inRow = (i: number) => f.add(m.i32.shl(ty.get(), i32(1)), oy.get(), i32(i));
  const inCol = (j: number) => f.add(m.i32.shl(tx.get(), i32(1)), ox.get(), i32(j));
  // Each 3x3 sub-kernel (sy, sx) in turn: oy = 3 sy - PT, ox = 3 sx - PL, vb = (sy GW + sx) C.
  const subKernelLoop = (body: Ex[]): Ex =>
    GH * GW === 1
      ? f.seq([oy.set(i32(-PT)), ox.set(i32(-PL)), vb.set(i32(0)), ...body])
      : f.for(sk, i32(0), () => i32(GH * GW), [
          oy.set(f.add(f.mul(m.i32.div_u(sk.get(), i32(GW)), i32(3)), i32(-PT))),
          ox.set(f.add(f.mul(m.i32.rem_u(sk.get(), i32(GW)), i32(3)), i32(-PL))),
          vb.set(f.mul(sk.get(), i32(C))),
          ...body,
        ]);
  // The input offsets of the tile's four rows, from its row ty and column tx.
  const rowOffsets = (): Ex[] => rowAt.map((r, i) => r.set(f.add(f.mul(inRow(i), W()), inCol(0))));
  const inputTransform = (kk: Local): Ex[] => [
    ...tileAt(kk),
    ...rowOffsets(),
    ...rowIn.map((r, i) => r.set(inRange(inRow(i), H()))),
    ...colIn.map((c, j) => c.set(inRange(inCol(j), W()))),
    f.for(ic, i32(0), () => i32(C), [
      xb.set(f.mul(f.add(f.mul(n.get(), i32(C)), ic.get()), HW())),
      ...d.map((dv, e) => {
        const [i, j] = [e >> 2, e & 3];
        return dv.set(
          m.if(
            m.i32.and(rowIn[i].get(), colIn[j].get()),
            f.load(x, f.add(xb.get(), rowAt[i].get(), i32(j))),
            m.f32.const(0),
          ),
        );
      }),
      // t = B^T d, down each column.
      ...[0, 1, 2, 3].flatMap((j) => [
        s[j].set(sub(d[j], d[8 + j])),
        s[4 + j].set(add(d[4 + j], d[8 + j])),
        s[8 + j].set(sub(d[8 + j], d[4 + j])),
        s[12 + j].set(sub(d[4 + j], d[12 + j])),
      ]),
      at.set(f.add(f.mul(f.add(vb.get(), ic.get()), i32(T)), kk.get())),
      // V = t B, along each row.
      ...[0, 1, 2, 3].flatMap((i) => [
        f.store(scratch, v(4 * i), sub(s[4 * i], s[4 * i + 2])),
        f.store(scratch, v(4 * i + 1), add(s[4 * i + 1], s[4 * i + 2])),
        f.store(scratch, v(4 * i + 2), sub(s[4 * i + 2], s[4 * i + 1])),
        f.store(scratch, v(4 * i + 3), sub(s[4 * i + 1], s[4 * i + 3])),
      ]),
    ]),
  ];

  // mm[q, oc, k] = sum over ic of u[q, ic, oc] * v[q, ic, k], one tile at a time.
  const scalarProducts = (): Ex =>
    f.for(q, i32(0), () => i32(TILE_POSITIONS), [
      f.for(oc, i32(0), () => i32(M), [
        f.for(k, i32(0), kn.get, [
          acc.set(m.f32.const(0)),
          up.set(f.addr(u, f.add(f.mul(q.get(), i32(CV * M)), oc.get()))),
          vp.set(f.addr(scratch, f.add(f.mul(q.get(), i32(CT)), k.get()))),
          f.for(ic, i32(0), () => i32(CV), [
            acc.set(m.f32.add(acc.get(), m.f32.mul(m.f32.load(0, 4, up.get()), m.f32.load(0, 4, vp.get())))),
            up.set(f.add(up.get(), i32(4 * M))),
            vp.set(f.add(vp.get(), i32(4 * T))),
          ]),
          f.store(
            scratch,
            f.add(i32(TILE_POSITIONS * CT), f.mul(f.add(f.mul(q.get(), i32(M)), oc.get()), i32(T)), k.get()),
            acc.get(),
          ),
        ]),
      ]),
    ]);

  const mmAt = (p: number) => f.add(i32(TILE_POSITIONS * CT + p * MT), at.get());
  const outputTransform = (kk: Local): Ex[] => {
    const mm = (p: number) => f.load(scratch, mmAt(p));
    // The bias, then Relu's max(y, 0): wasm's max, like Math.max, gives +0 for -0 and NaN for NaN.
    const out = (value: Ex) => {
      const biased = bias ? m.f32.add(value, b.get()) : value;
      return relu ? m.f32.max(biased, m.f32.const(0)) : biased;
    };
    const store = (offset: Ex, value: Ex) => f.store(y, f.add(yb.get(), offset), out(value));
    const colInside = () => m.i32.lt_s(f.add(m.i32.shl(tx.get(), i32(1)), i32(1)), OW());
    return [
      at.set(f.add(f.mul(oc.get(), i32(T)), kk.get())),
      // s = A^T m, down each column.
      ...[0, 1, 2, 3].flatMap((j) => [
        s[j].set(m.f32.add(m.f32.add(mm(j), mm(4 + j)), mm(8 + j))),
        s[4 + j].set(m.f32.sub(m.f32.sub(mm(4 + j), mm(8 + j)), mm(12 + j))),
      ]),
      ...tileAt(kk),
      yb.set(
        f.add(
          f.mul(f.add(f.mul(n.get(), i32(M)), oc.get()), OHW()),
          f.mul(m.i32.shl(ty.get(), i32(1)), OW()),
          m.i32.shl(tx.get(), i32(1)),
        ),
      ),
      // Y = s A along each row; the tile's second column and row only where inside the output.
      store(i32(0), m.f32.add(add(s[0], s[1]), s[2].get())),
      f.if(colInside(), [store(i32(1), m.f32.sub(sub(s[1], s[2]), s[3].get()))]),
      f.if(m.i32.lt_s(f.add(m.i32.shl(ty.get(), i32(1)), i32(1)), OH()), [
        store(OW(), m.f32.add(add(s[4], s[5]), s[6].get())),
        f.if(colInside(), [store(f.add(OW(), i32(1)), m.f32.sub(sub(s[5], s[6]), s[7].get()))]),
      ]),
    ];
  };

  // With SIMD, tiles k .. k + 3 of one tile row go as the four lanes of vectors where all their
  // inputs (or outputs) lie inside the image, each lane the scalar path's operations; else one at a
  // time by the scalar path.
  const [kk, kEnd] = [f.i32Local(), f.i32Local()];
  const sameRow = () =>
    m.i32.and(m.i32.le_s(f.add(k.get(), i32(4)), kn.get()), m.i32.le_s(f.add(tx.get(), i32(4)), tilesW.get()));
  const fourTiles = (vector: { inside: () => Ex; body: () => Ex[] }, scalar: (t: Local) => Ex[]): Ex[] => [
    ...tileAt(k),
    f.if(m.i32.and(sameRow(), vector.inside()), vector.body(), [
      kEnd.set(f.add(k.get(), i32(4))),
      kEnd.set(m.select(m.i32.lt_s(kEnd.get(), kn.get()), kEnd.get(), kn.get())),
      f.for(kk, k.get(), kEnd.get, scalar(kk)),
    ]),
  ];
  // v128 locals only where SIMD is allowed (an MVP module with one does not validate).
  const vec = (count: number) => (simd ? Array.from({ length: count }, () => f.local(f.b.v128)) : []);
  const dv = vec(16);
  const sv = vec(16);
  const even = [0, 2, 4, 6];
  const odd = [1, 3, 5, 7];
  const vsub = (a: Local, c: Local) => m.f32x4.sub(a.get(), c.get());
  const vadd = (a: Local, c: Local) => m.f32x4.add(a.get(), c.get());
  const px = f.i32Local();
  const row = vec(4);
  // The sub-kernel's rows 2 ty + oy .. + 3 and columns 2 tx + ox .. + 9 inside the image.
  const vectorInput = {
    inside: () =>
      m.i32.and(
        inRange(inRow(3), H()),
        m.i32.and(m.i32.ge_s(inRow(0), i32(0)), m.i32.and(m.i32.ge_s(inCol(0), i32(0)), m.i32.lt_s(inCol(9), W()))),
      ),
    body: (): Ex[] => [
      ...rowOffsets(),
      f.for(ic, i32(0), () => i32(C), [
        xb.set(f.mul(f.add(f.mul(n.get(), i32(C)), ic.get()), HW())),
        // Row i's columns c .. c + 9 as lanes: d[i][j] lane l is column c + 2 l + j, from the
        // row's columns c, c + 2, c + 4 and c + 6 onward, four each.
        ...[0, 1, 2, 3].flatMap((i) => [
          px.set(f.addr(x, f.add(xb.get(), rowAt[i].get()))),
          ...row.map((r, e) => r.set(m.v128.load(8 * e, 4, px.get()))),
          dv[4 * i].set(lanes32(f, row[0].get(), row[2].get(), even)),
          dv[4 * i + 1].set(lanes32(f, row[0].get(), row[2].get(), odd)),
          dv[4 * i + 2].set(lanes32(f, row[1].get(), row[3].get(), even)),
          dv[4 * i + 3].set(lanes32(f, row[1].get(), row[3].get(), odd)),
        ]),
        ...[0, 1, 2, 3].flatMap((j) => [
          sv[j].set(vsub(dv[j], dv[8 + j])),
          sv[4 + j].set(vadd(dv[4 + j], dv[8 + j])),
          sv[8 + j].set(vsub(dv[8 + j], dv[4 + j])),
          sv[12 + j].set(vsub(dv[4 + j], dv[12 + j])),
        ]),
        at.set(f.add(f.mul(f.add(vb.get(), ic.get()), i32(T)), k.get())),
        ...[0, 1, 2, 3].flatMap((i) => [
          m.v128.store(0, 4, f.addr(scratch, v(4 * i)), vsub(sv[4 * i], sv[4 * i + 2])),
          m.v128.store(0, 4, f.addr(scratch, v(4 * i + 1)), vadd(sv[4 * i + 1], sv[4 * i + 2])),
          m.v128.store(0, 4, f.addr(scratch, v(4 * i + 2)), vsub(sv[4 * i + 2], sv[4 * i + 1])),
          m.v128.store(0, 4, f.addr(scratch, v(4 * i + 3)), vsub(sv[4 * i + 1], sv[4 * i + 3])),
        ]),
      ]),
    ],
  };
  const [bv] = vec(1);
  // Output rows 2 ty, 2 ty + 1 and columns 2 tx .. + 7 inside the output.
  const vectorOutput = {
    inside: () =>
      m.i32.and(
        m.i32.le_s(f.add(m.i32.shl(ty.get(), i32(1)), i32(2)), OH()),
        m.i32.le_s(f.add(m.i32.shl(tx.get(), i32(1)), i32(8)), OW()),
      ),
    body: (): Ex[] => {
      const mm = (p: number) => m.v128.load(0, 4, f.addr(scratch, mmAt(p)));
      const out = (value: Ex) => {
        const biased = bias ? m.f32x4.add(value, bv.get()) : value;
        return relu ? m.f32x4.max(biased, m.v128.const(new Array(16).fill(0))) : biased;
      };
      // y00 .. y11 of the four tiles in dv[0..3]; a row's eight outputs are two of them interleaved.
      const rowStores = (offset: () => Ex, a: Local, c: Local): Ex[] => [
        m.v128.store(0, 4, f.addr(y, f.add(yb.get(), offset())), lanes32(f, a.get(), c.get(), [0, 4, 1, 5])),
        m.v128.store(16, 4, f.addr(y, f.add(yb.get(), offset())), lanes32(f, a.get(), c.get(), [2, 6, 3, 7])),
      ];
      return [
        ...(bias ? [bv.set(m.f32x4.splat(b.get()))] : []),
        at.set(f.add(f.mul(oc.get(), i32(T)), k.get())),
        ...[0, 1, 2, 3].flatMap((j) => [
          sv[j].set(m.f32x4.add(m.f32x4.add(mm(j), mm(4 + j)), mm(8 + j))),
          sv[4 + j].set(m.f32x4.sub(m.f32x4.sub(mm(4 + j), mm(8 + j)), mm(12 + j))),
        ]),
        dv[0].set(out(m.f32x4.add(vadd(sv[0], sv[1]), sv[2].get()))),
        dv[1].set(out(m.f32x4.sub(vsub(sv[1], sv[2]), sv[3].get()))),
        dv[2].set(out(m.f32x4.add(vadd(sv[4], sv[5]), sv[6].get()))),
        dv[3].set(out(m.f32x4.sub(vsub(sv[5], sv[6]), sv[7].get()))),
        yb.set(
          f.add(
            f.mul(f.add(f.mul(n.get(), i32(M)), oc.get()), OHW()),
            f.mul(m.i32.shl(ty.get(), i32(1)), OW()),
            m.i32.shl(tx.get(), i32(1)),
          ),
        ),
        ...rowStores(() => i32(0), dv[0], dv[1]),
        ...rowStores(OW, dv[2], dv[3]),
      ];
    },
  };

  return {
    spec,
    body: [
      tilesW.set(m.i32.shr_u(f.add(OW(), i32(1)), i32(1))),
      tiles.set(f.mul(m.i32.shr_u(f.add(OH(), i32(1)), i32(1)), tilesW.get())),
      f.for(n, i32(0), () => i32(N), [
        f.for(
          k0,
          i32(0),
          tiles.get,
          [
            kn.set(m.i32.sub(tiles.get(), k0.get())),
            kn.set(m.select(m.i32.lt_s(kn.get(), i32(T)), kn.get(), i32(T))),
            simd
              ? f.for(k, i32(0), kn.get, [subKernelLoop(fourTiles(vectorInput, inputTransform))], 4)
              : f.for(k, i32(0), kn.get, [subKernelLoop(inputTransform(k))]),
            simd ? f.seq(tileLaneProducts(env, { u, scratch, C: CV, M, kn })) : scalarProducts(),
            f.for(oc, i32(0), () => i32(M), [
              ...(bias ? [b.set(f.load(bias, oc.get()))] : []),
              simd
                ? f.for(k, i32(0), kn.get, fourTiles(vectorOutput, outputTransform), 4)
                : f.for(k, i32(0), kn.get, outputTransform(k)),
            ]),
          ],
          T,
        ),
      ]),
    ],
  };
};

export default winogradConv;
