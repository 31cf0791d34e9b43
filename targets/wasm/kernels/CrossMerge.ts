import { shapeSpec } from "../../shared/broadcast.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * (B, 4, E, L) -> (B, E, L): each direction back to row-major order, summed as MambaIR sums them,
 * ((y0 + y2) + y1) + y3 in float32. Input 1 only lends its (H, W) shape.
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
  const last = () => m.i32.sub(L(), f.i32(1));
  const at = (k: number, i: () => number) => f.load(y, f.add(y0.get(), f.mul(plane(), f.i32(k)), i()));
  return {
    spec: `cross_merge_${shapeSpec(ys)}`,
    body: [
      f.for(b, f.i32(0), () => f.i32(B), [
        f.for(e, f.i32(0), () => f.i32(E), [
          y0.set(f.mul(f.add(f.mul(b.get(), f.i32(4 * E)), e.get()), L())),
          o.set(f.mul(f.add(f.mul(b.get(), f.i32(E)), e.get()), L())),
          f.for(h, f.i32(0), H, [
            f.for(c, f.i32(0), W, [
              p.set(f.add(f.mul(h.get(), W()), c.get())),
              q.set(f.add(f.mul(c.get(), H()), h.get())),
              f.store(
                out,
                f.add(o.get(), p.get()),
                m.f32.add(
                  m.f32.add(
                    m.f32.add(
                      at(0, p.get),
                      at(2, () => m.i32.sub(last(), p.get())),
                    ),
                    at(1, q.get),
                  ),
                  at(3, () => m.i32.sub(last(), q.get())),
                ),
              ),
            ]),
          ]),
        ]),
      ]),
    ],
  };
};

export default crossMerge;
