import type { Epilogue, EpilogueOperand } from "../ops/support/epilogue.js";
import { ROUNDING_BIAS } from "./fake-quant.js";

/**
 * The eight epilogue steps fuse-epilogue writes for a QuantizeLinear -> DequantizeLinear pair
 * (fake-quant.ts), found at step k: v = x / s, t = v + ROUNDING_BIAS, a = relu(t - (ROUNDING_BIAS
 * + lo)), b = relu((hi - lo) - a), u = hi - b, y = u * s, each step reading the one before and s
 * one scalar constant. `inner` says whether a step outside the eight reads a, b or their
 * differences (steps k + 2 to k + 5): a target that computes u another way must compute them then.
 */
export interface RequantizeSteps {
  readonly x: EpilogueOperand;
  /** The scale's constant. */
  readonly scale: number;
  readonly lo: number;
  readonly hi: number;
  readonly inner: boolean;
}

export function requantizeStepsAt(e: Epilogue, k: number): RequantizeSteps | undefined {
  const s = e.steps;
  const ops = ["div", "add", "sub", "relu", "sub", "relu", "sub", "mul"];
  if (ops.some((op, i) => s[k + i]?.op !== op)) return undefined;
  const step = (a: EpilogueOperand | undefined, i: number) => a?.kind === "step" && a.index === k + i;
  const constant = (a: EpilogueOperand | undefined) =>
    a?.kind === "constant" && e.constants[a.index].length === 1 ? e.constants[a.index][0] : undefined;
  const [div, add, above, , fromTop, , u, mul] = s.slice(k, k + 8);
  const scale = div.args[1];
  if (scale?.kind !== "constant" || constant(scale) === undefined) return undefined;
  const chained =
    step(add.args[0], 0) &&
    step(above.args[0], 1) &&
    step(s[k + 3].args[0], 2) &&
    step(fromTop.args[1], 3) &&
    step(s[k + 5].args[0], 4) &&
    step(u.args[1], 5) &&
    step(mul.args[0], 6) &&
    mul.args[1]?.kind === "constant" &&
    mul.args[1].index === scale.index;
  const bias = constant(add.args[1]);
  const [low, span, hi] = [constant(above.args[1]), constant(fromTop.args[0]), constant(u.args[0])];
  if (!chained || bias !== ROUNDING_BIAS || low === undefined || span === undefined || hi === undefined)
    return undefined;
  const lo = low - ROUNDING_BIAS;
  if (span !== hi - lo) return undefined;
  const inner = s.some(
    (t, j) => j >= k + 8 && t.args.some((a) => a.kind === "step" && a.index >= k + 2 && a.index <= k + 5),
  );
  return { x: div.args[0], scale: scale.index, lo, hi, inner };
}
