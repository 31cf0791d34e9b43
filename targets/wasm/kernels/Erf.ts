import { qerf } from "../erf.js";
import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("erf", (env, v) => env.math("qerf", v), qerf);
