import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readModelFile } from "../compiler/onnx/decode.js";
import { inferShapes } from "../compiler/passes/infer-shapes.js";
import { parseStatusFile } from "../compiler/verify/conformance.js";

const root = join(import.meta.dirname, "..", "..", "shared", "conformance", "onnx-node");
const status = parseStatusFile(readFileSync(join(import.meta.dirname, "conformance", "status.tsv"), "utf8"));
const passing = [...status].filter(([, s]) => s === "pass").map(([id]) => id);

/**
 * Every op's shape rule, checked against the output types that the conformance models declare:
 * inferred from the declared input types alone, they must match wherever both are known.
 */
describe.runIf(existsSync(root))("shape rules agree with the conformance models' declared outputs", () => {
  it.each(passing)("%s", (id) => {
    const model = readModelFile(join(root, id, "model.onnx"));
    const { types } = inferShapes(model, id);
    for (const out of model.graph.outputs) {
      const inferred = types.get(out.name);
      if (out.type.dtype && inferred?.dtype) expect(inferred.dtype, `${out.name} dtype`).toBe(out.type.dtype);
      const declared = out.type.shape;
      if (!declared || !inferred?.shape) continue;
      expect(inferred.shape.length, `${out.name} rank`).toBe(declared.length);
      declared.forEach((d, k) => {
        const got = inferred.shape?.[k];
        if (typeof d === "number" && typeof got === "number") expect(got, `${out.name} dim ${k}`).toBe(d);
      });
    }
  });
});
