import { unaryKernel } from "./support/elementwise.js";

/** ONNX Log: the module's qlog (from fdlibm log1p) of each element, rounded to float32 (the js target's). */
export default unaryKernel("log", (env, v) => env.math("qlog", v));
