import { shapeSpec } from "../../shared/broadcast.js";
import type { Ex } from "../binaryen.js";
import { reversed } from "./support/lanes.js";
import { QuadTranspose, tiledPlane, words } from "./support/tiles.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * (B, E, H, W) -> (B, 4, E, L): row-major, column-major, and both reversed (QMAMBAIR.md section 1).
 * With SIMD, 4x4 blocks of a plane: its rows go out as they are and reversed, its columns (the
 * block transposed in registers) likewise; the edges short of a block go element by element.
 */
const crossScan: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  if (xs.length !== 4) throw env.error(`input has rank ${xs.length}, expected 4 (B, E, H, W)`);
  const B = env.staticDim(xs[0], "the batch");
  const E = env.staticDim(xs[1], "the channel count");
  const x = words(env.input(0));
  const y = words(env.output(0));
  const H = env.dim(xs[2]);
  const W = env.dim(xs[3]);
  const L = env.count([xs[2], xs[3]]);
  const f = env.fn;
  const m = f.m;
  const [b, e, h, c, p, q, v, src, d0] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(() => f.i32Local());
  const plane = () => f.mul(L(), f.i32(E));
  // Direction k's element at index i, and the four from index i + 4 - 1 down to i (reversed runs).
  const dir = (k: number, i: Ex) => f.add(d0.get(), f.mul(plane(), f.i32(k)), i);
  const mirror = (k: number, i: Ex, run: number) => dir(k, m.i32.sub(m.i32.sub(L(), f.i32(run)), i));
  const one = (dh: number): Ex[] => [
    p.set(f.add(f.mul(f.add(h.get(), f.i32(dh)), W()), c.get())),
    q.set(f.add(f.mul(c.get(), H()), h.get(), f.i32(dh))),
    v.set(f.load(x, f.add(src.get(), p.get()))),
    f.store(y, dir(0, p.get()), v.get()),
    f.store(y, dir(1, q.get()), v.get()),
    f.store(y, mirror(2, p.get(), 1), v.get()),
    f.store(y, mirror(3, q.get(), 1), v.get()),
  ];
  const block = (): Ex[] => {
    const rows = Array.from({ length: 4 }, () => f.local(f.b.v128));
    const column = f.local(f.b.v128);
    const t = new QuadTranspose(f);
    const rowAt = (i: number) => f.add(f.mul(f.add(h.get(), f.i32(i)), W()), c.get());
    const columnAt = (k: number) => f.add(f.mul(f.add(c.get(), f.i32(k)), H()), h.get());
    const store = (at: Ex, value: Ex) => m.v128.store(0, 4, f.addr(y, at), value);
    return [
      ...rows.flatMap((row, i) => [
        row.set(m.v128.load(0, 4, f.addr(x, f.add(src.get(), rowAt(i))))),
        store(dir(0, rowAt(i)), row.get()),
        store(mirror(2, rowAt(i), 4), reversed(f, row.get())),
      ]),
      ...t.of(rows),
      ...[0, 1, 2, 3].flatMap((k) => [
        column.set(t.column(k)),
        store(dir(1, columnAt(k)), column.get()),
        store(mirror(3, columnAt(k), 4), reversed(f, column.get())),
      ]),
    ];
  };
  const planeBody =
    env.isa === "mvp"
      ? [f.for(h, f.i32(0), H, [f.for(c, f.i32(0), W, one(0))])]
      : tiledPlane(f, H, W, h, c, block(), one);
  return {
    spec: `cross_scan_${shapeSpec(xs)}`,
    body: [
      f.for(b, f.i32(0), () => f.i32(B), [
        f.for(e, f.i32(0), () => f.i32(E), [
          src.set(f.mul(f.add(f.mul(b.get(), f.i32(E)), e.get()), L())),
          d0.set(f.mul(f.add(f.mul(b.get(), f.i32(4 * E)), e.get()), L())),
          ...planeBody,
        ]),
      ]),
    ],
  };
};

export default crossScan;
