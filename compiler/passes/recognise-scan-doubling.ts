import type { Node } from "../ir/graph.js";
import type { Pass } from "./pass.js";
import { fail, Matcher } from "./recognise-match.js";
import {
  type Candidate,
  doubling,
  isClosedForm,
  matchChunkedScan,
  stateSum,
  type WithinChunks,
} from "./recognise-scan-parts.js";

/**
 * The selective scan as the exporter's default standard-ops form writes it (exporter/ops.py
 * _scan_core with _within_doubling, `--scan doubling`) becomes one ai.qmambair SelectiveScan. The
 * frame around the chunks (padding, the doubling across chunks, the sum against C and D u) is
 * recognise-scan-parts.ts's; within each chunk of `chunk` (a power of two) positions:
 *
 *   a0   = Reshape(Exp(dA)) -> (B,G,E,N,Lp/chunk,chunk)
 *   a, b = doubling(a0, b0) along the chunk axis, log2(chunk) rounds:
 *            b <- Add(b, Mul(a, shift(b, s, 0)));  a <- Mul(a, shift(a, s, 1));  s = 1, 2, 4, ...
 *
 * Checked: each round's shift (1, 2, 4, ...: log2(chunk) rounds reach back to the chunk's start)
 * and fill (0 for states, 1 for multipliers); the carried state is multiplied by the multiplier the
 * last round computes. Every multiplier is a product of exp(dt A) <= 1: this form never overflows.
 * Candidates whose chunk states are the closed form's are left to recognise-scan-chunked.ts.
 */
export const recogniseScanDoubling: Pass = {
  name: "recognise-scan-doubling",
  summary: "log-depth doubling selective scan (Pad/Slice/Mul/Add/Exp) -> SelectiveScan",
  run(model, file) {
    const m = new Matcher(model, file, "recognise-scan-doubling");
    for (const node of model.graph.nodes) {
      const candidate = node.domain === "ai.onnx" && node.opType === "Add" ? stateSum(m, node) : undefined;
      if (!candidate || isClosedForm(m, candidate)) continue;
      m.attempt(node, "a sum over scan states that is not a SelectiveScan", () =>
        m.replace(node, [matchDoublingScan(m, node, candidate)]),
      );
    }
    return m.finish(["ai.qmambair"]);
  },
};

function matchDoublingScan(m: Matcher, add: Node, c: Candidate): Node {
  return matchChunkedScan(m, add, c, (a, b): WithinChunks => {
    const within = doubling(m, b, 5, "the scan within chunks");
    if (within.aFinal !== a) fail("the carried state is not multiplied by the chunk's decay");
    const a6 = m.op(within.a0, "Reshape", "the decay");
    const dtA = m.op(m.op(a6.inputs[0], "Exp", "the decay").inputs[0], "Mul", "dt * A");
    return {
      chunk: 2 ** within.rounds,
      dtA,
      inputTerm: m.op(within.b0, "Reshape", "the input term"),
      chunked: [[a6.outputs[0], "the chunked decay"]],
    };
  });
}
