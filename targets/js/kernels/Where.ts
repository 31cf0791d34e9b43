import { broadcastKernel } from "./support/elementwise.js";

/** ONNX Where on float32 values: the bool condition (a Uint8Array of 1 and 0) picks x or y, broadcast to the output. */
export default broadcastKernel("where", [0, 1, 2], () => ({
  expr: (c, x, y) => `${c} ? ${x} : ${y}`,
  inputTypes: ["Uint8Array", "Float32Array", "Float32Array"],
}));
