import { softmaxGroups } from "../../shared/softmax-groups.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Softmax along one axis (opset 13), the js target's loops and order of operations in f64, with the
 * module's fdlibm exp (the js artifacts' qexp), so results are bit-identical.
 */
const softmax: WasmKernelGenerator = (env) => {
  const g = softmaxGroups(env);
  const x = env.input(0);
  const y = env.output(0);
  const outer = env.count(g.outer);
  const length = env.count(g.length);
  const inner = env.count(g.inner);
  const f = env.fn;
  const m = f.m;
  const d = m.f64;
  const [a, b, i, base] = [0, 1, 2, 3].map(() => f.i32Local());
  const [mx, sum] = [f.f64Local(), f.f64Local()];
  const at = () => f.add(base.get(), f.mul(i.get(), inner()));
  const shifted = () => d.sub(f.loadF(x, at()), mx.get());
  return {
    spec: g.spec,
    body: [
      f.for(a, f.i32(0), outer, [
        f.for(b, f.i32(0), inner, [
          base.set(f.add(f.mul(f.mul(a.get(), length()), inner()), b.get())),
          mx.set(f.f64(Number.NEGATIVE_INFINITY)),
          f.for(i, f.i32(0), length, [mx.set(d.max(mx.get(), f.loadF(x, at())))]),
          sum.set(f.f64(0)),
          f.for(i, f.i32(0), length, [sum.set(d.add(sum.get(), env.math("qexp", shifted())))]),
          f.for(i, f.i32(0), length, [f.storeF(y, at(), d.div(env.math("qexp", shifted()), sum.get()))]),
        ]),
      ]),
    ],
  };
};

export default softmax;
