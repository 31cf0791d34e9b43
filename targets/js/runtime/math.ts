import { SIGMOID_F32 } from "../../../compiler/ops/support/activation.js";
import { ERF_F32 } from "../../../compiler/ops/support/erf-table.js";
import { EXP32, LOG1P32, SOFTPLUS_LINEAR_ABOVE } from "../../../compiler/ops/support/scan-math.js";
import type { FnDecl, VarDecl } from "../../shared/artifact.js";

/**
 * Math for the ES5 artifacts. ES5 lacks Math.fround, Math.log1p and Math.tanh, and engines disagree in
 * the last bit of Math.exp (V8 ports fdlibm, Duktape calls the C library), which would break the
 * byte-identical output the js target promises across engines. So the artifacts carry their own:
 * exp and log1p are fdlibm's (FreeBSD msun, the code V8 ports), pure double arithmetic plus word
 * access through typed arrays, and therefore bit-identical to Node's Math.exp/Math.log1p.
 */

const num = [{ name: "x", type: "number" }];

export const WORD_VARS: readonly VarDecl[] = [
  { name: "WORD_F64", init: "new Float64Array(1)" },
  { name: "WORD_U32", init: "new Uint32Array(WORD_F64.buffer)" },
  {
    name: "WORD_HI",
    init: "new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0",
    doc: ["Index of a double's high 32-bit word in WORD_U32 (1 on little-endian hosts)."],
  },
];

/** Function-local aliases of the word-access state: a lookup of a local is what interpreters do fastest. */
const WORD_ALIASES = "var wf = WORD_F64, wu = WORD_U32, wh = WORD_HI;";

export const F32_VARS: readonly VarDecl[] = [{ name: "F32_CELL", init: "new Float32Array(1)" }];

/**
 * The f32 helper's rounding written inline, through `fr`, a function-local alias of its cell that
 * F32_ALIAS declares: interpreters (Duktape, QuickJS) pay for every call and for every lookup of a
 * module-level name, and these roundings sit in per-element loops. The value is f32's, bit for bit.
 */
export const F32_ALIAS = "var fr = F32_CELL;";

export function fround(e: string): string {
  return `(fr[0] = ${e}, fr[0])`;
}

export const f32Fn: FnDecl = {
  name: "f32",
  params: num,
  returns: "number",
  doc: ["Rounds to float32 (Math.fround, which ES5 lacks)."],
  body: `
F32_CELL[0] = x;
return F32_CELL[0];
`,
};

export const roundHalfEvenFn: FnDecl = {
  name: "roundHalfEven",
  params: num,
  returns: "number",
  doc: ["Round half to even (ONNX Round, torch.round), keeping the sign of a zero result."],
  body: `
var f = Math.floor(x);
var d = x - f;
var r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
return r === 0 && x < 0 ? -0 : r;
`,
};

export const expFn: FnDecl = {
  name: "qexp",
  params: num,
  returns: "number",
  doc: ["fdlibm exp: bit-identical on every engine."],
  body: `
${WORD_ALIASES}
var hx, xsb, k = 0, hi = 0, lo = 0, c, t, y;
wf[0] = x;
hx = wu[wh];
xsb = hx >>> 31;
hx = hx & 0x7fffffff;
if (hx >= 0x40862e42) {
  if (hx >= 0x7ff00000) {
    if (((hx & 0xfffff) | wu[1 - wh]) !== 0) return x + x;
    return xsb === 0 ? x : 0;
  }
  if (x > 7.09782712893383973096e2) return Infinity;
  if (x < -7.45133219101941108420e2) return 0;
}
if (hx > 0x3fd62e42) {
  if (hx < 0x3ff0a2b2) {
    // V8 special-cases exp(1) to return Math.E, whose last bit fdlibm misses; so do we.
    if (x === 1) return Math.E;
    hi = xsb === 0 ? x - 6.93147180369123816490e-1 : x + 6.93147180369123816490e-1;
    lo = xsb === 0 ? 1.90821492927058770002e-10 : -1.90821492927058770002e-10;
    k = 1 - xsb - xsb;
  } else {
    k = (1.44269504088896338700 * x + (xsb === 0 ? 0.5 : -0.5)) | 0;
    t = k;
    hi = x - t * 6.93147180369123816490e-1;
    lo = t * 1.90821492927058770002e-10;
  }
  x = hi - lo;
} else if (hx < 0x3e300000) {
  return 1 + x;
}
t = x * x;
c = x - t * (1.66666666666666019037e-1 + t * (-2.77777777770155933842e-3 + t * (6.61375632143793436117e-5 +
  t * (-1.65339022054652515390e-6 + t * 4.13813679705723846039e-8))));
if (k === 0) return 1 - ((x * c) / (c - 2) - x);
y = 1 - (lo - (x * c) / (2 - c) - hi);
if (k === 1024) return y * 2 * 8.98846567431158e307;
wu[1 - wh] = 0;
if (k >= -1021) {
  wu[wh] = 0x3ff00000 + (k << 20);
  return y * wf[0];
}
wu[wh] = 0x3ff00000 + ((k + 1000) << 20);
return y * wf[0] * 9.3326361850321887899e-302;
`,
};

