import { shapeSpec } from "../../shared/broadcast.js";
import type { Ex } from "../binaryen.js";
import { countOf } from "./support/elementwise.js";
import type { WasmKernelEnv, WasmKernelGenerator } from "./types.js";

/** A scalar constant input's value. */
function scalarConstant(env: WasmKernelEnv, i: number, name: string): number {
  const v = env.constant(i);
  if (v?.length !== 1) throw env.error(`input '${name}' must be a constant scalar`);
  return v[0];
}

/**
 * Static activation quantizer (QMAMBAIR.md 2.1), output dequantized, in the js target's operations:
 * u = f32(f32(x + beta) / alpha), q = roundHalfEven(u < qn ? qn : min(u, qp)), y = f32(f32(q * alpha) - beta).
 * alpha, beta and x are float32 values, so each step is one float32 operation, and with SIMD the
 * same steps run on f32x4 lanes bit for bit (nearest is round half to even, keeping a zero's sign).
 */
const actQuant: WasmKernelGenerator = (env) => {
  const bits = env.int("bits");
  if (bits < 2 || bits > 8) throw env.error(`attribute 'bits' is ${bits}, expected 2 to 8`);
  const signed = env.int("signed", 0) !== 0;
  const [qn, qp] = signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
  const alphaValue = Math.fround(scalarConstant(env, 1, "alpha"));
  const betaValue = Math.fround(scalarConstant(env, 2, "beta"));
  if (!Number.isFinite(alphaValue) || alphaValue === 0) {
    throw env.error(`alpha is ${alphaValue}, expected a finite non-zero scale`);
  }
  const x = env.input(0);
  const y = env.output(0);
  const n = countOf(env, env.outputShape(0));
  const [alpha, beta] = [env.scalar(alphaValue), env.scalar(betaValue)];
  const f = env.fn;
  const m = f.m;
  const i = f.i32Local();
  const u = f.f64Local();
  const simd = env.isa !== "mvp";
  // u < qn ? qn : min(u, qp), not a max: -0 stays -0 when qn is 0, as in the js target.
  const scalar = [
    u.set(f.f32(m.f64.div(f.f32(m.f64.add(f.loadF(x, i.get()), beta())), alpha()))),
    f.storeF(
      y,
      i.get(),
      m.f64.sub(
        f.f32(
          m.f64.mul(
            m.f64.nearest(m.select(m.f64.lt(u.get(), f.f64(qn)), f.f64(qn), m.f64.min(u.get(), f.f64(qp)))),
            alpha(),
          ),
        ),
        beta(),
      ),
    ),
  ];
  const splat = (e: Ex) => m.f32x4.splat(m.f32.demote(e));
  const lanes = (k: number) => m.f32x4.splat(m.f32.const(k));
  const v = simd ? f.local(f.b.v128) : undefined;
  const quads = v
    ? [
        f.for(
          i,
          f.i32(0),
          () => m.i32.sub(n(), f.i32(3)),
          [
            v.set(m.f32x4.div(m.f32x4.add(m.v128.load(0, 4, f.addr(x, i.get())), splat(beta())), splat(alpha()))),
            v.set(m.v128.bitselect(lanes(qn), m.f32x4.min(v.get(), lanes(qp)), m.f32x4.lt(v.get(), lanes(qn)))),
            m.v128.store(
              0,
              4,
              f.addr(y, i.get()),
              m.f32x4.sub(m.f32x4.mul(m.f32x4.nearest(v.get()), splat(alpha())), splat(beta())),
            ),
          ],
          4,
        ),
      ]
    : [];
  return {
    spec: `act_quant_${shapeSpec(env.outputShape(0))}_${signed ? "s" : "u"}${bits}${simd ? "_simd" : ""}`,
    body: [...quads, f.for(i, simd ? i.get() : f.i32(0), n, scalar)],
  };
};

export default actQuant;
