import { allocate, type DType, isFloat, type NumericArray } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";

/**
 * ONNX Cast between the held element types. Narrowing to float16/bfloat16 rounds to nearest even
 * (done by normalizeValues when the output is built); floats become integers by truncation toward
 * zero, then wrap into the target width as C casts do in practice; NaN and infinities, which have no
 * integer value, become 0. Strings parse as the numbers they spell ("INF", "-inf", "NaN" included).
 */
export function castTensor(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  const n = x.size;
  if (to === "string") {
    const out =
      x.dtype === "string" ? [...(x.data as string[])] : Array.from(x.values, (v) => numberToString(v, x.dtype));
    return new Tensor(to, x.shape, out);
  }
  const source: ArrayLike<number> = x.dtype === "string" ? (x.data as string[]).map(parseNumber) : x.values;
  const out = allocate(to, n) as NumericArray;
  if (to === "bool") {
    for (let i = 0; i < n; i++) out[i] = source[i] !== 0 ? 1 : 0;
  } else if (isFloat(to)) {
    for (let i = 0; i < n; i++) out[i] = source[i];
  } else {
    for (let i = 0; i < n; i++) out[i] = toInteger(source[i], to);
  }
  return Tensor.from(to, x.shape, out);
}

const TWO_64 = 2 ** 64;

function toInteger(v: number, to: DType): number {
  if (!Number.isFinite(v)) return 0;
  const t = Math.trunc(v);
  // Typed arrays wrap the narrower widths themselves; 64-bit values held in doubles need it done here.
  if (to === "int64") return t >= 2 ** 63 ? t - TWO_64 : t < -(2 ** 63) ? t + TWO_64 : t;
  if (to === "uint64") return t < 0 ? t + TWO_64 : t;
  return t;
}

function parseNumber(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === "inf" || t === "+inf" || t === "infinity" || t === "+infinity") return Number.POSITIVE_INFINITY;
  if (t === "-inf" || t === "-infinity") return Number.NEGATIVE_INFINITY;
  if (t === "nan" || t === "+nan" || t === "-nan") return Number.NaN;
  return Number(t);
}

/** Numbers print as the shortest text that reads back to the same value of their type. */
function numberToString(v: number, from: DType): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "INF" : "-INF";
  if (from === "float32") {
    for (let p = 1; p < 9; p++) {
      const s = v.toPrecision(p);
      if (Math.fround(Number(s)) === v) return String(Number(s));
    }
  }
  return String(v);
}
