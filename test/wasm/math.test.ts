import { describe, expect, it } from "vitest";
import { loadBinaryen } from "../../targets/wasm/binaryen.js";
import { addMathFunctions } from "../../targets/wasm/math.js";
import { random } from "../targets/harness.js";
import { WASM } from "./support.js";

/** The module's math functions, exported on their own. */
async function mathModule(): Promise<Record<string, (x: number) => number>> {
  const b = await loadBinaryen();
  const m = new b.Module();
  try {
    const names = ["qexp", "qlog1p", "qtanh"] as const;
    addMathFunctions(b, m, new Set(names));
    for (const n of names) m.addFunctionExport(n, n);
    expect(m.validate()).toBeTruthy();
    const { exports } = new WASM.Instance(new WASM.Module(m.emitBinary()), {});
    return exports as Record<string, (x: number) => number>;
  } finally {
    m.dispose();
  }
}

describe("wasm math", () => {
  it("exp and log1p are bit-identical to Node's Math.exp and Math.log1p (fdlibm)", async () => {
    const { qexp, qlog1p } = await mathModule();
    const rnd = random(5);
    const xs = [0, -0, 1, -1, 1e-300, 709.78, 709.79, -745.1, -746, 0.5, -0.5, 1e-9, Infinity, -Infinity, Number.NaN];
    for (let i = 0; i < 20000; i++) xs.push((rnd() - 0.5) * 2 ** Math.floor(rnd() * 24 - 12));
    const bad = xs.filter((x) => !Object.is(qexp(x), Math.exp(x)));
    expect(bad.slice(0, 5)).toEqual([]);
    const logs = xs.filter((x) => x > -1 || Number.isNaN(x)).concat([-1, -0.9999, -0.29, 1e300]);
    const badLog = logs.filter((x) => !Object.is(qlog1p(x), Math.log1p(x)));
    expect(badLog.slice(0, 5)).toEqual([]);
  });

  it("tanh is within 4e-16 relative of Math.tanh and odd", async () => {
    const { qtanh } = await mathModule();
    for (const x of [-30, -3, -0.5, -1e-5, 0, 1e-5, 0.5, 3, 30]) {
      expect(Math.abs(qtanh(x) - Math.tanh(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(Math.tanh(x))));
      expect(qtanh(-x) + qtanh(x)).toBe(0);
    }
  });
});
