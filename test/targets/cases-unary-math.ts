import type { Case } from "./cases.js";
import { float, type KernelSpec, shape } from "./harness.js";

/**
 * Elementwise ops of third-party exports: Elu and Selu (through qexpm1), Log (qlog), Softsign,
 * Reciprocal, Mish (the dynamo exporter's, opset 18), and the integer-valued Floor, Ceil, Round and Sign. Those computed exactly in double
 * and rounded once agree with the reference bit for bit; the others within the float tolerance.
 */
function unary(kind: string, range: [number, number], exact: boolean, attrs: KernelSpec["attrs"] = {}): Case {
  return {
    name: `${kind} on [${range}] ${JSON.stringify(attrs)}`,
    spec: { kind, attrs, inputs: [{ activation: shape(1, 3, "h", "w") }], outputs: [shape(1, 3, "h", "w")] },
    ranges: { 0: range },
    exact,
  };
}

export const UNARY_MATH_CASES: Case[] = [
  unary("Elu", [-8, 3], false),
  unary("Elu", [-1e-4, 1e-4], false, { alpha: float(Math.fround(0.3)) }),
  unary("Selu", [-8, 3], false),
  unary("Selu", [-2, 2], false, { alpha: float(2), gamma: float(Math.fround(0.7)) }),
  unary("Log", [1e-3, 60], false),
  unary("Log", [0, 1e-20], false),
  unary("Log", [-1, 1], false),
  unary("Softsign", [-50, 50], true),
  unary("Reciprocal", [-3, 3], true),
  unary("Floor", [-4, 4], true),
  unary("Ceil", [-4, 4], true),
  unary("Round", [-4, 4], true),
  unary("Round", [-1e9, 1e9], true),
  unary("Sign", [-1, 1], true),
  unary("Mish", [-30, 30], false),
  unary("Mish", [-1e-3, 1e-3], false),
];
