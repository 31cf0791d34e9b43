import { unaryOp } from "../support/unary.js";

export default unaryOp("Floor", 6, Math.floor, { floatOnly: true });
