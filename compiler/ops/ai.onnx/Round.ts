import { roundHalfEven } from "../../quant/rounding.js";
import { unaryOp } from "../support/unary.js";

export default unaryOp("Round", 11, roundHalfEven, { floatOnly: true });
