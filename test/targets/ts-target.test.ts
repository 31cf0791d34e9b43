import ts from "typescript";
import { describe, expect, it } from "vitest";
import { emitJs } from "../../targets/js/emit.js";
import { emitTs } from "../../targets/ts/emit.js";
import { rng } from "../support/random.js";
import { strictTypeErrors } from "../support/strict-types.js";
import { CASES } from "./cases.js";
import { chainPlan } from "./chain-plan.js";
import { type Artifact, loadScript, oneKernelPlan } from "./harness.js";

const OPTIONS = { compilerVersion: "0.1.0-test" };

/** Transpiles a ts artifact to CommonJS and loads it. */
function loadTs(source: string): Artifact {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  });
  const module = { exports: {} as { qmc: Artifact } };
  new Function("module", "exports", outputText)(module, module.exports);
  return module.exports.qmc;
}

describe("ts artifact", () => {
  it("type-checks under strict: the whole network and every kernel case", () => {
    const files = new Map<string, string>([["/chain.ts", emitTs(chainPlan(), OPTIONS)]]);
    for (const [i, c] of CASES.entries()) files.set(`/case${i}.ts`, emitTs(oneKernelPlan(c.spec), OPTIONS));
    expect(strictTypeErrors(files)).toEqual([]);
  }, 60_000);

  it("is deterministic and exports the ABI by name and as default", () => {
    const text = emitTs(chainPlan(), OPTIONS);
    expect(emitTs(chainPlan(), OPTIONS)).toBe(text);
    expect(text).toContain("export const qmc = {");
    expect(text).toContain("export default qmc;");
    expect(text).toMatch(/function conv_c3_o12_k3x3_p1_g1\(x: Float32Array, wt: Float32Array/);
  });

  it("gives byte-identical outputs to the js artifact on the same plan", () => {
    const plan = chainPlan();
    const js = loadScript(emitJs(plan, OPTIONS));
    const tsArt = loadTs(emitTs(plan, OPTIONS));
    expect(tsArt.meta).toMatchObject({ ...js.meta, target: "ts" });
    const rnd = rng(9);
    const pixels = Uint8Array.from({ length: 10 * 7 * 3 }, () => Math.floor(rnd() * 256));
    const a = js.restore(pixels, 10, 7, 3, { tile: 5, overlap: 1 });
    const b = tsArt.restore(pixels, 10, 7, 3, { tile: 5, overlap: 1 });
    expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true);
    // And the raw float32 output bytes of one run.
    for (const art of [js, tsArt]) expect(art.qmc_prepare(6, 9)).toBe(0);
    for (const art of [js, tsArt]) {
      const input = new Float32Array(art.memory, art.qmc_input(), 3 * 6 * 9);
      for (let i = 0; i < input.length; i++) input[i] = (i % 17) / 16;
      expect(art.qmc_run()).toBe(0);
    }
    const out = (art: Artifact) => Buffer.from(new Uint8Array(art.memory, art.qmc_output(), 4 * 3 * 12 * 18));
    expect(out(tsArt).equals(out(js))).toBe(true);
  });
});
