import { describe, expect, it } from "vitest";
import { sigmoid } from "../../compiler/ops/support/activation.js";
import { erf } from "../../compiler/ops/support/erf.js";
import { roundHalfEven } from "../../compiler/quant/rounding.js";
import { type HelperName, resolveHelpers } from "../../targets/js/runtime/helpers.js";
import { CodeWriter } from "../../targets/shared/code-writer.js";
import { rng } from "../support/random.js";

/** The named ES5 helpers, evaluated, as plain functions. */
function helpers(names: HelperName[]): Record<string, (...x: number[]) => number> {
  const { vars, fns } = resolveHelpers(names);
  const w = new CodeWriter();
  for (const v of vars) w.line(`var ${v.name} = ${v.init};`);
  for (const f of fns) w.block(`function ${f.name}(${f.params.map((p) => p.name).join(", ")})`, () => w.text(f.body));
  w.line(`return { ${fns.map((f) => `${f.name}: ${f.name}`).join(", ")} };`);
  return new Function(w.toString())();
}

/** Arguments across the interesting ranges: tiny, around 0 and 1, large, and the special values. */
function samples(): number[] {
  const rnd = rng(7);
  const xs = [0, -0, 1, -1, 0.5, -0.5, 1e-30, -1e-30, 700, -700, 709.7, -745, 1e300, Infinity, -Infinity, NaN];
  for (let i = 0; i < 20000; i++) {
    const mag = 10 ** (rnd() * 12 - 9);
    xs.push((rnd() < 0.5 ? -1 : 1) * mag, rnd() * 60 - 30, rnd() * 2 - 1);
  }
  return xs;
}

describe("ES5 runtime math", () => {
  const m = helpers(["qexp", "qlog1p", "qtanh", "qerf", "qsigmoid", "f32", "roundHalfEven"]);
  it("qexp is bit-identical to Node's Math.exp (both fdlibm)", () => {
    const bad = samples().filter((x) => !Object.is(m.qexp(x), Math.exp(x)));
    expect(bad.slice(0, 5)).toEqual([]);
  });
  it("qlog1p is bit-identical to Node's Math.log1p", () => {
    const bad = samples()
      .filter((x) => x > -1)
      .concat([-1, -2, -0.9999])
      .filter((x) => !Object.is(m.qlog1p(x), Math.log1p(x)));
    expect(bad.slice(0, 5)).toEqual([]);
  });
  it("qerf is the reference interpreter's erf bit for bit", () => {
    const xs = samples().concat([6, -6, 3.919205904006958, 3.9192056, 0.99999994, -0.99999994, 5e-324, 1e-45]);
    const bad = xs.filter((x) => !Object.is(m.qerf(x), erf(x)));
    expect(bad.slice(0, 5)).toEqual([]);
  });
  it("qsigmoid is the reference interpreter's float32 sigmoid bit for bit", () => {
    const xs = samples().concat([104, -104, 103.97, -103.97, 88.7, -88.7, 1e-45, -1e-45]);
    const bad = xs.filter((x) => !Object.is(m.qsigmoid(x), sigmoid(x)));
    expect(bad.slice(0, 5)).toEqual([]);
  });
  it("qtanh is within 2 ulp-ish of Math.tanh", () => {
    for (const x of samples()) {
      const e = Math.tanh(x);
      if (Number.isNaN(e)) expect(m.qtanh(x)).toBeNaN();
      else expect(Math.abs(m.qtanh(x) - e)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(e)) + 4e-16 * Math.abs(e));
    }
  });
  it("qexpm1 is within 2.3e-11 relative of Math.expm1, and float32-rounds as it does", () => {
    const e1 = helpers(["qexpm1"]).qexpm1;
    const xs = samples().concat([1e-5, -1e-5, 9.999999e-6, -9.999999e-6, 5e-324, -5e-324]);
    for (const x of xs) {
      const e = Math.expm1(x);
      if (Number.isNaN(e)) expect(e1(x)).toBeNaN();
      else if (!Number.isFinite(e)) expect(e1(x)).toBe(e);
      else expect(Math.abs(e1(x) - e)).toBeLessThanOrEqual(2.3e-11 * Math.abs(e) + 1e-300);
    }
    // Over float32 arguments the rounded results agree with Math.expm1's but for rare ties.
    const f32s = xs.map(Math.fround);
    const differ = f32s.filter((x) => !Object.is(Math.fround(e1(x)), Math.fround(Math.expm1(x))));
    expect(differ.length).toBeLessThanOrEqual(f32s.length * 1e-3);
  });
  it("qlog of every kind of float32 is within about an ulp (2.3e-16 relative) of Math.log", () => {
    const lg = helpers(["qlog"]).qlog;
    const xs = samples()
      .map(Math.fround)
      .concat([
        1.401298464324817e-45,
        1.1754942106924411e-38,
        3.4028234663852886e38,
        0.70710677,
        Math.fround(Math.SQRT2),
        0.99999994,
      ]);
    for (const x of xs) {
      const e = Math.log(x);
      if (Number.isNaN(e)) expect(lg(x)).toBeNaN();
      else if (!Number.isFinite(e)) expect(lg(x)).toBe(e);
      else expect(Math.abs(lg(x) - e)).toBeLessThanOrEqual(2.3e-16 * Math.abs(e) + 1e-300);
    }
  });
  it("f32 and roundHalfEven match Math.fround and the quantizers' rounding", () => {
    for (const x of samples()) {
      expect(Object.is(m.f32(x), Math.fround(x))).toBe(true);
      expect(Object.is(m.roundHalfEven(x * 7.5), roundHalfEven(x * 7.5))).toBe(true);
    }
  });
});