export const log1pFn: FnDecl = {
  name: "qlog1p",
  params: num,
  returns: "number",
  doc: ["fdlibm log1p: bit-identical on every engine."],
  body: `
${WORD_ALIASES}
var hfsq, f = 0, c = 0, s, z, R, u, k, hx, hu = 0, ax;
wf[0] = x;
hx = wu[wh] | 0;
ax = hx & 0x7fffffff;
k = 1;
if (hx < 0x3fda827a) {
  if (ax >= 0x3ff00000) return x === -1 ? -Infinity : NaN;
  if (ax < 0x3e200000) return ax < 0x3c900000 ? x : x - x * x * 0.5;
  if (hx > 0 || hx <= (0xbfd2bec4 | 0)) {
    k = 0;
    f = x;
    hu = 1;
  }
}
if (hx >= 0x7ff00000) return x + x;
if (k !== 0) {
  if (hx < 0x43400000) {
    u = 1 + x;
    wf[0] = u;
    hu = wu[wh] | 0;
    k = (hu >> 20) - 1023;
    c = k > 0 ? 1 - (u - x) : x - (u - 1);
    c /= u;
  } else {
    wf[0] = x;
    hu = wu[wh] | 0;
    k = (hu >> 20) - 1023;
    c = 0;
  }
  hu &= 0x000fffff;
  if (hu < 0x6a09e) {
    wu[wh] = hu | 0x3ff00000;
  } else {
    k += 1;
    wu[wh] = hu | 0x3fe00000;
    hu = (0x00100000 - hu) >> 2;
  }
  f = wf[0] - 1;
}
hfsq = 0.5 * f * f;
if (hu === 0) {
  if (f === 0) {
    if (k === 0) return 0;
    c += k * 1.90821492927058770002e-10;
    return k * 6.93147180369123816490e-1 + c;
  }
  R = hfsq * (1 - 0.66666666666666666 * f);
  if (k === 0) return f - R;
  return k * 6.93147180369123816490e-1 - (R - (k * 1.90821492927058770002e-10 + c) - f);
}
s = f / (2 + f);
z = s * s;
R = z * (6.666666666666735130e-1 + z * (3.999999999940941908e-1 + z * (2.857142874366239149e-1 +
  z * (2.222219843214978396e-1 + z * (1.818357216161805012e-1 + z * (1.531383769920937332e-1 +
  z * 1.479819860511658591e-1))))));
if (k === 0) return f - (hfsq - s * (hfsq + R));
return k * 6.93147180369123816490e-1 - (hfsq - (s * (hfsq + R) + (k * 1.90821492927058770002e-10 + c)) - f);
`,
};

/** Below this |x|, qexpm1 sums x + x^2/2 + x^3/6 (relative error under x^4/24 < 5e-21). */
export const EXPM1_SERIES_BELOW = 1e-5;

export const expm1Fn: FnDecl = {
  name: "qexpm1",
  params: num,
  returns: "number",
  doc: [
    "e^x - 1 from qexp, a short series near 0 where the subtraction would cancel: within 2.3e-11",
    "relative of Math.expm1, far below a float32 ulp, so the float32 results agree but for a rare tie.",
  ],
  body: `
if (x > -${EXPM1_SERIES_BELOW} && x < ${EXPM1_SERIES_BELOW}) return x + x * x * 0.5 + x * x * x / 6;
return qexp(x) - 1;
`,
};

export const logFn: FnDecl = {
  name: "qlog",
  params: num,
  returns: "number",
  doc: [
    "Natural log of a float32 value from qlog1p: x - 1 is exact for x in [0.5, 2^53), the rest of",
    "(0, 0.5) is split as 2^k * m with m in [sqrt(2)/2, sqrt(2)) through the double's words.",
  ],
  body: `
${WORD_ALIASES}
var hx, k;
if (x >= 0.5) return qlog1p(x - 1);
if (!(x > 0)) return x === 0 ? -Infinity : NaN;
wf[0] = x;
hx = wu[wh] | 0;
k = (hx >> 20) - 1023;
wu[wh] = (hx & 0x000fffff) | 0x3ff00000;
if (wf[0] > ${Math.SQRT2}) {
  wu[wh] = (hx & 0x000fffff) | 0x3fe00000;
  k += 1;
}
return k * 6.93147180369123816490e-1 + (qlog1p(wf[0] - 1) + k * 1.90821492927058770002e-10);
`,
};

