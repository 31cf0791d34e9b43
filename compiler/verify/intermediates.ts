import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { QmcError } from "../diagnostics.js";
import type { Tensor } from "../ir/tensor.js";
import { onnx } from "../onnx/onnx-proto.js";
import { decodeTensor } from "../onnx/tensor-proto.js";

/** Where `python -m exporter.intermediates` writes onnxruntime's value of every float node output. */
export const INTERMEDIATES_DIR = "intermediates";

/**
 * The intermediates of a golden folder (`DIR/intermediates/*.pb`) by ONNX value name, or undefined
 * when the folder has none. The name is the TensorProto's `name`: file names are escaped and may
 * collide, so they are never read as value names.
 */
export function readIntermediates(goldenDir: string): Map<string, Tensor> | undefined {
  const dir = join(goldenDir, INTERMEDIATES_DIR);
  if (!existsSync(dir)) return undefined;
  const values = new Map<string, Tensor>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".pb"))
    .sort()) {
    const path = join(dir, file);
    let proto: onnx.TensorProto;
    try {
      proto = onnx.TensorProto.decode(readFileSync(path));
    } catch (e) {
      throw new QmcError(`${path}: not a serialized ONNX TensorProto (${(e as Error).message})`);
    }
    if (!proto.name) throw new QmcError(`${path}: the TensorProto has no name (the ONNX value it holds)`);
    if (values.has(proto.name)) throw new QmcError(`${path}: a second intermediate for value '${proto.name}'`);
    values.set(proto.name, decodeTensor(proto, { what: path }));
  }
  return values;
}
