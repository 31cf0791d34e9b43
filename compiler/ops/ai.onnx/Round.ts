import { roundHalfEven } from "../../quant/rounding.js";
import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Round", 11, roundHalfEven, { floatOnly: true });
