import { describe, expect, it } from "vitest";
import { exp32, softplus32 } from "../compiler/ops/support/scan-math.js";
import { emitJs } from "../targets/js/emit.js";
import { resolveHelpers } from "../targets/js/runtime/helpers.js";
import { CodeWriter } from "../targets/shared/code-writer.js";
import { qexp32, qsoftplus32 } from "../targets/wasm/scan-math.js";
import { rng } from "./support/random.js";
import { int, type KernelSpec, loadScript, oneKernelPlan, reference, runPlan, shape } from "./targets/harness.js";
import { emit, f32RoutineExports, instantiate } from "./wasm/support.js";

const f32 = Math.fround;
const cell = new Float32Array(1);
const bits = new Int32Array(cell.buffer);
const bitsOf = (v: number) => {
  cell[0] = v;
  return bits[0];
};
const ofBits = (b: number) => {
  bits[0] = b;
  return cell[0];
};

/** Every `step`th float32 from lo up to hi (same sign, |lo| <= |hi|) by bit pattern, onto `out`. */
function sweep(out: number[], lo: number, hi: number, step: number): void {
  for (let b = bitsOf(lo); b <= bitsOf(hi); b += step) out.push(ofBits(b));
}

/** Float32 arguments: both clamps and thresholds, zeros, specials, sweeps and random ones. */
function samples(): number[] {
  const rnd = rng(11);
  const xs = [0, -0, 1, -1, 0.5, -0.5, 20, f32(20 + 2 ** -19), 19.999998, 89, -104, 88.72283935546875, 88.7228469848];
  xs.push(-103.27892303466797, -87.33654022216797, -87.3365478515625, -100, 104, -105, 1e-45, -1e-45, 1e30, -1e30);
  xs.push(Infinity, -Infinity, Number.NaN);
  sweep(xs, 0, 89, 9973);
  sweep(xs, -0, -104, 9973);
  // exp32's k = round(x log2e) around the f32x4 scaling's clamp of k to [-125, 127] and where the
  // results turn subnormal, reach the least subnormal or overflow: about 900 arguments of each k.
  for (const k of [-151, -150, -149, -127, -126, -125, -124, 126, 127, 128]) {
    const [from, to] = [f32((k - 0.5) * Math.LN2), f32((k + 0.5) * Math.LN2)];
    if (k < 0) sweep(xs, to, from, 101);
    else sweep(xs, from, to, 101);
  }
  for (let i = 0; i < 20000; i++) xs.push(f32((rnd() - 0.5) * 240), f32((rnd() - 0.5) * 2 ** (rnd() * 20 - 14)));
  return xs.map(f32);
}

/** |r - e| in float32 ulps at the double e > 0 (2^-149 among the subnormals). */
function ulpError(r: number, e: number): number {
  const ulp = 2 ** Math.max(Math.floor(Math.log2(e)) - 23, -149);
  return Math.abs(r - e) / ulp;
}

