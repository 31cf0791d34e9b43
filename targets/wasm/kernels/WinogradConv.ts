import { TILE_POSITIONS } from "../../../compiler/ops/support/winograd.js";
import { WINOGRAD_TILES, winogradGeometry } from "../../shared/winograd-geometry.js";
import type { Ex } from "../binaryen.js";
import type { Local } from "../dsl.js";
import { convPlanes } from "./support/conv-planes.js";
import { tileLaneProducts } from "./support/winograd-products.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * qmc.WinogradConv, the js target's loops (targets/js/kernels/WinogradConv.ts) with every value an
 * f32 operation: the output's 2x2 tiles, row by row, go WINOGRAD_TILES at a time through the input
 * transform into scratch v [16, C, tiles], the products summed over input channels into mm [16, M,
 * tiles], and the output transform, bias and store. The transforms are scalar on every ISA; with
 * SIMD the products take four tiles a vector (support/winograd-products.ts), which is where nearly
 * all the work is.
 */
const winogradConv: WasmKernelGenerator = (env) => {
  const { xs, ys, N, C, M, pads } = winogradGeometry(env);
  const [PT, PL] = pads;
  const T = WINOGRAD_TILES;
  const CT = C * T;
  const MT = M * T;
  const x = env.input(0);
  const u = env.input(1);
  const bias = env.has(2) ? env.input(2) : undefined;
  const y = env.output(0);
  const { H, W, OH, OW, HW, OHW } = convPlanes(env, xs, ys);
  const scratch = env.scratch({ c: (TILE_POSITIONS * (CT + MT)) / 2, h: 0, w: 0, hw: 0 }, "f32");
  const simd = env.isa !== "mvp";
  const padSpec = new Set(pads).size === 1 ? `p${PT}` : `p${pads.join("_")}`;
  const spec = `winograd_conv_c${C}_o${M}_${padSpec}${bias ? "" : "_nobias"}${simd ? "_tiles4" : ""}`;

  const f = env.fn;
  const m = f.m;
  const i32 = (n: number) => f.i32(n);
  const [n, k0, kn, k, q, ty, tx, ic, oc, xb, at, tilesW, tiles, yb] = Array.from({ length: 14 }, () => f.i32Local());
  const [up, vp] = [f.i32Local(), f.i32Local()];
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

  // Tile k0 + k's row ty and column tx.
  const tileAt = (): Ex[] => [
    ty.set(m.i32.div_u(f.add(k0.get(), k.get()), tilesW.get())),
    tx.set(m.i32.sub(f.add(k0.get(), k.get()), f.mul(ty.get(), tilesW.get()))),
  ];
  const inputTransform = (): Ex[] => [
    ...tileAt(),
    ...rowAt.flatMap((r, i) => {
      const row = () => f.add(m.i32.shl(ty.get(), i32(1)), i32(i - PT));
      return [
        rowIn[i].set(inRange(row(), H())),
        r.set(f.add(f.mul(row(), W()), m.i32.shl(tx.get(), i32(1)), i32(-PL))),
      ];
    }),
    ...colIn.map((c, j) => c.set(inRange(f.add(m.i32.shl(tx.get(), i32(1)), i32(j - PL)), W()))),
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
      at.set(f.add(f.mul(ic.get(), i32(T)), k.get())),
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
          up.set(f.addr(u, f.add(f.mul(q.get(), i32(C * M)), oc.get()))),
          vp.set(f.addr(scratch, f.add(f.mul(q.get(), i32(CT)), k.get()))),
          f.for(ic, i32(0), () => i32(C), [
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
  const outputTransform = (): Ex[] => {
    const mm = (p: number) => f.load(scratch, mmAt(p));
    const out = (value: Ex) => (bias ? m.f32.add(value, b.get()) : value);
    const store = (offset: Ex, value: Ex) => f.store(y, f.add(yb.get(), offset), out(value));
    const colInside = () => m.i32.lt_s(f.add(m.i32.shl(tx.get(), i32(1)), i32(1)), OW());
    return [
      at.set(f.add(f.mul(oc.get(), i32(T)), k.get())),
      // s = A^T m, down each column.
      ...[0, 1, 2, 3].flatMap((j) => [
        s[j].set(m.f32.add(m.f32.add(mm(j), mm(4 + j)), mm(8 + j))),
        s[4 + j].set(m.f32.sub(m.f32.sub(mm(4 + j), mm(8 + j)), mm(12 + j))),
      ]),
      ...tileAt(),
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
            f.for(k, i32(0), kn.get, inputTransform()),
            simd ? f.seq(tileLaneProducts(env, { u, scratch, C, M, kn })) : scalarProducts(),
            f.for(oc, i32(0), () => i32(M), [
              ...(bias ? [b.set(f.load(bias, oc.get()))] : []),
              f.for(k, i32(0), kn.get, outputTransform()),
            ]),
          ],
          T,
        ),
      ]),
    ],
  };
};

export default winogradConv;
