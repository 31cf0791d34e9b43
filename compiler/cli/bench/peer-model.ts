import { existsSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { QmcError } from "../../diagnostics.js";
import type { Model } from "../../ir/graph.js";

/** The model onnxruntime runs beside qmc's, and how it was chosen. */
export interface PeerModel {
  readonly file: string;
  readonly source: "--vs-model" | "standard-ops export beside the model" | "the model itself (standard ONNX)";
}

/** Where the exporter writes a model's standard-ops twin: model.onnx -> model.std.onnx, beside it. */
export function stdExportOf(file: string): string {
  return join(dirname(file), `${basename(file, extname(file))}.std.onnx`);
}

/** Whether onnxruntime can run the model as it is: every node in the default ONNX domain. */
function isStandard(model: Model): boolean {
  return model.graph.nodes.every((n) => n.domain === "ai.onnx");
}

/**
 * The model onnxruntime runs: `--vs-model`, else the standard-ops export beside the model, else the
 * model itself where it is standard ONNX already (a float or QDQ network). `model` is the decoded
 * .onnx, undefined for an artifact.
 */
export function peerModel(file: string, vsModel: string | undefined, model: Model | undefined): PeerModel {
  if (vsModel !== undefined) return { file: vsModel, source: "--vs-model" };
  const std = stdExportOf(file);
  if (existsSync(std)) return { file: std, source: "standard-ops export beside the model" };
  if (model && isStandard(model)) return { file, source: "the model itself (standard ONNX)" };
  const why = model
    ? `${file} uses ops outside standard ONNX (${[...new Set(model.graph.nodes.filter((n) => n.domain !== "ai.onnx").map((n) => n.domain))].join(", ")})`
    : `${file} is a compiled artifact`;
  throw new QmcError(
    `--vs: ${why} and there is no standard-ops export ${basename(std)} beside it; name the model onnxruntime should run with --vs-model FILE`,
  );
}
