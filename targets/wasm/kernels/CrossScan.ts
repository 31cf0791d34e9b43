import { shapeSpec } from "../../shared/broadcast.js";
import type { Arr } from "../dsl.js";
import type { WasmKernelGenerator } from "./types.js";

/** (B, E, H, W) -> (B, 4, E, L): row-major, column-major, and both reversed (QMAMBAIR.md section 1). */
const crossScan: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  if (xs.length !== 4) throw env.error(`input has rank ${xs.length}, expected 4 (B, E, H, W)`);
  const B = env.staticDim(xs[0], "the batch");
  const E = env.staticDim(xs[1], "the channel count");
  const x = env.input(0);
  const y = env.output(0);
  const H = env.dim(xs[2]);
  const W = env.dim(xs[3]);
  const L = env.count([xs[2], xs[3]]);
  const f = env.fn;
  const m = f.m;
  const [b, e, h, c, p, q, v, src, d0] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(() => f.i32Local());
  const raw = (a: Arr): Arr => ({ elem: "i32", base: a.base });
  const plane = () => f.mul(L(), f.i32(E));
  const last = () => m.i32.sub(L(), f.i32(1));
  return {
    spec: `cross_scan_${shapeSpec(xs)}`,
    body: [
      f.for(b, f.i32(0), () => f.i32(B), [
        f.for(e, f.i32(0), () => f.i32(E), [
          src.set(f.mul(f.add(f.mul(b.get(), f.i32(E)), e.get()), L())),
          d0.set(f.mul(f.add(f.mul(b.get(), f.i32(4 * E)), e.get()), L())),
          f.for(h, f.i32(0), H, [
            f.for(c, f.i32(0), W, [
              p.set(f.add(f.mul(h.get(), W()), c.get())),
              q.set(f.add(f.mul(c.get(), H()), h.get())),
              v.set(f.load(raw(x), f.add(src.get(), p.get()))),
              f.store(raw(y), f.add(d0.get(), p.get()), v.get()),
              f.store(raw(y), f.add(d0.get(), plane(), q.get()), v.get()),
              f.store(raw(y), f.add(d0.get(), f.mul(plane(), f.i32(2)), m.i32.sub(last(), p.get())), v.get()),
              f.store(raw(y), f.add(d0.get(), f.mul(plane(), f.i32(3)), m.i32.sub(last(), q.get())), v.get()),
            ]),
          ]),
        ]),
      ]),
    ],
  };
};

export default crossScan;
