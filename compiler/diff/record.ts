import { Interpreter } from "../interp/interpreter.js";
import type { Model } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";

/** A deterministic image in [0, 1] (mulberry32 noise): the same input on every run and machine. */
export function noiseImage(channels: number, h: number, w: number, seed = 1): Tensor {
  let a = seed >>> 0;
  const data = new Float32Array(channels * h * w);
  for (let i = 0; i < data.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return new Tensor("float32", [1, channels, h, w], data);
}

/** Every value the reference interpreter computes for `input`, by ONNX value name. */
export function recordValues(compiled: Model, input: Tensor): Map<string, Tensor> {
  const values = new Map<string, Tensor>([[compiled.graph.inputs[0].name, input]]);
  new Interpreter(compiled).run([input], {
    onNode: ({ node, outputs }) => {
      for (const [i, name] of node.outputs.entries()) if (name) values.set(name, outputs[i]);
    },
  });
  return values;
}
