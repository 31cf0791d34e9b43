import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { Interpreter } from "../compiler/interp/interpreter.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { readModelFile } from "../compiler/onnx/decode.js";
import { toByte } from "../runtime/core/image.js";
import { loadModel } from "../runtime/core/index.js";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./support/onnx-builder.js";
import { rng } from "./support/random.js";

/**
 * Models whose output has other channels than their input (a luma net fed RGB, a colouriser fed
 * gray): every artifact reports out_channels, and the runtime's images, tiled or not, have them.
 * A 1x1 conv has no context across tile borders, so tiled runs give the whole image's bytes.
 */

function writeModel(dir: string, inC: number, outC: number): string {
  const rnd = rng(inC * 10 + outC);
  const weights = (n: number) => Array.from({ length: n }, () => rnd() - 0.5);
  const file = join(dir, `c${inC}-to-c${outC}.onnx`);
  writeFileSync(
    file,
    modelBytes({
      inputs: [valueInfo("x", DT.FLOAT, [1, inC, "H", "W"])],
      outputs: [valueInfo("y", DT.FLOAT, [1, outC, "H", "W"])],
      initializers: [floatTensor("w", [outC, inC, 1, 1], weights(outC * inC))],
      nodes: [
        node({
          op: "Conv",
          inputs: ["x", "w"],
          outputs: ["c"],
          attrs: [{ name: "kernel_shape", type: 7, ints: [1, 1] }],
        }),
        node({ op: "Sigmoid", inputs: ["c"], outputs: ["y"] }),
      ],
    }),
  );
  return file;
}

/** The reference interpreter's output for the image as 8-bit interleaved pixels. */
function referenceBytes(file: string, planes: Float32Array, inC: number, h: number, w: number): Uint8Array {
  const [y] = new Interpreter(readModelFile(file), file).run([new Tensor("float32", [1, inC, h, w], planes)]);
  const [, outC] = y.shape;
  const out = new Uint8Array(h * w * outC);
  for (let c = 0; c < outC; c++) for (let i = 0; i < h * w; i++) out[i * outC + c] = toByte(y.values[c * h * w + i]);
  return out;
}

describe.each([
  [3, 1],
  [1, 3],
])("a %i-channel to %i-channel model", (inC, outC) => {
  const dir = mkdtempSync(join(tmpdir(), "qmc-out-channels-"));
  const file = writeModel(dir, inC, outC);
  const { plan } = planModelFile(file);
  const [h, w] = [13, 11];
  const next = rng(5);
  const pixels = Uint8Array.from({ length: h * w * inC }, () => Math.floor(next() * 256));
  const planes = new Float32Array(inC * h * w);
  for (let c = 0; c < inC; c++) for (let i = 0; i < h * w; i++) planes[c * h * w + i] = pixels[i * inC + c] / 255;
  const expected = referenceBytes(file, planes, inC, h, w);

  it.each(["js", "wasm-simd"])("%s: meta and restored images carry the output's channels", async (target) => {
    const model = await loadModel(await targetNamed(target).emit(plan));
    expect(model.info.out_channels).toBe(outC);
    for (const tile of [undefined, 8]) {
      const { image } = await model.restore({ data: pixels, width: w, height: h, channels: inC }, { tile });
      expect(image.channels).toBe(outC);
      expect([...image.data]).toEqual([...expected]);
    }
  });
});