export const tanhFn: FnDecl = {
  name: "qtanh",
  params: num,
  returns: "number",
  doc: ["tanh from qexp; a short series near 0, where 1 - e^(-2|x|) would cancel."],
  body: `
var a = x < 0 ? -x : x;
var e, r;
if (a > 22) r = 1;
else if (a < 1e-4) r = a - (a * a * a) / 3;
else {
  e = qexp(-2 * a);
  r = (1 - e) / (1 + e);
}
return x < 0 ? -r : r;
`,
};

const E = ERF_F32;

/** `p = f32(f32(p * v) + c_k)` from the last coefficient down, p starting at the last; lines after the first indented. */
function horner(p: string, v: string, coefficients: readonly number[], indent = ""): string {
  const steps = coefficients
    .slice(0, -1)
    .reverse()
    .map((c) => `${p} = ${fround(`${fround(`${p} * ${v}`)} + ${c}`)};`);
  return [`${p} = ${coefficients[coefficients.length - 1]};`, ...steps].join(`\n${indent}`);
}

export const erfFn: FnDecl = {
  name: "qerf",
  params: num,
  returns: "number",
  doc: ["erf in float32 arithmetic, as compiler/ops/support/erf.ts: two polynomials, 1 beyond."],
  body: `
${F32_ALIAS}
var a = Math.abs(${fround("x")});
var z, q, t, e;
var r = 1;
if (x !== x) return x;
if (a < ${E.smallBelow}) {
  z = ${fround("a * a")};
  ${horner("q", "z", E.small, "  ")}
  r = ${fround(`a + ${fround("a * q")}`)};
} else if (a < ${E.one}) {
  t = ${fround(`${fround(`a * ${E.scale}`)} + ${E.offset}`)};
  ${horner("e", "t", E.large, "  ")}
  r = ${fround("1 - e")};
}
return x < 0 ? -r : r;
`,
};

const twoNums = [
  { name: "a", type: "number" },
  { name: "b", type: "number" },
];

export const laneMinFn: FnDecl = {
  name: "laneMin",
  params: twoNums,
  returns: "number",
  doc: ["The DlsQuant lanes' minimum rule (compiler/quant/dls.ts): a unless b is smaller."],
  body: "return b < a ? b : a;",
};

export const laneMaxFn: FnDecl = {
  name: "laneMax",
  params: twoNums,
  returns: "number",
  doc: ["The DlsQuant lanes' maximum rule (compiler/quant/dls.ts): a unless b is larger."],
  body: "return a < b ? b : a;",
};

export const F32_BITS_VARS: readonly VarDecl[] = [
  { name: "POW2_F32", init: "new Float32Array(1)" },
  { name: "POW2_BITS", init: "new Int32Array(POW2_F32.buffer)" },
];

export const pow2f32Fn: FnDecl = {
  name: "pow2f32",
  params: [{ name: "k", type: "number" }],
  returns: "number",
  doc: ["2^k for an integer k of -126..127, from its float32 bits (exact on every engine, unlike pow)."],
  body: `
POW2_BITS[0] = (k + 127) << 23;
return POW2_F32[0];
`,
};

const S = SIGMOID_F32;

export const sigmoidFn: FnDecl = {
  name: "qsigmoid",
  params: num,
  returns: "number",
  doc: ["Logistic sigmoid in float32 arithmetic, as compiler/ops/support/activation.ts: never overflows."],
  body: `
${F32_ALIAS}
var a = Math.max(-Math.abs(${fround("x")}), ${S.floor});
var k = Math.floor(${fround(`${fround(`a * ${S.log2e}`)} + 0.5`)});
var r = ${fround(`${fround(`a - ${fround(`k * ${S.ln2Hi}`)}`)} - ${fround(`k * ${S.ln2Lo}`)}`)};
var p, e;
${horner("p", "r", S.poly)}
e = ${fround(`${fround(`${fround(`${fround("r * r")} * p`)} + r`)} + 1`)};
e = ${fround(`${fround("e * pow2f32(k + 64)")} * ${2 ** -64}`)};
return x >= 0 ? ${fround(`1 / ${fround("1 + e")}`)} : ${fround(`e / ${fround("1 + e")}`)};
`,
};

export const softplusFn: FnDecl = {
  name: "qsoftplus",
  params: num,
  returns: "number",
  doc: ["log(1 + e^x) without overflow (ONNX Softplus)."],
  body: `
return x > 0 ? x + qlog1p(qexp(-x)) : qlog1p(qexp(x));
`,
};

