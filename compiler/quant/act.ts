import { affineCode, affineValue, quantRange } from "./rounding.js";

/** Static activation quantizer (QMAMBAIR.md 2.1): y = round(clip((x+beta)/alpha, Qn, Qp))*alpha - beta. */
export function actQuantize(
  x: ArrayLike<number>,
  alpha: number,
  beta: number,
  bits: number,
  signed: boolean,
): Float32Array {
  const [qn, qp] = quantRange(bits, signed);
  const a = Math.fround(alpha);
  const b = Math.fround(beta);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = affineValue(affineCode(x[i], a, b, qn, qp), a, b);
  return y;
}
