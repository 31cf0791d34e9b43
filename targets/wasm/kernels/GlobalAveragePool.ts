import { shapeSpec } from "../../shared/broadcast.js";
import type { WasmKernelGenerator } from "./types.js";

/** Plane means, summed in f64 in order and divided as the js target divides. */
const globalAveragePool: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  if (xs.length < 3) throw env.error(`input has rank ${xs.length}, expected at least 3 (N, C, spatial...)`);
  const x = env.input(0);
  const y = env.output(0);
  const planes = env.count(xs.slice(0, 2));
  const size = env.count(xs.slice(2));
  const f = env.fn;
  const m = f.m;
  const p = f.i32Local();
  const i = f.i32Local();
  const base = f.i32Local();
  const sum = f.f64Local();
  return {
    spec: `global_average_pool_${shapeSpec(xs)}`,
    body: [
      f.for(p, f.i32(0), planes, [
        base.set(m.i32.mul(p.get(), size())),
        sum.set(f.f64(0)),
        f.for(i, f.i32(0), size, [sum.set(m.f64.add(sum.get(), f.loadF(x, f.add(base.get(), i.get()))))]),
        f.storeF(y, p.get(), m.f64.div(sum.get(), m.f64.convert_s.i32(size()))),
      ]),
    ],
  };
};

export default globalAveragePool;
