import { describe, expect, it } from "vitest";
import { transpileTypeScript } from "../../runtime/node/typescript.js";
import { emitJs } from "../../targets/js/emit.js";
import { emitTs } from "../../targets/ts/emit.js";
import { INTEGER_CASES, integerReference } from "../wasm/integer-cases.js";
import { CASES } from "./cases.js";
import { type Artifact, loadScript, oneKernelPlan, reference, runPlan } from "./harness.js";

const SIZES: [number, number][] = [
  [5, 7],
  [8, 6],
];

function expectClose(actual: Float32Array, expected: ArrayLike<number>, exact: boolean): void {
  expect(actual.length).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < actual.length && bad.length < 5; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = exact
      ? Object.is(a, e)
      : (Number.isNaN(a) && Number.isNaN(e)) || Math.abs(a - e) <= 1e-6 + 1e-5 * Math.abs(e);
    if (!ok) bad.push(`[${i}] ${a} vs ${e}`);
  }
  expect(bad).toEqual([]);
}

describe("js kernels agree with the reference ops", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const plan = oneKernelPlan(c.spec);
      const art = loadScript(emitJs(plan, { compilerVersion: "test" }));
      const ranges = new Map(
        Object.entries(c.ranges ?? {}).map(([i, r]) => {
          const op = plan.kernels[0].inputs[Number(i)] as { buffer: number };
          return [op.buffer, r] as [number, [number, number]];
        }),
      );
      SIZES.forEach(([h, w], s) => {
        const { values, outputs } = runPlan(art, plan, h, w, 100 + s, ranges);
        const expected = reference(c.spec, plan, values, h, w);
        for (const [k, out] of outputs.entries()) expectClose(out, expected[k].values, c.exact === true);
      });
    });
  }
});

describe("js and ts integer kernels agree bit for bit with the reference ops", () => {
  // The ts artifact, transpiled and loaded as CommonJS (it exports the ABI object as default).
  const loadTs = async (source: string): Promise<Artifact> => {
    const module = { exports: {} as { default: Artifact } };
    new Function("module", "exports", await transpileTypeScript(source))(module, module.exports);
    return module.exports.default;
  };
  for (const c of INTEGER_CASES) {
    it(c.name, async () => {
      const js = loadScript(emitJs(c.plan, { compilerVersion: "test" }));
      const ts = await loadTs(emitTs(c.plan, { compilerVersion: "test" }));
      // The wasm kernel tests' sizes: an odd edge, a plain one, a wide one.
      for (const [h, w] of [
        [1, 7],
        [6, 5],
        [3, 14],
      ]) {
        const a = runPlan(js, c.plan, h, w, 7);
        const b = runPlan(ts, c.plan, h, w, 7);
        const expected = integerReference(c.plan, a.values, h, w);
        a.outputs.forEach((out, k) => {
          expectClose(out, expected[k].values, true);
          expectClose(b.outputs[k], out, true);
        });
      }
    });
  }
});
