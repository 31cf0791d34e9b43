import { describe, expect, it } from "vitest";
import { emitJs } from "../../targets/js/emit.js";
import { WASM_KERNELS } from "../../targets/wasm/kernels/index.js";
import { CASES } from "../targets/cases.js";
import { int, type KernelSpec, loadScript, oneKernelPlan, reference, runPlan, shape, str } from "../targets/harness.js";
import { INTEGER_CASES } from "./integer-cases.js";
import { emit, hostHasRelaxedSimd, ISAS, instantiate } from "./support.js";

// A width of 21 lets the SIMD convolution rows run register blocks between the border columns.
const SIZES: [number, number][] = [
  [5, 7],
  [8, 6],
  [3, 21],
];

describe("wasm kernels agree bit for bit with the js target", () => {
  const cases = CASES.filter((c) => WASM_KERNELS.has(c.spec.kind) && !c.wasmRefuses);
  for (const isa of ISAS) {
    for (const c of cases) {
      it(`${isa}: ${c.name}`, async () => {
        const plan = oneKernelPlan(c.spec);
        const bytes = await emit(plan, isa);
        if (isa === "relaxed" && !hostHasRelaxedSimd()) return;
        const wasm = instantiate(bytes);
        const js = loadScript(emitJs(plan, { compilerVersion: "test" }));
        const ranges = new Map(
          Object.entries(c.ranges ?? {}).map(([i, r]) => {
            const op = plan.kernels[0].inputs[Number(i)] as { buffer: number };
            return [op.buffer, r] as [number, [number, number]];
          }),
        );
        SIZES.forEach(([h, w], s) => {
          const a = runPlan(wasm, plan, h, w, 100 + s, ranges);
          const b = runPlan(js, plan, h, w, 100 + s, ranges);
          a.outputs.forEach((out, k) => {
            const bad = [...out].flatMap((v, i) =>
              Object.is(v, b.outputs[k][i]) ? [] : [`[${i}] ${v} vs ${b.outputs[k][i]}`],
            );
            expect(bad.slice(0, 5)).toEqual([]);
          });
        });
      });
    }
  }
});

describe("wasm kernels refuse what they cannot reproduce, saying why", () => {
  for (const c of CASES.filter((k) => k.wasmRefuses)) {
    it(c.name, async () => {
      for (const isa of ISAS) await expect(emit(oneKernelPlan(c.spec), isa)).rejects.toThrow(c.wasmRefuses);
    });
  }
});

describe("DlsQuant statistics follow the lane order of compiler/quant/dls.ts on every target", () => {
  // Lane 0 holds 2^60 (its 1 is lost), lane 4 -2^60, the other lanes 2 each. The lane tree
  // ((0 1)(2 3))((4 5)(6 7)) loses the 2s next to +-2^60 and sums to 0; element order would give 3,
  // and a tree pairing lanes 0 and 4 first 12. beta = mu shows the mean in every output.
  const spec: KernelSpec = {
    kind: "DlsQuant",
    domain: "ai.qmambair",
    attrs: { bits: int(4), signed: int(1) },
    inputs: [{ activation: shape(1, 1, "h", "w") }, { constant: [0, 0, 0, 0, 1, 0, 0, 0], shape: [8] }],
    outputs: [shape(1, 1, "h", "w")],
  };
  const values = Array.from({ length: 16 }, (_, i) => (i === 0 ? 2 ** 60 : i === 12 ? -(2 ** 60) : i === 4 ? 0 : 1));
  for (const isa of ISAS) {
    it(`${isa}: the lanes' mean of 2^60 and -2^60 among ones is 0`, async () => {
      const plan = oneKernelPlan(spec);
      const bytes = await emit(plan, isa);
      if (isa === "relaxed" && !hostHasRelaxedSimd()) return;
      const given = new Map([[(plan.kernels[0].inputs[0] as { buffer: number }).buffer, values]]);
      const [wasm] = runPlan(instantiate(bytes), plan, 2, 8, 1, new Map(), given).outputs;
      const js = runPlan(loadScript(emitJs(plan, { compilerVersion: "test" })), plan, 2, 8, 1, new Map(), given);
      const [ref] = reference(spec, plan, js.values, 2, 8);
      expect([...wasm]).toEqual([...js.outputs[0]]);
      expect([...js.outputs[0]]).toEqual([...ref.values]);
      expect(wasm[1]).toBeCloseTo(0, 4);
    });
  }
});

describe("DlsQuant's clips keep the js target's signed zeros and NaN", () => {
  // beta = +0 (w21..w24 are 0) and alpha = sd: -0 quantizes to +0, whose value min(+0, max) is the
  // maximum -0 itself; small negatives round to code -0. One NaN element makes every output NaN.
  const spec: KernelSpec = {
    kind: "DlsQuant",
    domain: "ai.qmambair",
    attrs: { bits: int(2), signed: int(1) },
    inputs: [{ activation: shape(1, 1, "h", "w") }, { constant: [0, 1, 0, 0, 0, 0, 0, 0], shape: [8] }],
    outputs: [shape(1, 1, "h", "w")],
  };
  const zeros = [-0, -1e-30, -0.25, -3, -0, -1e-3, -7, -0.5, -1, -0, -2.5, -0.1, -6, -0, -4, -1e-6];
  const withNaN = zeros.map((v, i) => (i === 5 ? Number.NaN : v + 1));
  for (const isa of ISAS) {
    it(`${isa}: a maximum of -0, and a NaN element`, async () => {
      const plan = oneKernelPlan(spec);
      const bytes = await emit(plan, isa);
      if (isa === "relaxed" && !hostHasRelaxedSimd()) return;
      const js = loadScript(emitJs(plan, { compilerVersion: "test" }));
      const input = (plan.kernels[0].inputs[0] as { buffer: number }).buffer;
      for (const values of [zeros, withNaN]) {
        const given = new Map([[input, values]]);
        const [a] = runPlan(instantiate(bytes), plan, 2, 8, 1, new Map(), given).outputs;
        const [b] = runPlan(js, plan, 2, 8, 1, new Map(), given).outputs;
        expect([...a].flatMap((v, i) => (Object.is(v, b[i]) ? [] : [`[${i}] ${v} vs ${b[i]}`]))).toEqual([]);
        expect(Object.is(a[0], values === zeros ? -0 : Number.NaN)).toBe(true);
      }
    });
  }
});

