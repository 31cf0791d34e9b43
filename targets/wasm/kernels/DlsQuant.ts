import { shapeSpec } from "../../shared/broadcast.js";
import type { Ex } from "../binaryen.js";
import { dlsAffine, dlsStatistics } from "./support/activation-quant.js";
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
  const [alphaDiv, u, v] = [0, 1, 2].map(() => f.f64Local());
  const { alpha, beta } = affine;
  // Four elements per step in f32x4: every operand is a float32 value and every f64 result above is
  // rounded to float32, so the f32 operations give the same values (+, -, *, / of floats round once
  // either way). The clips' selects and the codes' min are pmin/pmax (b < a ? b : a and
  // a < b ? b : a), one instruction each where V8's NaN-aware f32x4.min, kept for the values' min
  // (its -0 < +0 matters there), is seven:
  // - code: pmax(pmin(u, qp), qn) is u < qn ? qn : min(u, qp) for every u, NaN and -0 included
  //   (u < qn implies u < qp, so the first compare can take pmin's result).
  // - value: pmax(min(v, max), min) is v < min ? min : min(v, max) wherever min <= max, that is,
  //   wherever an element is not NaN (v NaN stays NaN); with every element NaN, beta and so every v
  //   is NaN, which both keep.
  const quantize4 = () => {
    const w4 = f.local(f.b.v128);
    const splat = (v: Ex) => m.f32x4.splat(m.f32.demote(v));
    return [
      f.for(
        i,
        f.i32(0),
        () => m.i32.sub(n(), f.i32(3)),
        [
          w4.set(
            m.f32x4.div(m.f32x4.add(m.v128.load(0, 4, f.addr(x, i.get())), splat(beta.get())), splat(alphaDiv.get())),
          ),
          w4.set(m.f32x4.pmax(m.f32x4.pmin(w4.get(), splat(f.f64(qp))), splat(f.f64(qn)))),
          w4.set(m.f32x4.sub(m.f32x4.mul(m.f32x4.nearest(w4.get()), splat(alpha.get())), splat(beta.get()))),
          w4.set(m.f32x4.pmax(m.f32x4.min(w4.get(), splat(stats.hi.get())), splat(stats.lo.get()))),
          m.v128.store(0, 4, f.addr(y, i.get()), w4.get()),
        ],
        4,
      ),
    ];
  };
  return {
    spec: `dls_quant_${shapeSpec(shape)}_${signed ? "s" : "u"}${bits}`,
    body: [
      ...stats.setup,
      ...affine.setup,
      // A constant tensor has alpha = 0: divide by 1 instead, so its codes are finite and it maps to itself.
      alphaDiv.set(m.select(m.f64.gt(alpha.get(), f.f64(0)), alpha.get(), f.f64(1))),
      ...(env.isa === "mvp" ? [] : quantize4()),
      f.for(i, env.isa === "mvp" ? f.i32(0) : i.get(), n, [
        u.set(f.f32(m.f64.div(f.f32(m.f64.add(f.loadF(x, i.get()), beta.get())), alphaDiv.get()))),
        u.set(m.f64.nearest(m.select(m.f64.lt(u.get(), f.f64(qn)), f.f64(qn), m.f64.min(u.get(), f.f64(qp))))),
        v.set(f.f32(m.f64.sub(f.f32(m.f64.mul(u.get(), alpha.get())), beta.get()))),
        f.storeF(
          y,
          i.get(),
          m.select(m.f64.lt(v.get(), stats.lo.get()), stats.lo.get(), m.f64.min(v.get(), stats.hi.get())),
        ),
      ]),
    ],
  };
};

export default dlsQuant;
