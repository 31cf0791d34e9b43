/** max(x, 0), with Math.max's NaN -> NaN and -0 -> 0. */
export function relu(x: number): number {
  return Math.max(x, 0);
}

/** Logistic sigmoid without overflow: exp is only taken of non-positive arguments. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + exp(x)) without overflow for large x or loss of precision for very negative x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
