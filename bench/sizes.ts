import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { TARGETS } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { constantBytes } from "../compiler/plan/kernel-plan.js";
import { fmt, table } from "./markdown.js";
import { emitFor } from "./qmc-target.js";

/** Issue 5's budget: a .wasm is at most its packed weights plus this. */
export const ARTIFACT_SLACK = 150 * 1024;

/** One sample model's packed weight bytes and the bytes of its .wasm per wasm target. */
export interface ModelSizes {
  readonly model: string;
  readonly weightBytes: number;
  readonly wasm: readonly { readonly target: string; readonly bytes: number }[];
}

/** Every model under `dir` (one folder per model, each with its model.onnx), emitted for every wasm target. */
export async function sampleSizes(dir: string, progress: (s: string) => void): Promise<ModelSizes[]> {
  const models = readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, "model.onnx")))
    .sort();
  const wasmTargets = [...TARGETS.keys()].filter((t) => t.startsWith("wasm"));
  const out: ModelSizes[] = [];
  for (const model of models) {
    progress(`${model}: sizes of ${wasmTargets.join(", ")}`);
    const { plan } = planModelFile(join(dir, model, "model.onnx"));
    const wasm = [];
    for (const target of wasmTargets) wasm.push({ target, bytes: (await emitFor(target, plan)).length });
    out.push({ model, weightBytes: constantBytes(plan), wasm });
  }
  return out;
}

/** The sizes as a markdown table: per target the bytes and what they add to the weights, checked against the budget. */
export function sizesTable(rows: readonly ModelSizes[]): string[] {
  const targets = rows[0]?.wasm.map((w) => w.target) ?? [];
  return table(
    ["model", "packed weights", ...targets.map((t) => `${t} bytes (over weights)`), "within weights + 150 KiB"],
    rows.map((r) => {
      const within = r.wasm.every((w) => w.bytes - r.weightBytes <= ARTIFACT_SLACK);
      const cells = r.wasm.map((w) => `${fmt(w.bytes)} (+${fmt(w.bytes - r.weightBytes)})`);
      return [r.model, fmt(r.weightBytes), ...cells, within ? "yes" : "NO"];
    }),
  );
}
