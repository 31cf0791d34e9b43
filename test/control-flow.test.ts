import { describe, expect, it } from "vitest";
import { Interpreter } from "../compiler/interp/interpreter.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./support/onnx-builder.js";

/** If has no ONNX conformance case: its branches, and their view of the enclosing graph, are tested here. */
describe("If", () => {
  const branch = (name: string, op: string) => ({
    name,
    type: 5,
    g: {
      name,
      node: [node({ op, inputs: ["x", "k"], outputs: [`${name}_out`] })],
      input: [],
      output: [valueInfo(`${name}_out`, DT.FLOAT, [2])],
    },
  });
  const bytes = modelBytes({
    inputs: [valueInfo("cond", DT.BOOL, []), valueInfo("x", DT.FLOAT, [2])],
    outputs: [valueInfo("y", DT.FLOAT, [2])],
    initializers: [floatTensor("k", [2], [10, 20])],
    nodes: [
      node({
        op: "If",
        inputs: ["cond"],
        outputs: ["y"],
        attrs: [branch("then_branch", "Add"), branch("else_branch", "Mul")],
      }),
    ],
  });
  const model = decodeModel(bytes, { file: "if.onnx" });
  const x = Tensor.from("float32", [2], [1, 2]);

  it("runs the then branch, reading outer values", () => {
    const [y] = new Interpreter(model).run([Tensor.from("bool", [], [1]), x]);
    expect(Array.from(y.values)).toEqual([11, 22]);
  });
  it("runs the else branch", () => {
    const [y] = new Interpreter(model).run([Tensor.from("bool", [], [0]), x]);
    expect(Array.from(y.values)).toEqual([10, 40]);
  });
});
