import { unaryOp } from "../support/unary.js";

export default unaryOp("HardSwish", 14, (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)), { floatOnly: true });
