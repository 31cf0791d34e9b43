import { readdirSync } from "node:fs";
import { join } from "node:path";
import { QmcError } from "../diagnostics.js";
import type { Tensor } from "../ir/tensor.js";
import { readTensorFile } from "../onnx/tensor-file.js";

export interface GoldenSet {
  readonly dir: string;
  readonly inputs: Tensor[];
  readonly outputs: Tensor[];
}

/** Reads `input_N.pb` and `output_N.pb` of one ONNX test-data folder, each in N order. */
export function readGoldenSet(dir: string): GoldenSet {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (e) {
    throw new QmcError(`${dir}: cannot read the golden folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const numbered = (prefix: string) =>
    files
      .map((f) => new RegExp(`^${prefix}_(\\d+)\\.pb$`).exec(f))
      .filter((m) => m !== null)
      .map((m) => ({ file: m[0], n: Number(m[1]) }))
      .sort((a, b) => a.n - b.n)
      .map(({ file }) => readTensorFile(join(dir, file)));
  const outputs = numbered("output");
  if (outputs.length === 0) throw new QmcError(`${dir}: no output_N.pb files (ONNX test-data layout expected)`);
  return { dir, inputs: numbered("input"), outputs };
}

/** The `test_data_set_K` folders of a test case, in K order. */
export function goldenSetDirs(caseDir: string): string[] {
  return readdirSync(caseDir)
    .map((f) => /^test_data_set_(\d+)$/.exec(f))
    .filter((m) => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(caseDir, m[0]));
}
