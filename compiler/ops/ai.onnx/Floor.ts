import { unaryOp } from "../support/elementwise.js";

export default unaryOp("Floor", 6, Math.floor, { floatOnly: true });
