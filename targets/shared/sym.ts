import type { SymDim, SymShape } from "../../compiler/plan/kernel-plan.js";

/** SymDim arithmetic and naming for generated code (the dims are polynomials in the input's h and w). */

export const ONE: SymDim = { c: 1, h: 0, w: 0, hw: 0 };

export function sameDim(a: SymDim, b: SymDim): boolean {
  return a.c === b.c && a.h === b.h && a.w === b.w && a.hw === b.hw;
}

export function isOne(d: SymDim): boolean {
  return sameDim(d, ONE);
}

/** a * b when the result stays a SymDim (no h^2 or w^2 term), else undefined. */
export function mulDim(a: SymDim, b: SymDim): SymDim | undefined {
  const h2 = a.h * b.h + a.h * b.hw + a.hw * b.h + a.hw * b.hw;
  const w2 = a.w * b.w + a.w * b.hw + a.hw * b.w + a.hw * b.hw;
  if (h2 !== 0 || w2 !== 0) return undefined;
  return {
    c: a.c * b.c,
    h: a.c * b.h + a.h * b.c,
    w: a.c * b.w + a.w * b.c,
    hw: a.c * b.hw + a.hw * b.c + a.h * b.w + a.w * b.h,
  };
}

/** The product of dims as one SymDim, or undefined when it leaves the polynomial form. */
export function productDim(dims: readonly SymDim[]): SymDim | undefined {
  let acc: SymDim | undefined = ONE;
  for (const d of dims) acc = acc && mulDim(acc, d);
  return acc;
}

/** a + k * b, term by term (scratch regions laid end to end). */
export function addDim(a: SymDim, b: SymDim, k = 1): SymDim {
  return { c: a.c + k * b.c, h: a.h + k * b.h, w: a.w + k * b.w, hw: a.hw + k * b.hw };
}

/** "60", "h", "2*w + 1", "4*h*w": for comments and tables. */
export function dimText(d: SymDim): string {
  const terms: string[] = [];
  const term = (k: number, v: string) => {
    if (k !== 0) terms.push(k === 1 ? v : `${k}*${v}`);
  };
  term(d.hw, "h*w");
  term(d.h, "h");
  term(d.w, "w");
  if (d.c !== 0 || terms.length === 0) terms.push(String(d.c));
  return terms.join(" + ").replace(/\+ -/g, "- ");
}

export function shapeText(s: SymShape): string {
  return `[${s.map(dimText).join(", ")}]`;
}

/** A variable name for a non-static dim: "sz_h", "sz_2h", "sz_hw", "sz_h_p2" (h + 2), "sz_w_m1" (w - 1). */
export function dimVarName(d: SymDim): string {
  const part = (k: number, v: string) => (k === 0 ? "" : k === 1 ? v : `${k < 0 ? "n" : ""}${Math.abs(k)}${v}`);
  const terms = [part(d.hw, "hw"), part(d.h, "h"), part(d.w, "w")].filter((t) => t !== "");
  const c = d.c === 0 ? "" : d.c > 0 ? `_p${d.c}` : `_m${-d.c}`;
  return `sz_${terms.join("_")}${c}`;
}

/** The ES5 expression of a dim in terms of `h` and `w`. */
export function dimExpr(d: SymDim, h = "h", w = "w"): string {
  const terms: string[] = [];
  const term = (k: number, v: string) => {
    if (k !== 0) terms.push(k === 1 ? v : `${k} * ${v}`);
  };
  term(d.hw, `${h} * ${w}`);
  term(d.h, h);
  term(d.w, w);
  if (d.c !== 0 || terms.length === 0) terms.push(String(d.c));
  return terms.join(" + ").replace(/\+ -/g, "- ");
}
