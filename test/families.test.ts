import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TARGETS, targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { Interpreter } from "../compiler/interp/interpreter.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { compareTensors, MODEL_TOLERANCE } from "../compiler/verify/compare.js";
import { goldenSetDirs, readGoldenSet } from "../compiler/verify/golden.js";
import { loadEngine } from "../runtime/core/index.js";
import { transpileTypeScript } from "../runtime/node/typescript.js";
import { hashInDuktape, hashInNode } from "./support/artifact-run.js";
import { hostHasRelaxedSimd } from "./wasm/support.js";

/**
 * The conv SR families people download (exporter/families.py: ESPCN, SRCNN, SRVGG-compact, EDSR),
 * exported by PyTorch at a fixed size and with dynamic H/W: each compiles for every target, and every
 * target reproduces onnxruntime's golden outputs within the model tolerance (as `qmc verify --target`).
 */
const models = join(import.meta.dirname, "..", "samples", "models");
const families = readdirSync(models).filter((d) => /^(espcn|srcnn|srvgg|edsr)-x\d-(fixed|dyn)$/.test(d));

it("the four families are present, fixed and dynamic", () => {
  expect(families.length).toBe(8);
});

describe.each(families)("%s", (dir) => {
  const file = join(models, dir, "model.onnx");
  const sets = goldenSetDirs(join(models, dir)).map(readGoldenSet);
  const { plan, model } = planModelFile(file);

  it("is planned at its declared size, or for any size", () => {
    const fixed = dir.endsWith("-fixed");
    const { h, w } = plan.model.inputSize;
    expect(fixed ? [h, w] : [null, null]).toEqual(fixed ? sets[0].inputs[0].shape.slice(2) : [h, w]);
  });

  it("the reference interpreter reproduces onnxruntime", () => {
    const interpreter = new Interpreter(model, file);
    for (const s of sets) {
      const c = compareTensors(interpreter.run(s.inputs)[0], s.outputs[0], MODEL_TOLERANCE);
      expect(c.reason ?? "ok").toBe("ok");
    }
  });

  for (const target of TARGETS.keys()) {
    it(`${target} reproduces onnxruntime`, async () => {
      const artifact = await targetNamed(target).emit(plan);
      if (target === "wasm-relaxed" && !hostHasRelaxedSimd()) return;
      const engine = await loadEngine(artifact, { transpile: transpileTypeScript });
      for (const s of sets) {
        const x = s.inputs[0];
        const [, c, h, w] = x.shape;
        engine.prepare(h, w);
        engine.input().set(x.values);
        engine.run();
        const { scale } = engine.meta;
        const y = new Tensor("float32", [1, c === 1 ? 1 : 3, h * scale, w * scale], Float32Array.from(engine.output()));
        const cmp = compareTensors(y, s.outputs[0], MODEL_TOLERANCE);
        expect(cmp.reason ?? "ok").toBe("ok");
      }
    });
  }
});

describe.runIf(spawnSync("duk", ["-e", "print(1)"]).status === 0)("the ES5 artifact under Duktape", () => {
  it("a fixed-size family model gives Node's output byte for byte at its size", async () => {
    const { plan } = planModelFile(join(models, "espcn-x3-fixed", "model.onnx"));
    const js = (await targetNamed("js").emit(plan)) as string;
    const [h, w] = [plan.model.inputSize.h, plan.model.inputSize.w];
    if (h === null || w === null) throw new Error("espcn-x3-fixed is expected to have a fixed size");
    const node = hashInNode(js, h, w);
    expect(node).toMatch(/^qmc-output-hash \d+ \d+$/);
    expect(hashInDuktape(js, h, w)).toBe(node);
  });
});

it("every family folder has goldens", () => {
  for (const dir of families) expect(existsSync(join(models, dir, "test_data_set_0", "output_0.pb"))).toBe(true);
});
