import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";
import type { Model } from "../ir/graph.js";
import { decodeModel, readModelBytes } from "../onnx/decode.js";
import { assertSupported } from "../ops/registry.js";
import type { PassOptions } from "../passes/pass.js";
import { runPipeline } from "../pipeline.js";
import { buildPlan } from "../plan/build-plan.js";
import { pinInputSize, type SizeRequest } from "../plan/input-size.js";
import type { KernelPlan } from "../plan/kernel-plan.js";

export interface LoadedPlan {
  readonly model: Model;
  readonly compiled: Model;
  readonly plan: KernelPlan;
}

export interface PlanOptions extends SizeRequest, PassOptions {
  readonly afterPass?: (name: string, m: Model) => void;
}

/**
 * Reads an ONNX file, pins the input sizes asked for, runs the pass pipeline and builds its
 * KernelPlan. `model` is the file as written, `compiled` the graph after the passes.
 */
export function planModelFile(file: string, options: PlanOptions = {}): LoadedPlan {
  const bytes = readModelBytes(file);
  const model = decodeModel(bytes, { file, baseDir: dirname(file) });
  assertSupported(model, file);
  const pinned = pinInputSize(model, file, options);
  const compiled = runPipeline(pinned.model, file, {
    convAlgorithm: options.convAlgorithm,
    afterPass: (p, m) => options.afterPass?.(p.name, m),
  });
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const name = basename(file).replace(/\.onnx$/, "");
  return { model, compiled, plan: buildPlan(compiled, file, { name, sha256 }, pinned.axes) };
}
