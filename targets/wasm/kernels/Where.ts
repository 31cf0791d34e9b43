import { broadcastKernel } from "./support/elementwise.js";

/** ONNX Where on float32 values: the bool condition (u8, 1 or 0) picks x or y, broadcast to the output. */
export default broadcastKernel("where", [0, 1, 2], {
  f32: (f, [c, x, y]) => f.m.select(c, x, y),
  elems: { inputs: ["u8", "f32", "f32"], output: "f32" },
});
