import { isStatic, type SymDim, type SymShape } from "../../compiler/plan/kernel-plan.js";
import { dimVarName, isOne, ONE, sameDim } from "./sym.js";

/** Whatever can name the kernel in an error: both targets' kernel environments. */
export interface ErrorSite {
  error(what: string): Error;
}

/** A shape in a kernel name: "1x60xhxw" (static dims as numbers, others by their variable). */
export function shapeSpec(s: SymShape): string {
  return s.length === 0 ? "scalar" : s.map((d) => (isStatic(d) ? String(d.c) : dimVarName(d).slice(3))).join("x");
}

/** `s` padded with leading ones to `rank` (numpy broadcasting aligns trailing dims). */
export function padRank(s: SymShape, rank: number): SymDim[] {
  return [...new Array<SymDim>(rank - s.length).fill(ONE), ...s];
}

/**
 * Broadcasting of inputs against an output shape, with adjacent axes merged where every input
 * either runs along both or is broadcast along both: the loops a kernel needs, outermost first,
 * and for each input the stride (in elements) of each loop, 0 where it is broadcast.
 */
export interface BroadcastLoops {
  readonly extents: SymDim[][];
  /** strides[input][loop]: the dims whose product is the stride; null for a broadcast (stride 0). */
  readonly strides: (SymDim[] | null)[][];
}

export function broadcastLoops(env: ErrorSite, inputs: readonly SymShape[], out: SymShape): BroadcastLoops {
  const rank = out.length;
  const padded = inputs.map((s) => {
    if (s.length > rank) throw env.error(`input shape has rank ${s.length}, above the output's ${rank}`);
    return padRank(s, rank);
  });
  // Per axis and input: does the input run along the axis (true) or stay (false)?
  const runs = out.map((d, k) =>
    padded.map((s, i) => {
      if (sameDim(s[k], d)) return !isOne(d);
      if (isOne(s[k])) return false;
      throw env.error(`input ${i} does not broadcast to the output along axis ${k}`);
    }),
  );
  const groups: { axes: number[]; runs: boolean[] }[] = [];
  out.forEach((d, k) => {
    if (isOne(d)) return;
    const last = groups[groups.length - 1];
    if (last?.runs.every((r, i) => r === runs[k][i])) last.axes.push(k);
    else groups.push({ axes: [k], runs: runs[k] });
  });
  const extents = groups.map((g) => g.axes.map((k) => out[k]));
  const strides = padded.map((_, i) =>
    groups.map((g, gi) => {
      if (!g.runs[i]) return null;
      const inner: SymDim[] = [];
      for (let later = gi + 1; later < groups.length; later++) {
        if (groups[later].runs[i]) inner.push(...extents[later]);
      }
      return inner;
    }),
  );
  return { extents, strides };
}
