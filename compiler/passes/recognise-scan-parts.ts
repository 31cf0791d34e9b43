import { attr, makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";
import { eitherOrder, fail, intAttr, intsAttr, type Matcher, NoMatch, sameList } from "./recognise-match.js";

/**
 * What the two chunked selective-scan forms share (recognise-scan-doubling.ts, recognise-scan-chunked.ts,
 * both written by exporter/ops.py _scan_core): with dt = Softplus(Add(delta, bias)), pad(v) =
 * Slice(Pad(v, chunk zeros after the last axis), 0 .. Lp) and Lp = L rounded up to a multiple of chunk,
 *
 *   dA   = Mul(Reshape(pad(dt)) -> (B,G,E,1,Lp), A (1,G,E,N,1))
 *   b0   = Reshape(Mul(Reshape(Mul(pad(dt), pad(u))) -> (B,G,E,1,Lp), Reshape(pad(Bm)) -> (B,G,1,N,Lp))) -> (B,G,E,N,Lp/chunk,chunk)
 *   a, b = the decay from each chunk's start and the states from a zero state there (each form's own part)
 *   Hc   = doubling(Gather(a, -1), Gather(b, -1)) along the chunk-count axis, R rounds (b only)
 *   h    = Add(Mul(a, Unsqueeze(shift(Hc, 1, 0), -1)), b)
 *   y    = Add(Reshape(ReduceSum(Mul(Slice(Reshape(h) -> (B,G,E,N,Lp), 0 .. L), Reshape(Cm) -> (B,G,1,N,L)), axis 3)) -> (B,G*E,L),
 *              Mul(D (1,G*E,1), u))
 *
 * where shift(v, s, fill) = Slice(Pad(v, s of `fill` before the axis), 0 .. -s) and doubling is the
 * Hillis-Steele scan b <- Add(b, Mul(a, shift(b, s, 0))); a <- Mul(a, shift(a, s, 1)), s = 1, 2, 4, ...
 * Operands of Add and Mul may come in either order. Checked here: every pad, slice, gather and shift
 * constant; 2^R >= the number of chunks at each probe size; the padded length Lp and every reshape's
 * shape at each probe size (recognise-match.ts), which pins G, E, N and the order of the channels; A,
 * D and the bias as constants of those shapes. The padding steps have dt = 0, so a = 1 and b = 0
 * there and the cut-off tail is exactly the identity: given a and b as said, the result is
 * h_t = exp(dt_t A) h_{t-1} + dt_t B_t u_t summed against C_t, plus D u, which is SelectiveScan(u,
 * delta, A, Bm, Cm, D, bias, delta_softplus=1) (QMAMBAIR.md section 1) up to float rounding (ONNX
 * Softplus is log(1 + e^v) everywhere, the scan's softplus is v above 20, where the two differ by
 * less than e^-20). The doubling across chunks has a fixed number of rounds: for L > chunk * 2^R the
 * standard-ops graph itself stops carrying the state (the exporter sizes R for 2^18 positions); the
 * recognised scan computes the recurrence there too.
 */
export interface Candidate {
  readonly sum: Node;
  readonly skip: string;
  readonly out: Node;
}

/** Add(Reshape(ReduceSum(Mul(Slice(..), ..))), skip): the last nodes of the scan, or undefined. */
export function stateSum(m: Matcher, add: Node): Candidate | undefined {
  for (const [ys, skip] of eitherOrder(add)) {
    const out = m.maybe(ys, "Reshape");
    const sum = out && m.maybe(out.inputs[0], "ReduceSum");
    const prod = sum && m.maybe(sum.inputs[0], "Mul");
    if (out && sum && prod?.inputs.some((i) => m.maybe(i, "Slice"))) return { sum, skip, out };
  }
  return undefined;
}

/** h = Add(Mul(a, carried), b): the states, with the chunk's decay `a` and its own states `b`. */
export interface States {
  readonly h: Node;
  readonly hSlice: Node;
  readonly hFlat: Node;
  readonly a: string;
  readonly b: string;
  readonly carried: string;
}

export function statesOf(m: Matcher, c: Candidate): States {
  const [hSlice] = split(m, m.op(c.sum.inputs[0], "Mul", "the state sum's input"), "Slice", "h * C");
  checkSlice(m, hSlice, 4, 5, "the cut states");
  const hFlat = m.op(hSlice.inputs[0], "Reshape", "the states");
  const h = m.op(hFlat.inputs[0], "Add", "the states");
  for (const [term, b] of eitherOrder(h)) {
    const mul = m.maybe(term, "Mul");
    for (const [a, carried] of mul ? eitherOrder(mul) : [])
      if (m.maybe(carried, "Unsqueeze")) return { h, hSlice, hFlat, a, b, carried };
  }
  return fail("the states are not a * carried state + b");
}

/** Whether a candidate's chunk states are the closed form's Mul(exp(S), CumSum(..)) (else: doubling). */
export function isClosedForm(m: Matcher, c: Candidate): boolean {
  try {
    const b = m.maybe(statesOf(m, c).b, "Mul");
    return b?.inputs.some((i) => m.maybe(i, "CumSum")) ?? false;
  } catch (e) {
    if (!(e instanceof NoMatch)) throw e;
    return false;
  }
}

/** What a form's own part found: a and b from dA and b0 along chunks of `chunk`. */
export interface WithinChunks {
  readonly chunk: number;
  /** The Mul(Reshape(pad(dt)), A) node. */
  readonly dtA: Node;
  /** b0: Reshape(Mul(dt * u, B)) to (B,G,E,N,Lp/chunk,chunk). */
  readonly inputTerm: Node;
  /** Values the form reshaped to (B,G,E,N,Lp/chunk,chunk), with what they are. */
  readonly chunked: readonly [string, string][];
}

/**
 * Matches the whole scan at `add` around a form's own part, `within(decay a, states b)`, and returns
 * the SelectiveScan replacing it.
 */
export function matchChunkedScan(
  m: Matcher,
  add: Node,
  c: Candidate,
  within: (a: string, b: string) => WithinChunks,
): Node {
  // y = sum over states, plus D * u
  const sumAxes = intsAttr(c.sum, "axes") ?? m.ints(c.sum.inputs[1] ?? "", "the state sum's axes");
  if (!sameList(sumAxes, [3]) || intAttr(c.sum, "keepdims", 1) !== 0) fail("the state sum is not over axis 3");
  const [, cReshaped] = split(m, m.op(c.sum.inputs[0], "Mul", "the state sum's input"), "Slice", "h * C");
  const cShaped = m.maybe(cReshaped, "Reshape") ?? fail("C is not reshaped to (B, G, 1, N, L)");
  const [u, dValue] = skipTerm(m, c.skip);
  const us = m.shapes(u);
  if (us[0].length !== 3) fail(`u has shape [${us[0]}], expected (B, G*E, L)`);
  const GE = us[0][1];
  const st = statesOf(m, c);
  const unsq = m.op(st.carried, "Unsqueeze", "the carried state");
  const unsqAxes = intsAttr(unsq, "axes") ?? m.ints(unsq.inputs[1] ?? "", "the carried state's axes");
  if (!sameList(unsqAxes, [-1]) && !sameList(unsqAxes, [5]))
    fail("the carried state is not unsqueezed on the chunk axis");
  const [hc, by] = shift(m, unsq.inputs[0], 4, 0, "the carried state");
  if (by !== 1) fail(`the carried state shifts by ${by} chunks, expected 1`);
  const w = within(st.a, st.b);
  const { chunk } = w;
  const across = doubling(m, hc, 4, "the scan across chunks");
  if (lastAlong(m, across.a0, 5, chunk, "the chunk decay") !== st.a) fail("the chunk decay is not the last multiplier");
  if (lastAlong(m, across.b0, 5, chunk, "the chunk state") !== st.b) fail("the chunk state is not the last state");
  // dA = dt * A, b0 = dt * u * B
  const [dtA, aConst] = split(m, w.dtA, "Reshape", "dt * A");
  const [dtuShaped, bShaped] = ((): [Node, string] => {
    const mul = m.op(w.inputTerm.inputs[0], "Mul", "the input term");
    for (const [x, y] of eitherOrder(mul)) {
      const r = m.maybe(x, "Reshape");
      if (r && m.maybe(r.inputs[0], "Mul")) return [r, y];
    }
    return fail("the input term is not (dt * u) * B");
  })();
  const A = m.constant(aConst);
  if (A?.dtype !== "float32" || A.rank !== 5 || A.shape[0] !== 1 || A.shape[4] !== 1) {
    fail(`A is ${m.describe(aConst)}, expected a float32 constant (1, G, E, N, 1)`);
  }
  const [, G, E, N] = A.shape;
  if (G * E !== GE) fail(`A has ${G}x${E} channels, u has ${GE}`);
  const dtuMul = m.op(dtuShaped.inputs[0], "Mul", "dt * u");
  const dtPair = eitherOrder(dtuMul).find(([d]) => d === dtA.inputs[0]);
  if (!dtPair) fail("dt * u and dt * A read different dt");
  const dt = padded(m, dtA.inputs[0], chunk, "the padded dt");
  if (padded(m, dtPair[1], chunk, "the padded u") !== u) fail("the scanned u is not the skip term's u");
  const bReshape = m.op(bShaped, "Reshape", "B");
  const Bm = padded(m, bReshape.inputs[0], chunk, "the padded B");
  const [delta, biasValue] = softplusOfBiased(m, dt);
  const Cm = cShaped.inputs[0];
  // shapes at every probe: G, E, N and L as the scan reads them
  const dims = us.map((s) => {
    if (s.length !== 3 || s[1] !== GE) fail(`u has shape [${s}], expected (B, ${GE}, L)`);
    return { b: s[0], l: s[2], lp: Math.ceil(s[2] / chunk) * chunk };
  });
  const expect = (value: string, what: string, f: (d: (typeof dims)[number]) => number[]) =>
    m.expectShape(value, what, (k) => f(dims[k]));
  expect(delta, "delta", (d) => [d.b, GE, d.l]);
  expect(Bm, "B", (d) => [d.b, G, N, d.l]);
  expect(Cm, "C", (d) => [d.b, G, N, d.l]);
  expect(dtA.outputs[0], "dt for the decay", (d) => [d.b, G, E, 1, d.lp]);
  expect(dtuShaped.outputs[0], "dt * u", (d) => [d.b, G, E, 1, d.lp]);
  expect(bReshape.outputs[0], "the padded B", (d) => [d.b, G, 1, N, d.lp]);
  expect(w.inputTerm.outputs[0], "the chunked input term", (d) => [d.b, G, E, N, d.lp / chunk, chunk]);
  for (const [value, what] of w.chunked) expect(value, what, (d) => [d.b, G, E, N, d.lp / chunk, chunk]);
  expect(st.hFlat.outputs[0], "the states", (d) => [d.b, G, E, N, d.lp]);
  expect(st.hSlice.outputs[0], "the cut states", (d) => [d.b, G, E, N, d.l]);
  expect(cShaped.outputs[0], "C", (d) => [d.b, G, 1, N, d.l]);
  expect(c.out.outputs[0], "y", (d) => [d.b, GE, d.l]);
  for (const d of dims) {
    if (2 ** across.rounds < d.lp / chunk)
      fail(`${across.rounds} rounds across chunks cannot carry ${d.lp / chunk} chunks`);
  }
  return selectiveScan(m, add, { u, delta, A: new Tensor("float32", [GE, N], A.values), Bm, Cm, dValue, biasValue });
}

/** Mul(D, u) with D a constant: [u, D]. */
export function skipTerm(m: Matcher, value: string): [string, string] {
  const skip = m.op(value, "Mul", "the skip term");
  const pair = eitherOrder(skip).find(([d]) => m.constant(d));
  if (!pair) fail("the skip term is not a constant D times u");
  return [pair[1], pair[0]];
}

/** dt = Softplus(Add(delta, constant bias)): [delta, bias]. */
export function softplusOfBiased(m: Matcher, dt: string): [string, string] {
  const softplus = m.op(dt, "Softplus", "dt");
  const biasAdd = m.op(softplus.inputs[0], "Add", "dt before softplus");
  const pair = eitherOrder(biasAdd).find(([, b]) => m.constant(b));
  if (!pair) fail("dt is not delta plus a constant bias");
  return pair;
}

/** The SelectiveScan replacing the scan whose last node is `add`; A as (G*E, N), D and bias per channel. */
export function selectiveScan(
  m: Matcher,
  add: Node,
  v: { u: string; delta: string; A: Tensor; Bm: string; Cm: string; dValue: string; biasValue: string },
): Node {
  const GE = v.A.shape[0];
  const aName = m.addConstant(`${add.outputs[0]}.A`, v.A);
  const dName = m.addConstant(`${add.outputs[0]}.D`, perChannel(m, v.dValue, GE, "D"));
  const biasName = m.addConstant(`${add.outputs[0]}.delta_bias`, perChannel(m, v.biasValue, GE, "the delta bias"));
  return makeNode(
    "SelectiveScan",
    "ai.qmambair",
    [v.u, v.delta, aName, v.Bm, v.Cm, dName, biasName],
    [...add.outputs],
    { delta_softplus: attr.int(1) },
    add.name,
  );
}

/** Checks Slice(Pad(v, s of `fill` before `axis`), 0 .. -s on `axis`); returns [v, s]. */
export function shift(m: Matcher, value: string, axis: number, fill: number, what: string): [string, number] {
  const slice = m.op(value, "Slice", what);
  const pad = m.op(slice.inputs[0], "Pad", what);
  const rank = m.shapes(pad.inputs[0])[0].length;
  const pads = padsOf(m, pad, what);
  const s = pads[axis];
  if (!(s > 0) || pads.some((p, i) => i !== axis && p !== 0)) fail(`${what} does not pad before axis ${axis} only`);
  if (padValue(m, pad, what) !== fill) fail(`${what} pads with ${padValue(m, pad, what)}, expected ${fill}`);
  checkSlice(m, slice, axis, rank, what);
  if (!sameList(m.ints(slice.inputs[2], `${what}'s end`), [-s])) fail(`${what} does not cut the ${s} last elements`);
  return [pad.inputs[0], s];
}

function padsOf(m: Matcher, pad: Node, what: string): readonly number[] {
  if ((pad.inputs[3] ?? "") !== "") fail(`${what} pads given axes`);
  const mode = pad.attrs.get("mode");
  if (mode && !(mode.type === "string" && mode.value === "constant")) fail(`${what} is not a constant pad`);
  return m.ints(pad.inputs[1], `${what}'s pads`);
}

function padValue(m: Matcher, pad: Node, what: string): number {
  return (pad.inputs[2] ?? "") === "" ? 0 : m.scalar(pad.inputs[2], `${what}'s pad value`);
}

/** Slice from 0 with step 1 along `axis` (of a rank-`rank` value). */
function checkSlice(m: Matcher, slice: Node, axis: number, rank: number, what: string): void {
  const axes = m.ints(slice.inputs[3] ?? "", `${what}'s axes`, [0]);
  if (axes.length !== 1 || (axes[0] + rank) % rank !== axis) fail(`${what} slices axes [${axes}], expected [${axis}]`);
  if (!sameList(m.ints(slice.inputs[1], `${what}'s starts`), [0])) fail(`${what} does not start at 0`);
  if (!sameList(m.ints(slice.inputs[4] ?? "", `${what}'s steps`, [1]), [1])) fail(`${what} does not step by 1`);
}

/** pad(v): Slice(Pad(v, `chunk` zeros after the last axis), 0 .. Lp); returns v, checking Lp at every probe. */
function padded(m: Matcher, value: string, chunk: number, what: string): string {
  const slice = m.op(value, "Slice", what);
  const pad = m.op(slice.inputs[0], "Pad", what);
  const v = pad.inputs[0];
  const shapes = m.shapes(v);
  const rank = shapes[0].length;
  const pads = padsOf(m, pad, what);
  if (pads.length !== 2 * rank || pads.some((p, i) => p !== (i === 2 * rank - 1 ? chunk : 0))) {
    fail(`${what} pads [${pads}], expected ${chunk} after the last axis only`);
  }
  if (padValue(m, pad, what) !== 0) fail(`${what} pads with a value other than 0`);
  checkSlice(m, slice, rank - 1, rank, what);
  m.expectShape(slice.outputs[0], what, (k) => {
    const s = shapes[k];
    return [...s.slice(0, -1), Math.ceil(s[rank - 1] / chunk) * chunk];
  });
  return v;
}

export interface Doubling {
  readonly a0: string;
  readonly b0: string;
  readonly rounds: number;
  /** The multiplier after the last round, when the graph computes it. */
  readonly aFinal?: string;
}

/**
 * b <- b + a * shift(b, s, 0), a <- a * shift(a, s, 1) for s = 1, 2, 4, ... (Hillis-Steele), read
 * back from the final b along `axis`.
 */
export function doubling(m: Matcher, bFinal: string, axis: number, what: string): Doubling {
  const rounds: { b: string; a: string; s: number }[] = [];
  let v = bFinal;
  for (;;) {
    const add = m.maybe(v, "Add");
    const step = add && roundOf(m, add, axis);
    if (!step) break;
    rounds.unshift(step);
    v = step.b;
  }
  if (rounds.length === 0) fail(`${what} has no doubling round`);
  rounds.forEach((r, k) => {
    if (r.s !== 2 ** k) fail(`${what} round ${k + 1} shifts by ${r.s}, expected ${2 ** k}`);
    if (k > 0 && !isNextMultiplier(m, r.a, rounds[k - 1].a, 2 ** (k - 1), axis)) {
      fail(`${what} round ${k + 1} multiplies by ${m.describe(r.a)}, not the doubled multiplier`);
    }
  });
  const last = rounds[rounds.length - 1];
  const aFinal = m
    .readersOf(last.a)
    .find((n) => n.opType === "Mul" && isNextMultiplier(m, n.outputs[0], last.a, last.s, axis))?.outputs[0];
  return { a0: rounds[0].a, b0: rounds[0].b, rounds: rounds.length, aFinal };
}

/** Add(b, Mul(a, shift(b, s, 0))) in any operand order, or undefined. */
function roundOf(m: Matcher, add: Node, axis: number): { b: string; a: string; s: number } | undefined {
  for (const [b, term] of eitherOrder(add)) {
    const mul = m.maybe(term, "Mul");
    if (!mul) continue;
    for (const [a, shifted] of eitherOrder(mul)) {
      try {
        const [source, s] = shift(m, shifted, axis, 0, "a doubling shift");
        if (source === b) return { b, a, s };
      } catch (e) {
        if (!(e instanceof NoMatch)) throw e;
      }
    }
  }
  return undefined;
}

/** Whether `next` = Mul(prev, shift(prev, s, 1)). */
function isNextMultiplier(m: Matcher, next: string, prev: string, s: number, axis: number): boolean {
  const mul = m.maybe(next, "Mul");
  if (!mul) return false;
  return eitherOrder(mul).some(([a, shifted]) => {
    if (a !== prev) return false;
    try {
      const [source, by] = shift(m, shifted, axis, 1, "a multiplier shift");
      return source === prev && by === s;
    } catch (e) {
      if (!(e instanceof NoMatch)) throw e;
      return false;
    }
  });
}

/** Gather(v, last index, axis): returns v. */
function lastAlong(m: Matcher, value: string, axis: number, size: number, what: string): string {
  const g = m.op(value, "Gather", what);
  const index = m.constant(g.inputs[1]);
  if (
    intAttr(g, "axis", 0) !== axis ||
    !index ||
    index.rank !== 0 ||
    (index.item() !== -1 && index.item() !== size - 1)
  ) {
    fail(`${what} does not take the last element along axis ${axis}`);
  }
  return g.inputs[0];
}

/** The product's operand that is `opType`'s output, and the other one. */
export function split(m: Matcher, node: Node, opType: string, what: string): [Node, string] {
  for (const [a, b] of eitherOrder(node)) {
    const n = m.maybe(a, opType);
    if (n) return [n, b];
  }
  return fail(`${what} has no ${opType} operand`);
}

/** A constant holding one value per channel, shaped (1, C, 1) or (C, 1), as a (C) tensor. */
export function perChannel(m: Matcher, value: string, channels: number, what: string): Tensor {
  const t = m.constant(value);
  if (t?.dtype !== "float32") fail(`${what} is ${m.describe(value)}, expected a float32 constant`);
  if (!sameList(t.shape, [1, channels, 1]) && !sameList(t.shape, [channels, 1])) {
    fail(`${what} has shape [${t.shape}], expected [1, ${channels}, 1]`);
  }
  return new Tensor("float32", [channels], t.values);
}
