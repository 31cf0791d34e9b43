import { shapeSpec } from "../../shared/broadcast.js";
import { dlsAffine, dlsQuantizer, dlsStatistics } from "./support/activation-quant.js";
import { countOf } from "./support/elementwise.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Dynamic activation quantizer (QMAMBAIR.md 2.2): statistics, then the quantize pass, in the js
 * target's order with its float32 roundings (sums in f64), so results are bit-identical.
 */
const dlsQuant: WasmKernelGenerator = (env) => {
  const bits = env.int("bits");
  if (bits < 2 || bits > 8) throw env.error(`attribute 'bits' is ${bits}, expected 2 to 8`);
  const signed = env.int("signed", 0) !== 0;
  const [qn, qp] = signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
  const shape = env.outputShape(0);
  if (shape.every((d) => d.h === 0 && d.w === 0 && d.hw === 0) && shape.reduce((p, d) => p * d.c, 1) < 2) {
    throw env.error("the input has fewer than 2 elements; the unbiased std needs at least 2");
  }
  const x = env.input(0);
  const wts = env.input(1);
  const y = env.output(0);
  const n = countOf(env, shape);
  const f = env.fn;
  const m = f.m;
  const stats = dlsStatistics(f, x, n, env.isa !== "mvp");
  const affine = dlsAffine(
    f,
    stats,
    [0, 1, 2, 3, 4, 5, 6, 7].map((k) => () => f.loadF(wts, f.i32(k))),
    bits,
  );
  const i = f.i32Local();
  const alphaDiv = f.f64Local();
  const { alpha, beta } = affine;
  const quantize = dlsQuantizer(f, {
    alpha: alpha.get,
    beta: beta.get,
    alphaDiv: alphaDiv.get,
    lo: stats.lo.get,
    hi: stats.hi.get,
    qn,
    qp,
  });
  // Four elements per step in f32x4, then one at a time.
  const quantize4 = () => [
    f.for(
      i,
      f.i32(0),
      () => m.i32.sub(n(), f.i32(3)),
      [m.v128.store(0, 4, f.addr(y, i.get()), quantize.four(m.v128.load(0, 4, f.addr(x, i.get()))))],
      4,
    ),
  ];
  return {
    spec: `dls_quant_${shapeSpec(shape)}_${signed ? "s" : "u"}${bits}`,
    body: [
      ...stats.setup,
      ...affine.setup,
      // A constant tensor has alpha = 0: divide by 1 instead, so its codes are finite and it maps to itself.
      alphaDiv.set(m.select(m.f64.gt(alpha.get(), f.f64(0)), alpha.get(), f.f64(1))),
      ...(env.isa === "mvp" ? [] : quantize4()),
      f.for(i, env.isa === "mvp" ? f.i32(0) : i.get(), n, [f.storeF(y, i.get(), quantize.one(f.loadF(x, i.get())))]),
    ],
  };
};

export default dlsQuant;
