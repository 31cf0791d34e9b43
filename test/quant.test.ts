import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import { readModelFile } from "../compiler/onnx/decode.js";
import { actQuantize } from "../compiler/quant/act.js";
import { dlsParams, dlsQuantize } from "../compiler/quant/dls.js";
import { rfaCodes } from "../compiler/quant/rfa.js";
import { roundHalfEven } from "../compiler/quant/rounding.js";
import { compareTensors } from "../compiler/verify/compare.js";
import { goldenSetDirs, readGoldenSet } from "../compiler/verify/golden.js";

describe("rounding", () => {
  it("rounds half to even", () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([-2, -2, -0, 0, 2, 2, 2, 3]);
  });
});

describe("ActQuant", () => {
  it("quantizes on the affine grid with ties to even and clipping", () => {
    // alpha 0.5, beta 0.25, 2-bit signed: codes -2..1; (x + 0.25) / 0.5
    const y = actQuantize([0, 0.5, -0.5, 10, -10, -0.75], 0.5, 0.25, 2, true);
    // 0 -> 0.5 -> 0 (tie to even); 0.5 -> 1.5 -> 1 (clip at Qp); -0.5 -> -0.5 -> -0; -0.75 -> -1 exactly
    expect(Array.from(y)).toEqual([-0.25, 0.25, -0.25, 0.25, -1.25, -0.75]);
  });

  it("takes a negative alpha (QAT can drive it through zero) as the formula does", () => {
    // alpha -0.5, beta 0.25, 2-bit signed: (x + 0.25) / -0.5 -> codes -2..1, then q * -0.5 - 0.25
    const y = actQuantize([0, 0.5, -0.5, 10, -10], -0.5, 0.25, 2, true);
    // 0 -> -0.5 -> -0 (tie to even); 0.5 -> -1.5 -> -2; -0.5 -> 0.5 -> 0; 10 -> -2 (clip); -10 -> 1 (clip)
    expect(Array.from(y)).toEqual([-0.25, 0.75, -0.25, 0.75, -0.75]);
  });
});

describe("DlsQuant", () => {
  const w = [0, 3 / 7, 0, 0, -1, 0, 0, 0]; // the paper's start for 4-bit signed: beta = -mean, alpha = 3 sd / Qp
  it("derives beta and alpha from the whole tensor's statistics", () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8];
    const p = dlsParams(x, w, 4, true);
    expect(p.beta).toBeCloseTo(-4.5, 6);
    const sd = Math.sqrt(42 / 7);
    expect(p.alpha).toBeCloseTo(Math.min((3 * sd) / 7, 7 / 16), 6);
    expect([p.min, p.max]).toEqual([1, 8]);
  });
  it("clips dequantized values into [min, max]", () => {
    const x = [0, 0.1, 0.2, 0.3, 10];
    const y = dlsQuantize(x, w, 2, true);
    for (const v of y) expect(v >= 0 && v <= 10).toBe(true);
  });
  it("maps a constant tensor to itself (alpha = 0 guard), never NaN", () => {
    const y = dlsQuantize([0.7, 0.7, 0.7], w, 4, true);
    expect(Array.from(y)).toEqual([Math.fround(0.7), Math.fround(0.7), Math.fround(0.7)]);
  });
});

describe("RfaQuant", () => {
  it("with initial points is rounding with ties going down", () => {
    const a = [-2, -1, 0, 1];
    expect(Array.from(rfaCodes([-0.5, 0.5, 0.49, 0.51, -1.5, 5, -5], 1, 0, a, 2))).toEqual([-1, 0, 0, 1, -2, 1, -2]);
  });
  it("moves thresholds with the allocation points", () => {
    // thresholds at (-2-0.2)/2 = -1.1, (-0.2+0.9)/2 = 0.35, (0.9+1)/2 = 0.95
    const a = [-2, -0.2, 0.9, 1];
    expect(Array.from(rfaCodes([-1.1, -1.09, 0.35, 0.36, 0.95, 0.96], 1, 0, a, 2))).toEqual([-2, -1, -1, 0, 0, 1]);
  });
});

const cases = join(import.meta.dirname, "..", "samples", "quant-cases");
const dirs = existsSync(cases) ? readdirSync(cases, { withFileTypes: true }).filter((d) => d.isDirectory()) : [];
/** The exporter's recorded PyTorch cases: the reference must give exactly PyTorch's values (same codes). */
describe("recorded PyTorch quantizer cases (samples/quant-cases)", () => {
  it("cover ActQuant, DlsQuant and RfaQuant at 2, 4 and 8 bits", () => {
    const names = dirs.map((d) => d.name);
    for (const op of ["act", "dls", "rfa"])
      for (const b of [2, 4, 8]) expect(names.some((n) => n.startsWith(`${op}_b${b}`))).toBe(true);
  });
  it.each(dirs.map((d) => d.name))("%s", (name) => {
    const dir = join(cases, name);
    const model = readModelFile(join(dir, "model.onnx"));
    for (const setDir of goldenSetDirs(dir)) {
      const golden = readGoldenSet(setDir);
      const actual = new Interpreter(model).run(golden.inputs);
      golden.outputs.forEach((expected, i) => {
        expect(compareTensors(actual[i], expected, { rtol: 0, atol: 0 })).toMatchObject({ ok: true, maxAbs: 0 });
      });
    }
  });
});
