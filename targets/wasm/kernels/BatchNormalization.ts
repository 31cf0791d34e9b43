import { shapeSpec } from "../../shared/broadcast.js";
import { batchNormGeometry } from "../../shared/data-movement.js";
import { countOf } from "./support/elementwise.js";
import { f64Run } from "./support/f64-pairs.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Inference-form BatchNormalization, in the js target's double operations: per channel
 * s = scale / sqrt(var + epsilon) and shift = B - mean * s, then y = x * s + shift over the
 * channel's plane (with SIMD in f64x2 pairs, four elements a step).
 */
const batchNorm: WasmKernelGenerator = (env) => {
  const { xs, epsilon } = batchNormGeometry(env);
  const eps = env.scalar(epsilon);
  const x = env.input(0);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => env.input(i));
  const y = env.output(0);
  const N = env.dim(xs[0]);
  const C = env.dim(xs[1]);
  const S = countOf(env, xs.slice(2));
  const f = env.fn;
  const d = f.m.f64;
  const [n, c, o] = [f.i32Local(), f.i32Local(), f.i32Local()];
  const [s, shift] = [f.f64Local(), f.f64Local()];
  const vector = env.isa !== "mvp";
  return {
    spec: `batch_norm_${shapeSpec(xs)}${vector ? "_simd" : ""}`,
    body: [
      o.set(f.i32(0)),
      f.for(n, f.i32(0), N, [
        f.for(c, f.i32(0), C, [
          s.set(d.div(f.loadF(scale, c.get()), d.sqrt(d.add(f.loadF(variance, c.get()), eps())))),
          shift.set(d.sub(f.loadF(bias, c.get()), d.mul(f.loadF(mean, c.get()), s.get()))),
          ...f64Run(f, vector, x, y, o.get, S, (ops, v) => ops.add(ops.mul(v(), ops.of(s.get())), ops.of(shift.get()))),
          o.set(f.add(o.get(), S())),
        ]),
      ]),
    ],
  };
};

export default batchNorm;
