import { readFileSync } from "node:fs";
import { join } from "node:path";
import { QmcError } from "../diagnostics.js";
import { Interpreter } from "../interp/interpreter.js";
import { readModelFile } from "../onnx/decode.js";
import { findUnsupported } from "../ops/registry.js";
import { compareTensors, ONNX_TOLERANCE } from "./compare.js";
import { goldenSetDirs, readGoldenSet } from "./golden.js";

export type CaseResult =
  | { readonly status: "unsupported"; readonly ops: readonly string[] }
  | { readonly status: "pass" }
  | { readonly status: "fail"; readonly reason: string };

/** Runs one ONNX backend-test case folder (model.onnx + test_data_set_K) through the interpreter. */
export function runConformanceCase(caseDir: string): CaseResult {
  let model: ReturnType<typeof readModelFile>;
  try {
    model = readModelFile(join(caseDir, "model.onnx"));
  } catch (e) {
    return { status: "fail", reason: oneLine(e) };
  }
  const unsupported = findUnsupported(model);
  if (unsupported.length) {
    return { status: "unsupported", ops: [...new Set(unsupported.map((u) => `${u.node.opType}: ${u.problem}`))] };
  }
  try {
    const interp = new Interpreter(model, caseDir);
    for (const dir of goldenSetDirs(caseDir)) {
      const golden = readGoldenSet(dir);
      const actual = interp.run(golden.inputs);
      for (let i = 0; i < golden.outputs.length; i++) {
        const c = compareTensors(actual[i], golden.outputs[i], ONNX_TOLERANCE);
        if (!c.ok) return { status: "fail", reason: `${dir.split("/").pop()} output ${i}: ${c.reason}` };
      }
    }
  } catch (e) {
    return { status: "fail", reason: oneLine(e) };
  }
  return { status: "pass" };
}

function oneLine(e: unknown): string {
  const msg = e instanceof QmcError ? e.message : `crash: ${(e as Error).message ?? String(e)}`;
  return msg.replace(/\s+/g, " ").slice(0, 300);
}

export interface ConformanceEntry {
  /** "set/test", as in the shared MANIFEST.tsv. */
  readonly id: string;
  readonly ops: string;
}

/** The cases listed by the shared suite's MANIFEST.tsv. */
export function listConformanceCases(root: string): ConformanceEntry[] {
  const lines = readFileSync(join(root, "MANIFEST.tsv"), "utf8").trim().split("\n").slice(1);
  return lines.map((l) => {
    const [set, test, ops] = l.split("\t");
    return { id: `${set}/${test}`, ops };
  });
}

/** The checked-in status file: "id<TAB>pass" or "id<TAB>known-fail: reason". */
export function parseStatusFile(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const [id, status] = line.split("\t");
    m.set(id, status);
  }
  return m;
}
