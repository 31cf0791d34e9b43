import { describe, expect, it } from "vitest";
import { emitJs } from "../../targets/js/emit.js";
import { WASM_KERNELS } from "../../targets/wasm/kernels/index.js";
import { CASES } from "../targets/cases.js";
import { loadScript, oneKernelPlan, runPlan } from "../targets/harness.js";
import { INTEGER_CASES } from "./integer-cases.js";
import { emit, hostHasRelaxedSimd, ISAS, instantiate } from "./support.js";

// A width of 21 lets the SIMD convolution rows run register blocks between the border columns.
const SIZES: [number, number][] = [
  [5, 7],
  [8, 6],
  [3, 21],
];

describe("wasm kernels agree bit for bit with the js target", () => {
  const cases = CASES.filter((c) => WASM_KERNELS.has(c.spec.kind));
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
