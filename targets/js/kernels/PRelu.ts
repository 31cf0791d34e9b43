import { sameDim, shapeText } from "../../shared/sym.js";
import { binaryKernel } from "./support/elementwise.js";

// The slope broadcasts to X's shape, never X to the slope's (per channel [C, 1, 1], one value, or
// X's own shape). s * v of two float32 values is exact in double: the store rounds it as float32 would.
export default binaryKernel("prelu", (env) => {
  const xs = env.inputShape(0);
  const ys = env.outputShape(0);
  if (ys.length !== xs.length || ys.some((d, k) => !sameDim(d, xs[k]))) {
    throw env.error(`slope of shape ${shapeText(env.inputShape(1))} does not broadcast to X's shape ${shapeText(xs)}`);
  }
  return { expr: (x, slope) => `${x} < 0 ? ${slope} * ${x} : ${x}` };
});
