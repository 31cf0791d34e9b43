import { erf } from "../support/erf.js";
import { unaryOp } from "../support/unary.js";

export default unaryOp("Erf", 9, erf);