describe("nearest Resize turns -0 into +0 as the js target's f64 sum does", () => {
  // 0 + 1 * -0 is +0: the gather adds +0 to each copied element rather than moving its bits.
  const spec: KernelSpec = {
    kind: "Resize",
    attrs: { mode: str("nearest"), coordinate_transformation_mode: str("asymmetric"), nearest_mode: str("floor") },
    inputs: [{ activation: shape(1, 1, "h", "w") }, null, { constant: [1, 1, 2, 3], shape: [4] }],
    outputs: [shape(1, 1, { c: 0, h: 2, w: 0, hw: 0 }, { c: 0, h: 0, w: 3, hw: 0 })],
  };
  const values = [-0, 1.5, -0, -2, 0, -0, 3, -0, -0, -1, 2, -0, 0, -0, -0.5, 4];
  for (const isa of ISAS) {
    it(`${isa}: a 2x8 input with -0 elements`, async () => {
      const plan = oneKernelPlan(spec);
      const bytes = await emit(plan, isa);
      if (isa === "relaxed" && !hostHasRelaxedSimd()) return;
      const js = loadScript(emitJs(plan, { compilerVersion: "test" }));
      const input = (plan.kernels[0].inputs[0] as { buffer: number }).buffer;
      const given = new Map([[input, values]]);
      const [a] = runPlan(instantiate(bytes), plan, 2, 8, 1, new Map(), given).outputs;
      const [b] = runPlan(js, plan, 2, 8, 1, new Map(), given).outputs;
      expect([...a].flatMap((v, i) => (Object.is(v, b[i]) ? [] : [`[${i}] ${v} vs ${b[i]}`]))).toEqual([]);
      expect(Object.is(a[0], 0)).toBe(true);
    });
  }
});

describe("Clip keeps the js target's signed zeros and NaN in float32 lanes", () => {
  // Bounds 0 and 2 (lower-fake-quant's for a uint8 grid with zero point 0): max(-0, +0) is +0, a
  // NaN element stays NaN, and 16 elements run four f32x4 steps.
  const spec: KernelSpec = {
    kind: "Clip",
    inputs: [{ activation: shape(1, 1, "h", "w") }, { constant: [0], shape: [] }, { constant: [2], shape: [] }],
    outputs: [shape(1, 1, "h", "w")],
  };
  const values = [-0, 0, -1, 3, Number.NaN, 1.5, -0, 2, -Infinity, Infinity, -1e-30, 1e-30, -0, 0.5, 2.5, -0];
  for (const isa of ISAS) {
    it(`${isa}: a 2x8 input with -0, NaN and infinite elements`, async () => {
      const plan = oneKernelPlan(spec);
      const bytes = await emit(plan, isa);
      if (isa === "relaxed" && !hostHasRelaxedSimd()) return;
      const js = loadScript(emitJs(plan, { compilerVersion: "test" }));
      const input = (plan.kernels[0].inputs[0] as { buffer: number }).buffer;
      const given = new Map([[input, values]]);
      const [a] = runPlan(instantiate(bytes), plan, 2, 8, 1, new Map(), given).outputs;
      const [b] = runPlan(js, plan, 2, 8, 1, new Map(), given).outputs;
      expect([...a].flatMap((v, i) => (Object.is(v, b[i]) ? [] : [`[${i}] ${v} vs ${b[i]}`]))).toEqual([]);
      expect([...a].slice(0, 6)).toEqual([0, 0, 0, 2, Number.NaN, 1.5]);
      expect(Object.is(a[0], 0)).toBe(true);
    });
  }
});

describe("wasm integer kernels agree bit for bit with the js target", () => {
  for (const isa of ISAS) {
    for (const c of INTEGER_CASES) {
      it(`${isa}: ${c.name}`, async () => {
        const bytes = await emit(c.plan, isa);
        if (isa === "relaxed" && !hostHasRelaxedSimd()) return;
        const wasm = instantiate(bytes);
        const js = loadScript(emitJs(c.plan, { compilerVersion: "test" }));
        // An odd edge size (1 x 7: every 3x3 tap row but one falls outside), a plain one, wide ones
        // where the SIMD kernels run lane blocks between the border columns and a tail, and widths of
        // one block, just over one, and two and a bit.
        for (const [h, w] of [
          [1, 7],
          [6, 5],
          [3, 14],
          [2, 8],
          [4, 9],
          [2, 19],
        ]) {
          const a = runPlan(wasm, c.plan, h, w, 7);
          const b = runPlan(js, c.plan, h, w, 7);
          a.outputs.forEach((out, k) => {
            const bad = [...out].flatMap((v, i) =>
              Object.is(v, b.outputs[k][i]) ? [] : [`[${i}] ${v} vs ${b.outputs[k][i]}`],
            );
            expect(bad.slice(0, 5)).toEqual([]);
          });
        }
      });
    }
  }
});
