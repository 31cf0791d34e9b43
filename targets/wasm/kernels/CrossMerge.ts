import { shapeSpec } from "../../shared/broadcast.js";
import type { Ex } from "../binaryen.js";
import { reversed } from "./support/lanes.js";
import { QuadTranspose, tiledPlane } from "./support/tiles.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * (B, 4, E, L) -> (B, E, L): each direction back to row-major order, summed as MambaIR sums them,
 * ((y0 + y2) + y1) + y3 in float32. Input 1 only lends its (H, W) shape. With SIMD, 4x4 blocks of
 * the plane: the column-major directions' blocks transposed in registers, the reversed ones'
 * runs reversed, the same float32 additions lane by lane; the edges element by element.
 */
const crossMerge: WasmKernelGenerator = (env) => {
  const ys = env.inputShape(0);
  const like = env.inputShape(1);
  if (ys.length !== 4 || like.length !== 4) throw env.error("expected y (B, 4, E, L) and x_like (B, E, H, W)");
  const B = env.staticDim(ys[0], "the batch");
  const E = env.staticDim(ys[2], "the channel count");
  const y = env.input(0);
  const out = env.output(0);
  const H = env.dim(like[2]);
  const W = env.dim(like[3]);
  const L = env.count([like[2], like[3]]);
  const f = env.fn;
  const m = f.m;
  const [b, e, h, c, p, q, y0, o] = [0, 1, 2, 3, 4, 5, 6, 7].map(() => f.i32Local());
  const plane = () => f.mul(L(), f.i32(E));
  // Direction k's element index i, and index i mirrored for a run of `run` elements.
  const dir = (k: number, i: Ex) => f.add(y0.get(), f.mul(plane(), f.i32(k)), i);
  const mirror = (k: number, i: Ex, run: number) => dir(k, m.i32.sub(m.i32.sub(L(), f.i32(run)), i));
  const one = (dh: number): Ex[] => [
    p.set(f.add(f.mul(f.add(h.get(), f.i32(dh)), W()), c.get())),
    q.set(f.add(f.mul(c.get(), H()), h.get(), f.i32(dh))),
    f.store(
      out,
      f.add(o.get(), p.get()),
      m.f32.add(
        m.f32.add(m.f32.add(f.load(y, dir(0, p.get())), f.load(y, mirror(2, p.get(), 1))), f.load(y, dir(1, q.get()))),
        f.load(y, mirror(3, q.get(), 1)),
      ),
    ),
  ];
  const block = (): Ex[] => {
    const [columns, mirrored] = [0, 1].map(() => Array.from({ length: 4 }, () => f.local(f.b.v128)));
    const [t1, t3] = [new QuadTranspose(f), new QuadTranspose(f)];
    const rowAt = (i: number) => f.add(f.mul(f.add(h.get(), f.i32(i)), W()), c.get());
    const columnAt = (k: number) => f.add(f.mul(f.add(c.get(), f.i32(k)), H()), h.get());
    const load = (at: Ex) => m.v128.load(0, 4, f.addr(y, at));
    const v = m.f32x4;
    return [
      ...columns.map((l, k) => l.set(load(dir(1, columnAt(k))))),
      ...mirrored.map((l, k) => l.set(reversed(f, load(mirror(3, columnAt(k), 4))))),
      ...t1.of(columns),
      ...t3.of(mirrored),
      ...[0, 1, 2, 3].map((i) =>
        m.v128.store(
          0,
          4,
          f.addr(out, f.add(o.get(), rowAt(i))),
          v.add(
            v.add(v.add(load(dir(0, rowAt(i))), reversed(f, load(mirror(2, rowAt(i), 4)))), t1.column(i)),
            t3.column(i),
          ),
        ),
      ),
    ];
  };
  const planeBody =
    env.isa === "mvp"
      ? [f.for(h, f.i32(0), H, [f.for(c, f.i32(0), W, one(0))])]
      : tiledPlane(f, H, W, h, c, block(), one);
  return {
    spec: `cross_merge_${shapeSpec(ys)}`,
    body: [
      f.for(b, f.i32(0), () => f.i32(B), [
        f.for(e, f.i32(0), () => f.i32(E), [
          y0.set(f.mul(f.add(f.mul(b.get(), f.i32(4 * E)), e.get()), L())),
          o.set(f.mul(f.add(f.mul(b.get(), f.i32(E)), e.get()), L())),
          ...planeBody,
        ]),
      ]),
    ],
  };
};

export default crossMerge;