const X = EXP32;

/**
 * 1.5 * 2^52: a double of magnitude below 2^51 plus this rounds to an integer (ties to even)
 * exactly, as ROUND_SHIFTER does a float32 in float32 arithmetic.
 */
const ROUND_SHIFTER_F64 = 6755399441055744;

/** POW2_F64[k + 150] = 2^k for the integers k of -150..128: every exponent exp32 scales by. */
export const POW2_F64_VARS: readonly VarDecl[] = [
  {
    name: "POW2_F64",
    init: `(function () {
  var table = new Float64Array(279), v = 1, i;
  for (i = 150; i < 279; i++, v *= 2) table[i] = v;
  for (i = 149, v = 0.5; i >= 0; i--, v /= 2) table[i] = v;
  return table;
})()`,
  },
];

/**
 * exp32 (compiler/ops/support/scan-math.ts) as statements: \`out\` = e^\`x\` in float32 arithmetic,
 * bit for bit, through the \`fr\` alias (F32_ALIAS) and \`pow2\`, an alias of POW2_F64; \`a\`, \`k\`,
 * \`r\`, \`p\` are scratch variables. It skips the roundings that cannot round, because each costs an
 * interpreter a typed-array store and load: the clamp is two comparisons (NaN and -0 pass as through
 * Math.min/max); k, the float32 f32(x log2e) rounded to an integer ties to even, is rounded in double
 * (f32's second rounding, of an integer below 2^22, is exact); k c1 is exact (EXP32); and
 * f32(f32(y 2^k1) 2^k2) is f32(y 2^k) because its first product is exact, as y 2^k is in double.
 */
export function exp32Statements(x: string, out: string, v = { a: "a", k: "k", r: "r", p: "p" }): string[] {
  const { a, k, r, p } = v;
  return [
    `${a} = ${x} < ${X.lo} ? ${X.lo} : ${x} > ${X.hi} ? ${X.hi} : ${x};`,
    `${k} = ${fround(`${a} * ${X.log2e}`)} + ${ROUND_SHIFTER_F64} - ${ROUND_SHIFTER_F64};`,
    `${r} = ${fround(`${fround(`${a} - ${k} * ${X.c1}`)} - ${fround(`${k} * ${X.c2}`)}`)};`,
    ...horner(p, r, X.poly).split("\n"),
    `${p} = ${fround(`${fround(`${fround(`${p} * ${fround(`${r} * ${r}`)}`)} + ${r}`)} + 1`)};`,
    `${out} = ${fround(`${p} * pow2[${k} + 150]`)};`,
  ];
}

export const exp32Fn: FnDecl = {
  name: "qexp32",
  params: num,
  returns: "number",
  doc: ["The float scan's exp in float32 arithmetic, as compiler/ops/support/scan-math.ts's exp32."],
  body: `
${F32_ALIAS}
var pow2 = POW2_F64, a, k, r, p, y;
${exp32Statements("x", "y").join("\n")}
return y;
`,
};

const P = LOG1P32;

export const softplus32Fn: FnDecl = {
  name: "qsoftplus32",
  params: num,
  returns: "number",
  doc: [
    "The float scan's softplus in float32 arithmetic, as compiler/ops/support/scan-math.ts's softplus32",
    "(log1p32 written out).",
  ],
  body: `
${F32_ALIAS}
var z, u, big, f, c, ff, y;
if (x > ${SOFTPLUS_LINEAR_ABOVE}) return x;
z = qexp32(-Math.abs(x));
u = ${fround("1 + z")};
big = u > ${P.sqrt2};
f = big ? ${fround(`${fround("u * 0.5")} - 1`)} : ${fround("u - 1")};
c = ${fround(`${fround(`z - ${fround("u - 1")}`)} / u`)};
ff = ${fround("f * f")};
${horner("y", "f", P.poly)}
y = ${fround(`${fround("y * f")} * ff`)};
y = ${fround(`y + ${fround(`c + (big ? ${X.c2} : 0)`)}`)};
y = ${fround(`y - ${fround("ff * 0.5")}`)};
y = ${fround(`${fround("f + y")} + (big ? ${X.c1} : 0)`)};
return ${fround("Math.max(x, 0) + y")};
`,
};

export const powFn: FnDecl = {
  name: "powc",
  params: [
    { name: "x", type: "number" },
    { name: "y", type: "number" },
  ],
  returns: "number",
  doc: ["C's pow: 1 for a base of 1, or of -1 with an infinite exponent, where Math.pow gives NaN."],
  body: `
if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
return Math.pow(x, y);
`,
};
