import { qsigmoid } from "../sigmoid.js";
import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("sigmoid", (env, v) => env.math("qsigmoid", v), qsigmoid);
