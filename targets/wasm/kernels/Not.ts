import { logicalKernel } from "./support/elementwise.js";

export default logicalKernel("not", [0], (f, [x]) => f.m.i32.eqz(x));
