import type { Node } from "../ir/graph.js";
import type { Pass } from "./pass.js";
import { eitherOrder, fail, intAttr, Matcher } from "./recognise-match.js";
import {
  type Candidate,
  isClosedForm,
  matchChunkedScan,
  stateSum,
  statesOf,
  type WithinChunks,
} from "./recognise-scan-parts.js";

/**
 * The selective scan in the chunked closed form (exporter/ops.py _scan_core with _within_closed,
 * `--scan chunked`) becomes one ai.qmambair SelectiveScan. The frame around the chunks (padding,
 * the doubling across chunks, the sum against C and D u) is recognise-scan-parts.ts's; within each
 * chunk of `chunk` positions (any length):
 *
 *   S = CumSum(Reshape(dA) -> (B,G,E,N,Lp/chunk,chunk), last axis)
 *   a = Exp(S)
 *   b = Mul(a, CumSum(Mul(Exp(Neg(S)), b0), last axis))
 *
 * that is b_t = sum_{j <= t} exp(S_t - S_j) dt_j B_j u_j, the states from a zero state at the chunk's
 * start, and a the decay from it. Checked: both CumSums run forward (not exclusive, not reversed)
 * along the chunk axis; the same S feeds the decay and the negated exponent; the chunk length is S's
 * last dimension at every probe size. The math is the recurrence's, but evaluated as written it is
 * not: exp(-S) overflows to inf once a chunk's decay passes e^88 (and exp(S) underflows to 0, inf * 0
 * = NaN). SelectiveScan computes the recurrence step by step, so the compiled model is finite where
 * the graph run op by op (onnxruntime) is not. Every CumSum left over is noted.
 */
export const recogniseScanChunked: Pass = {
  name: "recognise-scan-chunked",
  summary: "chunked closed-form selective scan (CumSum/Exp/Mul) -> SelectiveScan",
  run(model, file) {
    const m = new Matcher(model, file, "recognise-scan-chunked");
    const explained = new Set<Node>();
    for (const node of model.graph.nodes) {
      const candidate = node.domain === "ai.onnx" && node.opType === "Add" ? stateSum(m, node) : undefined;
      if (!candidate || !isClosedForm(m, candidate)) continue;
      const rewritten = m.attempt(node, "a closed-form sum over scan states that is not a SelectiveScan", () =>
        m.replace(node, [matchClosedScan(m, node, candidate)]),
      );
      if (!rewritten) for (const n of cumSumsOf(m, candidate)) explained.add(n);
    }
    const out = m.finish(["ai.qmambair"]);
    for (const node of out.graph.nodes) {
      if (node.domain === "ai.onnx" && node.opType === "CumSum" && !explained.has(node))
        m.note(node, "CumSum stays op by op: it is not part of a chunked closed-form selective scan");
    }
    return out;
  },
};

function matchClosedScan(m: Matcher, add: Node, c: Candidate): Node {
  return matchChunkedScan(m, add, c, (a, b): WithinChunks => {
    const S = m.op(a, "Exp", "the chunk decay").inputs[0];
    const dA6 = m.op(forwardCumSum(m, S, "the decay exponent").inputs[0], "Reshape", "the chunked dt * A");
    const dtA = m.op(dA6.inputs[0], "Mul", "dt * A");
    const states = m.op(b, "Mul", "the chunk states");
    const pair = eitherOrder(states).find(([decay]) => decay === a);
    if (!pair) fail("the chunk states are not the decay times a cumulative sum");
    const weighted = m.op(forwardCumSum(m, pair[1], "the weighted input").inputs[0], "Mul", "the weighted input");
    for (const [growth, b0] of eitherOrder(weighted)) {
      const exp = m.maybe(growth, "Exp");
      if (!exp || negated(m, exp.inputs[0]) !== S) continue;
      const chunk = m.shapes(S)[0][5];
      return {
        chunk,
        dtA,
        inputTerm: m.op(b0, "Reshape", "the input term"),
        chunked: [[S, "the decay exponent"]],
      };
    }
    return fail("the input term is not weighted by exp(-S) of the same S");
  });
}

/** CumSum(v, the last axis of a rank-6 value), not exclusive, not reversed. */
function forwardCumSum(m: Matcher, value: string, what: string): Node {
  const cs = m.op(value, "CumSum", what);
  const axis = m.scalar(cs.inputs[1], `${what}'s axis`);
  if (axis !== 5 && axis !== -1) fail(`${what} is summed along axis ${axis}, expected the chunk axis (5)`);
  if (intAttr(cs, "exclusive", 0) !== 0 || intAttr(cs, "reverse", 0) !== 0)
    fail(`${what} is an exclusive or reversed CumSum`);
  if (m.shapes(value)[0].length !== 6) fail(`${what} is not chunked to rank 6`);
  return cs;
}

/** v for Neg(v) or Mul(v, -1); "" otherwise. */
function negated(m: Matcher, value: string): string {
  const neg = m.maybe(value, "Neg");
  if (neg) return neg.inputs[0];
  const mul = m.maybe(value, "Mul");
  const pair = mul && eitherOrder(mul).find(([, k]) => m.constant(k)?.size === 1 && m.scalar(k, "a factor") === -1);
  return pair ? pair[0] : "";
}

/** The CumSums of a closed-form candidate's chunk states (its note explains them). */
function cumSumsOf(m: Matcher, c: Candidate): Node[] {
  const { a, b } = statesOf(m, c);
  const found: Node[] = [];
  const sum = (v: string) => {
    const n = m.maybe(v, "CumSum");
    if (n) found.push(n);
  };
  sum(m.maybe(a, "Exp")?.inputs[0] ?? "");
  for (const v of m.maybe(b, "Mul")?.inputs ?? []) sum(v);
  return found;
}
