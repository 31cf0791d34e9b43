import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { QmcError } from "../diagnostics.js";
import type { Tensor } from "../ir/tensor.js";
import { onnx } from "./onnx-proto.js";
import { decodeTensor } from "./tensor-proto.js";

/** Reads one serialized TensorProto (the ONNX test-data `input_N.pb` / `output_N.pb` layout). */
export function readTensorFile(path: string): Tensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new QmcError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let proto: onnx.TensorProto;
  try {
    proto = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new QmcError(`${path}: not a serialized ONNX TensorProto (${(e as Error).message})`);
  }
  return decodeTensor(proto, { what: path, baseDir: dirname(path) });
}
