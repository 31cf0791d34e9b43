import { attr, makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";
import { quantRange } from "../quant/rounding.js";
import type { Pass } from "./pass.js";
import { eitherOrder, fail, intAttr, Matcher, NoMatch, reducesAll } from "./recognise-match.js";

/**
 * The Q-MambaIR quantizers as the exporter's standard-ops form writes them (exporter/ops.py:
 * act_quant, dls_quant, and rfa_quant pre-applied to the weights) become the ai.qmambair ops again,
 * so the integer-kernel pass finds them exactly where it finds the compact form's. Each match
 * starts at a Round (only quantizers round) and proves every constant:
 *
 * ActQuant (QMAMBAIR.md 2.1), alpha and beta one-element constants:
 *   Sub(Mul(Round(Clip(Div(Add(x, beta), alpha), Qn, Qp)), alpha), beta)
 *   (Qn, Qp) must be a signed or unsigned range of 2 to 8 bits; both alphas and both betas equal.
 *
 * DlsQuant (2.2), with mu = ReduceMean(x), m = ReduceMin(x), M = ReduceMax(x) over the whole tensor
 * and sd = Sqrt(ReduceSum(Mul(d, d)) / (numel(x) - 1)), d = Sub(x, mu), the divisor checked at every
 * probe size:
 *   beta  = sum of Mul(w2k, stat), stats mu, sd, m, M (each at most once; a missing one has weight 0)
 *   araw  = sum of Mul(w1, Abs(Add(mu, beta))), Mul(w2, sd), Mul(w3, Add(m, beta)), Mul(w4, Add(M, beta))
 *   alpha = Min(Clip(Abs(araw), 1e-6), Div(Sub(M, m), 2^bits))
 *   y     = Clip(Sub(Mul(Round(Clip(Div(Add(x, beta), Where(Greater(alpha, 0), alpha, 1)), Qn, Qp)), alpha), beta), m, M)
 *   2^bits must agree with the width of (Qn, Qp). The weights become DlsQuant's w[8].
 *
 * RfaQuant (2.3) leaves no chain: the exporter applies it to the weights before tracing, so a
 * standard-ops file holds the dequantized weights q*alpha - beta. A MatMul or Conv whose activation
 * is a quantizer recognised here and whose weight is a float constant gets its weight back as
 * qmc.DequantizeCodes (codes, alpha, beta) with the activation's bit-width, when alpha and beta are
 * found for which fround(fround(q*alpha) - beta) gives every weight bit for bit (the dequantized
 * weights are the same numbers, so the product is the same math). Of the code offsets that fit the
 * range (each gives the same numbers with another beta), the one with codes nearest w / alpha.
 */
export const recogniseQuantizers: Pass = {
  name: "recognise-quantizers",
  summary: "Round/Clip/Reduce quantizer chains -> ActQuant / DlsQuant; b-bit float weights -> int codes",
  run(model, file) {
    const rounds = model.graph.nodes.filter((n) => n.domain === "ai.onnx" && n.opType === "Round");
    if (rounds.length === 0) return model;
    const m = new Matcher(model, file, "recognise-quantizers");
    const quantizers = new Map<string, number>();
    for (const round of rounds) {
      m.attempt(round, "not an ActQuant or DlsQuant chain", () => {
        const q = matchQuantizer(m, round);
        m.replace(q.last, [q.node]);
        quantizers.set(q.node.outputs[0], q.bits);
      });
    }
    for (const node of [...m.g.nodes]) {
      if (node.domain !== "ai.onnx" || (node.opType !== "MatMul" && node.opType !== "Conv")) continue;
      const slots =
        node.opType === "Conv"
          ? [[0, 1]]
          : [
              [0, 1],
              [1, 0],
            ];
      const slot = slots.find(([a, w]) => quantizers.has(node.inputs[a]) && m.constant(node.inputs[w]));
      if (!slot) continue;
      const [a, w] = slot;
      m.attempt(node, "weight stays float", () => {
        const weight = m.constant(node.inputs[w]) as Tensor;
        const codes = weightCodes(weight, quantizers.get(node.inputs[a]) as number);
        const codesName = m.addConstant(`${node.inputs[w]}.codes`, codes.codes);
        const dequantized = m.fresh(`${node.inputs[w]}.dequantized`);
        const inputs = [...node.inputs];
        inputs[w] = dequantized;
        m.replace(node, [
          makeNode(
            "DequantizeCodes",
            "qmc",
            [codesName],
            [dequantized],
            {
              bits: attr.int(codes.bits),
              alpha: attr.floats([codes.alpha]),
              beta: attr.floats([codes.beta]),
              axis: attr.int(0),
            },
            `${node.name}.weight`,
          ),
          { ...node, inputs },
        ]);
      });
    }
    return m.finish(["ai.qmambair", "qmc"]);
  },
};

interface Quantizer {
  /** The chain's last node, replaced by `node`. */
  readonly last: Node;
  readonly node: Node;
  readonly bits: number;
}

/** (bits, signed) of a clip range [lo, hi], 2 to 8 bits. */
function rangeBits(lo: number, hi: number): { bits: number; signed: boolean } {
  for (let bits = 2; bits <= 8; bits++) {
    for (const signed of [true, false]) {
      const [qn, qp] = quantRange(bits, signed);
      if (qn === lo && qp === hi) return { bits, signed };
    }
  }
  return fail(`the clip range [${lo}, ${hi}] is no signed or unsigned range of 2 to 8 bits`);
}

/** The one reader of `value`, which must be a standard `opType`. */
function onlyReader(m: Matcher, value: string, opType: string, what: string): Node {
  const readers = m.readersOf(value);
  if (readers.length !== 1 || readers[0].opType !== opType || readers[0].domain !== "ai.onnx") {
    fail(`${what} is read by ${readers.map((n) => n.opType).join(", ") || "nothing"}, expected one ${opType}`);
  }
  return readers[0];
}

function matchQuantizer(m: Matcher, round: Node): Quantizer {
  const clip = m.op(round.inputs[0], "Clip", "the input of Round");
  const { bits, signed } = rangeBits(m.scalar(clip.inputs[1], "Clip's min"), m.scalar(clip.inputs[2], "Clip's max"));
  const div = m.op(clip.inputs[0], "Div", "the input of Clip");
  const scale = m.constant(div.inputs[1]);
  const mul = onlyReader(m, round.outputs[0], "Mul", "Round's output");
  const sub = onlyReader(m, mul.outputs[0], "Sub", "the rescaled codes");
  if (sub.inputs[0] !== mul.outputs[0]) fail("the offset is subtracted from the wrong side");
  const scaleAgain = mul.inputs[0] === round.outputs[0] ? mul.inputs[1] : mul.inputs[0];
  const attrs = { bits: attr.int(bits), signed: attr.int(signed ? 1 : 0) };
  if (scale) {
    // ActQuant: every parameter is a constant.
    const alpha = m.scalar(div.inputs[1], "the scale");
    if (alpha === 0 || !Number.isFinite(alpha)) fail(`the scale is ${alpha}`);
    if (m.scalar(scaleAgain, "the rescale factor") !== alpha) fail("the rescale factor differs from the scale");
    const add = m.op(div.inputs[0], "Add", "the divided value");
    const pair = eitherOrder(add).find(([, b]) => m.constant(b)?.size === 1);
    if (!pair) fail("no one-element offset is added before the division");
    const [x, betaName] = pair;
    const beta = m.scalar(betaName, "the offset");
    if (m.scalar(sub.inputs[1], "the subtracted offset") !== beta)
      fail("the subtracted offset differs from the added one");
    const alphaName = m.addConstant(`${sub.outputs[0]}.alpha`, Tensor.scalar("float32", alpha));
    const betaConst = m.addConstant(`${sub.outputs[0]}.beta`, Tensor.scalar("float32", beta));
    const node = makeNode("ActQuant", "ai.qmambair", [x, alphaName, betaConst], [...sub.outputs], attrs, sub.name);
    return { last: sub, node, bits };
  }
  const last = onlyReader(m, sub.outputs[0], "Clip", "the dequantized value");
  const w = matchDlsParameters(m, div, scaleAgain, sub, last, bits);
  const wName = m.addConstant(`${last.outputs[0]}.w`, new Tensor("float32", [8], Float32Array.from(w.weights)));
  const node = makeNode("DlsQuant", "ai.qmambair", [w.x, wName], [...last.outputs], attrs, last.name);
  return { last, node, bits };
}

interface DlsMatch {
  readonly x: string;
  /** w1..w4, w21..w24. */
  readonly weights: readonly number[];
}

/** The statistics of x, as the values that hold them. */
interface Stats {
  readonly mu: string;
  readonly sd: string;
  readonly min: string;
  readonly max: string;
}

function matchDlsParameters(m: Matcher, div: Node, alpha: string, sub: Node, last: Node, bits: number): DlsMatch {
  const where = m.op(div.inputs[1], "Where", "the DlsQuant divisor");
  const greater = m.op(where.inputs[0], "Greater", "the guard's condition");
  if (where.inputs[1] !== alpha || greater.inputs[0] !== alpha) fail("the zero guard does not test the scale");
  if (m.scalar(greater.inputs[1], "the guard's threshold") !== 0) fail("the zero guard does not compare with 0");
  if (m.scalar(where.inputs[2], "the guard's fallback") !== 1) fail("the zero guard does not fall back to 1");
  const add = m.op(div.inputs[0], "Add", "the divided value");
  const beta = sub.inputs[1];
  const x = eitherOrder(add).find(([, b]) => b === beta)?.[0];
  if (x === undefined) fail("the offset added before the division is not the one subtracted after it");
  const stats = statsOf(m, x);
  if (last.inputs[1] !== stats.min || last.inputs[2] !== stats.max) fail("the final clip is not to [min(x), max(x)]");
  const w2 = weightedSum(m, beta, "the offset", (v) => statKind(m, v, stats));
  const min = m.op(alpha, "Min", "the scale");
  const pair = eitherOrder(min).find(([a]) => m.maybe(a, "Clip"));
  if (!pair) fail("the scale is not Min(Clip(...), ...)");
  const [clipped, range] = pair;
  const floor = m.op(clipped, "Clip", "the clipped scale");
  if (m.scalar(floor.inputs[1], "the scale's floor") !== Math.fround(1e-6) || (floor.inputs[2] ?? "") !== "") {
    fail("the scale is not clipped to [1e-6, inf)");
  }
  const spread = m.op(range, "Div", "the scale's ceiling");
  if (m.scalar(spread.inputs[1], "the ceiling's divisor") !== 2 ** bits)
    fail(`the ceiling does not divide by 2^${bits}`);
  const width = m.op(spread.inputs[0], "Sub", "the range");
  if (width.inputs[0] !== stats.max || width.inputs[1] !== stats.min)
    fail("the ceiling is not (max(x) - min(x)) / 2^bits");
  const abs = m.op(floor.inputs[0], "Abs", "the raw scale");
  const shifted = (v: string, stat: string) => {
    const s = m.maybe(v, "Add");
    return s !== undefined && eitherOrder(s).some(([a, b]) => a === stat && b === beta);
  };
  const w1 = weightedSum(m, abs.inputs[0], "the raw scale", (v) => {
    const inner = m.maybe(v, "Abs");
    if (inner && shifted(inner.inputs[0], stats.mu)) return 0;
    if (v === stats.sd) return 1;
    if (shifted(v, stats.min)) return 2;
    if (shifted(v, stats.max)) return 3;
    return fail(`a term of the raw scale is ${m.describe(v)}, not |mu + beta|, sd, min + beta or max + beta`);
  });
  return { x, weights: [...w1, ...w2] };
}

function statKind(m: Matcher, v: string, s: Stats): number {
  const i = [s.mu, s.sd, s.min, s.max].indexOf(v);
  if (i < 0) fail(`a term of the offset is ${m.describe(v)}, not a statistic of x`);
  return i;
}

/**
 * The statistics DlsQuant reads, found among x's readers: mu, min and max reduce all of x, and sd is
 * the unbiased standard deviation (its divisor, numel - 1, checked at every probe size).
 */
function statsOf(m: Matcher, x: string): Stats {
  const reader = (opType: string) => {
    const n = m.readersOf(x).find((r) => r.opType === opType && r.domain === "ai.onnx");
    if (!n) fail(`x is not reduced by ${opType}`);
    reducesAll(n, opType, `${opType} of x`);
    return n.outputs[0];
  };
  const mu = reader("ReduceMean");
  const min = reader("ReduceMin");
  const max = reader("ReduceMax");
  const centred = m.readersOf(x).find((r) => r.opType === "Sub" && r.inputs[0] === x && r.inputs[1] === mu);
  if (!centred) fail("x - mean(x) is not computed");
  const square = m
    .readersOf(centred.outputs[0])
    .find((r) => r.opType === "Mul" && r.inputs[0] === centred.outputs[0] && r.inputs[1] === centred.outputs[0]);
  if (!square) fail("(x - mean)^2 is not computed");
  const sum = onlyReader(m, square.outputs[0], "ReduceSum", "the squared deviations");
  reducesAll(sum, "ReduceSum", "the sum of squares");
  const variance = onlyReader(m, sum.outputs[0], "Div", "the sum of squares");
  if (variance.inputs[0] !== sum.outputs[0]) fail("the variance divides the wrong way");
  if (!countsLessOne(m, variance.inputs[1], x)) {
    // A fixed-size graph has the count folded to a constant.
    const n = m.probedValues(variance.inputs[1], "the variance's divisor");
    m.shapes(x).forEach((s, k) => {
      const count = s.reduce((a, b) => a * b, 1);
      if (n[k].length !== 1 || n[k][0] !== count - 1) {
        fail(`the variance divides by ${n[k]}, not numel - 1 = ${count - 1}`);
      }
    });
  }
  const sd = onlyReader(m, variance.outputs[0], "Sqrt", "the variance").outputs[0];
  return { mu, sd, min, max };
}

/** Whether `value` is Sub(Cast(ReduceProd(Shape(x))), 1): numel(x) - 1 at any size, as torch exports it. */
function countsLessOne(m: Matcher, value: string, x: string): boolean {
  const sub = m.maybe(value, "Sub");
  const cast = sub && m.maybe(sub.inputs[0], "Cast");
  const prod = cast && m.maybe(cast.inputs[0], "ReduceProd");
  const shape = prod && m.maybe(prod.inputs[0], "Shape");
  if (!sub || !prod || shape?.inputs[0] !== x || intAttr(shape, "start", 0) !== 0 || shape.attrs.has("end"))
    return false;
  try {
    reducesAll(prod, "ReduceProd", "the element count");
    return m.scalar(sub.inputs[1], "the count's decrement") === 1;
  } catch (e) {
    if (e instanceof NoMatch) return false;
    throw e;
  }
}

/**
 * The weights of a sum of Mul(constant, term) (Adds nested in any order), each term placed by
 * `slot` into one of four positions; a missing term has weight 0, a repeated one fails.
 */
function weightedSum(m: Matcher, value: string, what: string, slot: (v: string) => number): number[] {
  const weights = [0, 0, 0, 0];
  const seen = [false, false, false, false];
  const visit = (v: string) => {
    const add = m.maybe(v, "Add");
    if (add) {
      visit(add.inputs[0]);
      visit(add.inputs[1]);
      return;
    }
    const mul = m.op(v, "Mul", `a term of ${what}`);
    const pair = eitherOrder(mul).find(([c]) => m.constant(c)?.size === 1);
    if (!pair) fail(`a term of ${what} has no one-element constant weight`);
    const k = slot(pair[1]);
    if (seen[k]) fail(`${what} has the same statistic twice`);
    seen[k] = true;
    weights[k] = m.scalar(pair[0], "a weight");
  };
  visit(value);
  return weights;
}

interface Codes {
  readonly codes: Tensor;
  readonly bits: number;
  readonly alpha: number;
  readonly beta: number;
}

/** How many float32 steps either way around an estimate are tried for alpha. */
const ALPHA_STEPS = 4;

/**
 * Integer codes q in the signed `bits` range and float32 alpha, beta with
 * fround(fround(q*alpha) - beta) equal to every weight (the DequantizeCodes formula).
 */
export function weightCodes(w: Tensor, bits: number): Codes {
  if (w.dtype !== "float32") fail(`the weight is ${w.dtype}, not float32`);
  const levels = [...new Set(w.values)].sort((a, b) => a - b);
  if (levels.length > 2 ** bits) fail(`the weight has ${levels.length} distinct values, more than 2^${bits}`);
  if (levels.length < 2) fail("the weight has a single value, which fixes no scale");
  const [qn, qp] = quantRange(bits, true);
  const lo = levels[0];
  const width = levels[levels.length - 1] - lo;
  const gap = Math.min(...levels.slice(1).map((v, i) => v - levels[i]));
  // alpha divides every gap between levels: the smallest gap is 1, 2, ... steps of it.
  const spans = Array.from({ length: qp - qn }, (_, k) => Math.round((width * (k + 1)) / gap)).filter((span) => {
    const step = width / span;
    return levels.every((v) => Math.abs((v - lo) / step - Math.round((v - lo) / step)) < 1e-3);
  });
  if (spans.length === 0) fail(`the weight's ${levels.length} levels are not on one grid of up to ${qp - qn} steps`);
  if (spans[0] > qp - qn) fail(`the weight's levels span ${spans[0]} steps, more than a ${bits}-bit range`);
  for (const span of spans.filter((n) => n <= qp - qn)) {
    const found = exactCodes(w, levels, span, bits);
    if (found) return found;
  }
  return fail(`no float32 alpha and beta reproduce its ${levels.length} levels as ${bits}-bit codes`);
}

/** Codes `span` steps wide for the levels, with alpha and beta that reproduce them exactly, if any. */
function exactCodes(w: Tensor, levels: readonly number[], span: number, bits: number): Codes | undefined {
  const [qn, qp] = quantRange(bits, true);
  const lo = levels[0];
  const estimate = (levels[levels.length - 1] - lo) / span;
  for (let k = 0; k <= 2 * ALPHA_STEPS; k++) {
    const alpha = float32Step(Math.fround(estimate), k % 2 === 0 ? k / 2 : -(k + 1) / 2);
    const offset = Math.min(qp - span, Math.max(qn, Math.round(lo / alpha)));
    const code = (v: number) => offset + Math.round((v - lo) / alpha);
    for (const beta of betaCandidates(levels, code, alpha)) {
      if (!levels.every((v) => Math.fround(Math.fround(code(v) * alpha) - beta) === v)) continue;
      const byLevel = new Map(levels.map((v) => [v, code(v)]));
      const q = Int8Array.from(w.values, (v) => byLevel.get(v) as number);
      return { codes: new Tensor("int8", w.shape, q), bits, alpha, beta };
    }
  }
  return undefined;
}

/** Betas that make some level exact (fround(q*alpha) - level, rounded, and its neighbours). */
function betaCandidates(levels: readonly number[], code: (v: number) => number, alpha: number): number[] {
  const out = new Set<number>();
  for (const v of levels) {
    const b = Math.fround(Math.fround(code(v) * alpha) - v);
    for (const s of [0, 1, -1, 2, -2]) out.add(float32Step(b, s));
  }
  return [...out];
}

/** The float32 `steps` representable values above (below, when negative) x. */
function float32Step(x: number, steps: number): number {
  const f = new Float32Array([x]);
  const i = new Int32Array(f.buffer);
  for (let k = 0; k < Math.abs(steps); k++) {
    const up = steps > 0;
    if (f[0] === 0) f[0] = up ? 1.4e-45 : -1.4e-45;
    else i[0] += f[0] > 0 === up ? 1 : -1;
  }
  return f[0];
}
