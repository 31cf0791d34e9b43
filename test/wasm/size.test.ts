import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planModelFile } from "../../compiler/cli/load-plan.js";
import { functionBodySizes } from "../../compiler/diff/wasm-functions.js";
import { constantBytes, type KernelPlan } from "../../compiler/plan/kernel-plan.js";
import { loadBinaryen } from "../../targets/wasm/binaryen.js";
import type { Isa } from "../../targets/wasm/kernels/types.js";
import { emit, ISAS } from "./support.js";

/** Issue 5's budget: the .wasm is at most its packed weights (the plan's constant bytes) plus this. */
const CODE_BUDGET = 150 * 1024;
const LIGHT = join(import.meta.dirname, "..", "..", "samples", "models", "qmambair-light-sr2-w4a4", "model.onnx");

/** The function qmc_run calls for each kernel, in plan order (it calls one per kernel). */
async function calledFunctions(bytes: Uint8Array): Promise<string[]> {
  const b = await loadBinaryen();
  const m = b.readBinary(bytes);
  try {
    const run = b.emitText(b.getFunctionInfo(m.getFunction("qmc_run")).body);
    return [...run.matchAll(/\(call \$([^\s)]+)/g)].map((x) => x[1]);
  } finally {
    m.dispose();
  }
}

describe.skipIf(!existsSync(LIGHT))("wasm artifact size (the benchmark model, 1100 kernels)", () => {
  let plan: KernelPlan;
  const emitted = new Map<Isa, Uint8Array>();
  beforeAll(() => {
    plan = planModelFile(LIGHT).plan;
  });

  for (const isa of ISAS) {
    it(`${isa}: at most the packed weights plus 150 KiB; kernels differing only in data share a function`, async () => {
      const bytes = await emit(plan, isa);
      emitted.set(isa, bytes);
      const constants = constantBytes(plan);
      expect(bytes.length).toBeLessThanOrEqual(constants + CODE_BUDGET);

      const called = await calledFunctions(bytes);
      expect(called.length).toBe(plan.kernels.length);
      expect(functionBodySizes(bytes).size).toBeLessThan(plan.kernels.length / 10);
      // The 24 token x weight matmuls of [72, 60]: their weights, weight scales and activation
      // quantizers all differ, their shapes and bit-widths do not.
      const same = plan.kernels.flatMap((k, i) =>
        k.kind === "QMatMul" && k.inputShapes[1]?.map((d) => d.c).join("x") === "72x60" ? [i] : [],
      );
      expect(same.length).toBe(24);
      const params = new Set(same.map((i) => JSON.stringify(plan.kernels[i].params)));
      const weights = new Set(same.map((i) => JSON.stringify(plan.kernels[i].inputs[1])));
      expect([params.size, weights.size]).toEqual([24, 24]);
      expect(new Set(same.map((i) => called[i])).size).toBe(1);
    });
  }

  it("is deterministic, shared functions included", async () => {
    expect(await emit(plan, "relaxed")).toEqual(emitted.get("relaxed"));
  });
});
