import { arithmeticOp } from "../support/arithmetic.js";

// 32-bit integer products can pass 2^53, where doubles stop being exact; Math.imul wraps like C.
export default arithmeticOp("Mul", (a, b, dtype) =>
  dtype === "int32" || dtype === "uint32" ? Math.imul(a, b) : a * b,
);
