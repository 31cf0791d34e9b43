import { dirname } from "node:path";
import { QmcError } from "../diagnostics.js";
import type { Tensor } from "../ir/tensor.js";
import { readModelBytes } from "./decode.js";
import { onnx } from "./onnx-proto.js";
import { decodeTensor } from "./tensor-proto.js";

/** Reads one serialized TensorProto (the ONNX test-data `input_N.pb` / `output_N.pb` layout). */
export function readTensorFile(path: string): Tensor {
  // Read as a model file is: a folder named, the size checked against --max-model-bytes first.
  const bytes = readModelBytes(path, "a serialized TensorProto (.pb)");
  let proto: onnx.TensorProto;
  try {
    proto = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new QmcError(`${path}: not a serialized ONNX TensorProto (${(e as Error).message})`);
  }
  return decodeTensor(proto, { what: path, baseDir: dirname(path) });
}
