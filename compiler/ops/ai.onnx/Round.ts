import { roundHalfEven } from "../../quant/linear.js";
import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Round", 11, roundHalfEven, { floatOnly: true });
