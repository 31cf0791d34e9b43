import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./onnx-builder.js";
import { rng } from "./random.js";

/**
 * Writes `small.onnx` into `dir` and returns its path: conv 3->4, relu, conv 4->3, + x, sigmoid on a
 * 3-channel image of any size (float kernels, two activation inputs among them), weights drawn from
 * `seed` in [-0.5, 0.5). The first conv and its output are named as PyTorch's exporter names them
 * ("/conv1/Conv", "/conv1/Conv_output_0"), the other nodes plainly.
 */
export function writeSmallConvModel(dir: string, seed: number): string {
  const rnd = rng(seed);
  const weights = (n: number) => Array.from({ length: n }, () => rnd() - 0.5);
  const convAttrs = [
    { name: "kernel_shape", type: 7, ints: [3, 3] },
    { name: "pads", type: 7, ints: [1, 1, 1, 1] },
  ];
  const model = join(dir, "small.onnx");
  writeFileSync(
    model,
    modelBytes({
      inputs: [valueInfo("x", DT.FLOAT, [1, 3, "H", "W"])],
      outputs: [valueInfo("y", DT.FLOAT, [1, 3, "H", "W"])],
      initializers: [
        floatTensor("w1", [4, 3, 3, 3], weights(108)),
        floatTensor("b1", [4], weights(4)),
        floatTensor("w2", [3, 4, 3, 3], weights(108)),
      ],
      nodes: [
        node({
          op: "Conv",
          name: "/conv1/Conv",
          inputs: ["x", "w1", "b1"],
          outputs: ["/conv1/Conv_output_0"],
          attrs: convAttrs,
        }),
        node({ op: "Relu", name: "relu1", inputs: ["/conv1/Conv_output_0"], outputs: ["r"] }),
        node({ op: "Conv", name: "conv2", inputs: ["r", "w2"], outputs: ["c2"], attrs: convAttrs }),
        node({ op: "Add", name: "skip", inputs: ["c2", "x"], outputs: ["s"] }),
        node({ op: "Sigmoid", name: "sigmoid", inputs: ["s"], outputs: ["y"] }),
      ],
    }),
  );
  return model;
}