describe("the float scan's exp32 and softplus32 (compiler/ops/support/scan-math.ts)", () => {
  it("exp32: NaN, infinities, the clamps, subnormal and overflowing results", () => {
    expect(exp32(Number.NaN)).toBeNaN();
    expect(exp32(Infinity)).toBe(Infinity);
    expect(Object.is(exp32(-Infinity), 0)).toBe(true);
    expect(exp32(89)).toBe(Infinity);
    expect(exp32(1e30)).toBe(Infinity);
    expect(Object.is(exp32(-104), 0)).toBe(true);
    expect(Object.is(exp32(-1e30), 0)).toBe(true);
    expect(exp32(0)).toBe(1);
    expect(exp32(-0)).toBe(1);
    // The largest float32 below ln(FLT_MAX) rounds below overflow; the next one overflows.
    expect(exp32(88.72283935546875)).toBe(f32(Math.exp(88.72283935546875)));
    expect(exp32(f32(88.72284))).toBe(Infinity);
    // e^x at the least subnormal 2^-149, and deep among the subnormals: rounded once.
    expect(exp32(-103.27892303466797)).toBe(2 ** -149);
    expect(exp32(-100)).toBe(f32(Math.exp(-100)));
    const sub = exp32(-90);
    expect(sub > 0 && sub < 2 ** -126).toBe(true);
    expect(ulpError(sub, Math.exp(-90))).toBeLessThanOrEqual(1);
  });

  it("softplus32: the threshold 20, zeros, NaN, infinities, no overflow", () => {
    expect(softplus32(Number.NaN)).toBeNaN();
    expect(softplus32(Infinity)).toBe(Infinity);
    expect(Object.is(softplus32(-Infinity), 0)).toBe(true);
    expect(Object.is(softplus32(-200), 0)).toBe(true);
    expect(softplus32(f32(20 + 2 ** -19))).toBe(f32(20 + 2 ** -19));
    expect(softplus32(1e30)).toBe(1e30);
    // 20 itself takes the formula: 20 + e^-20 rounds to 20 in float32.
    expect(softplus32(20)).toBe(20);
    expect(softplus32(0)).toBe(f32(Math.LN2));
    expect(softplus32(-0)).toBe(f32(Math.LN2));
  });

  it("stay within the measured error of float64 exp and log1p(exp) (scan-math.ts's header)", () => {
    let worstExp = 0;
    let worstSoftplus = 0;
    for (const x of samples()) {
      if (x > -104 && x < 88.7) worstExp = Math.max(worstExp, ulpError(exp32(x), Math.exp(x)));
      if (x > -104 && x <= 20)
        worstSoftplus = Math.max(worstSoftplus, ulpError(softplus32(x), Math.log1p(Math.exp(x))));
    }
    expect(worstExp).toBeLessThanOrEqual(0.991);
    expect(worstSoftplus).toBeLessThanOrEqual(1.544);
  });

  it("the ES5 helpers qexp32 and qsoftplus32 are the reference bit for bit", () => {
    const { vars, fns } = resolveHelpers(["qexp32", "qsoftplus32"]);
    const w = new CodeWriter();
    for (const v of vars) w.line(`var ${v.name} = ${v.init};`);
    for (const f of fns) w.block(`function ${f.name}(${f.params.map((p) => p.name).join(", ")})`, () => w.text(f.body));
    w.line("return { qexp32: qexp32, qsoftplus32: qsoftplus32 };");
    const js = new Function(w.toString())() as Record<string, (x: number) => number>;
    const bad = samples().flatMap((x) => [
      ...(Object.is(js.qexp32(x), exp32(x)) ? [] : [`qexp32(${x})`]),
      ...(Object.is(js.qsoftplus32(x), softplus32(x)) ? [] : [`qsoftplus32(${x})`]),
    ]);
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("the wasm module's qexp32 and qsoftplus32, scalar and written out on f32x4, are the reference bit for bit", async () => {
    const e = await f32RoutineExports(
      ["qexp32", "qsoftplus32"],
      [
        ["qexp32", qexp32],
        ["qsoftplus32", qsoftplus32],
      ],
    );
    const xs = samples();
    const reference: Record<string, (x: number) => number> = { qexp32: exp32, qsoftplus32: softplus32 };
    const bad: string[] = [];
    for (let q = 0; q < xs.length; q++) {
      const quad = [xs[q], xs[(q * 7 + 3) % xs.length], xs[(q * 5 + 1) % xs.length], xs[(q * 3 + 2) % xs.length]];
      for (const fn of ["qexp32", "qsoftplus32"]) {
        const want = reference[fn](quad[q % 4]);
        if (!Object.is(e[fn](quad[q % 4]), want)) bad.push(`${fn}(${quad[q % 4]})`);
        if (!Object.is(e[`${fn}4_lane${q % 4}`](...quad), want)) bad.push(`${fn}4(${quad[q % 4]})`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("the four-channel float scan agrees with the js target on softplus and exp edge cases", async () => {
    // One direction of four channels (one f32x4), delta_bias 0 so that raw = delta: delta 0 (log1p32's
    // u = 2), 20 and above, below exp32's clamp -104, tiny, huge, a NaN at the last step, and
    // ordinary values; the js target is the reference's, and wasm the js target's, bit for bit.
    const N = 3;
    const zeros = (n: number) => ({ constant: new Array(n).fill(0), shape: [n] });
    const A = { constant: Array.from({ length: 4 * N }, (_, i) => Math.fround(-0.3 * (i + 1))), shape: [4, N] };
    const spec: KernelSpec = {
      kind: "SelectiveScan",
      domain: "ai.qmambair",
      attrs: { delta_softplus: int(1) },
      inputs: [
        { activation: shape(1, 4, "hw") },
        { activation: shape(1, 4, "hw") },
        A,
        { activation: shape(1, 1, N, "hw") },
        { activation: shape(1, 1, N, "hw") },
        { constant: [0.5, -1, 2, 0.25], shape: [4] },
        zeros(4),
      ],
      outputs: [shape(1, 4, "hw")],
    };
    const plan = oneKernelPlan(spec);
    const [h, w] = [5, 7];
    const L = h * w;
    const rnd = rng(9);
    const special = [
      [0, 20, 25, Math.fround(20.000002)],
      [-130, -50, 1e-9, -0],
      [1e30, -1e30, 0, Math.fround(-0.88137)],
    ];
    const delta = Array.from({ length: 4 * L }, (_, i) => {
      const [c, t] = [Math.floor(i / L), i % L];
      if (c === 3 && t === L - 1) return Number.NaN;
      return t % 4 === 0 ? special[(t / 4) % 3][c] : Math.fround(6 * rnd() - 4);
    });
    const deltaBuffer = (plan.kernels[0].inputs[1] as { buffer: number }).buffer;
    const js = runPlan(
      loadScript(emitJs(plan, { compilerVersion: "test" })),
      plan,
      h,
      w,
      3,
      new Map(),
      new Map([[deltaBuffer, delta]]),
    );
    const [expected] = reference(spec, plan, js.values, h, w);
    const off = [...js.outputs[0]].flatMap((v, i) =>
      Object.is(v, expected.values[i]) ? [] : [`js [${i}] ${v} vs ${expected.values[i]}`],
    );
    expect(off.slice(0, 5)).toEqual([]);
    for (const isa of ["mvp", "simd"] as const) {
      const wasm = runPlan(
        instantiate(await emit(plan, isa)),
        plan,
        h,
        w,
        3,
        new Map(),
        new Map([[deltaBuffer, delta]]),
      );
      const out = wasm.outputs[0];
      const bad = [...out].flatMap((v, i) =>
        Object.is(v, js.outputs[0][i]) ? [] : [`${isa} [${i}] ${v} vs ${js.outputs[0][i]}`],
      );
      expect(bad.slice(0, 5)).toEqual([]);
    }
    expect(Number.isNaN(js.outputs[0][4 * L - 1])).toBe(true);
  });
});
