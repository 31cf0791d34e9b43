import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TARGETS, targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { compareTensors, MODEL_TOLERANCE } from "../compiler/verify/compare.js";
import { goldenSetDirs, readGoldenSet } from "../compiler/verify/golden.js";
import { loadEngine } from "../runtime/core/index.js";
import { transpileTypeScript } from "../runtime/node/typescript.js";
import { hostHasRelaxedSimd } from "./wasm/support.js";

/**
 * Nets exported by PyTorch's dynamo exporter (torch.onnx.export's default since 2.9; opset 20), with
 * what it writes that the TorchScript exporter did not: Mish, Softplus's threshold as Greater and
 * Where on a bool, and circular padding as Pad's wrap mode (exporter/probe_nets.py --exporter dynamo).
 * Every target reproduces onnxruntime's golden output within the model tolerance, as `qmc verify`.
 */
const fixtures = join(import.meta.dirname, "fixtures", "dynamo");
const exports = readdirSync(fixtures);

it("the dynamo exports are present", () => {
  expect(exports.sort()).toEqual(["circular-dyn", "swish-dyn"]);
});

describe.each(exports)("%s", (dir) => {
  const { plan } = planModelFile(join(fixtures, dir, "model.onnx"));
  const sets = goldenSetDirs(join(fixtures, dir)).map(readGoldenSet);

  it.each([...TARGETS.keys()])("%s reproduces onnxruntime", async (target) => {
    if (target === "wasm-relaxed" && !hostHasRelaxedSimd()) return;
    const engine = await loadEngine(await targetNamed(target).emit(plan), { transpile: transpileTypeScript });
    for (const s of sets) {
      const [, c, h, w] = s.inputs[0].shape;
      engine.prepare(h, w);
      engine.input().set(s.inputs[0].values);
      engine.run();
      const { scale } = engine.meta;
      const y = new Tensor("float32", [1, c, h * scale, w * scale], Float32Array.from(engine.output()));
      expect(compareTensors(y, s.outputs[0], MODEL_TOLERANCE).reason ?? "ok").toBe("ok");
    }
  });
});
