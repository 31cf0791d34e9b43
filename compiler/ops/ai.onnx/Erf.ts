import { unaryOp } from "../support/elementwise.js";
import { erf } from "../support/erf.js";

export default unaryOp("Erf", 9, erf);
