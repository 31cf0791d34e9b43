import type { Graph, Node } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";
import type { Pass } from "./pass.js";
import { eitherOrder, fail, intAttr, intsAttr, Matcher, sameList } from "./recognise-match.js";
import { selectiveScan, skipTerm, softplusOfBiased } from "./recognise-scan-parts.js";

/**
 * The selective scan as a sequential ONNX Loop (exporter/loop_scan.py, `--scan loop`) becomes one
 * ai.qmambair SelectiveScan. The matched form, with t the iteration number:
 *
 *   dt      = Softplus(Add(delta, bias (1,G*E,1)))
 *   h_L, ys = Loop(M, "", h_0), with M = L (Shape(u)[2], or a constant at a fixed size) and
 *             h_0 = zeros (B,G*E,N); the body reads Transpose(dt | u, [2,0,1]) and
 *             Transpose(Bm | Cm, [3,0,1,2]) from the outer graph, each as Gather(., t, axis 0):
 *     h     = Add(Mul(Exp(Mul(Unsqueeze(dt_t, [2]), A (G*E,N))), h), Mul(Unsqueeze(Mul(dt_t, u_t), [2]), expand(B_t)))
 *     y_t   = ReduceSum(Mul(h, expand(C_t)), [2], keepdims 0)
 *     with expand(v) = Reshape(Expand(Unsqueeze(v, [2]), (B,G,E,N)), (B,G*E,N))
 *   y       = Add(Transpose(ys, [1,2,0]), Mul(D (1,G*E,1), u))
 *
 * Operands of Add and Mul may come in either order. Checked: M is L at every probe size and no
 * condition can end the loop early; the initial state is all zeros of shape (B,G*E,N); the body's
 * outputs are (condition, h, y_t) with h carried; every gather takes step t along the time axis of
 * values transposed from the same u, dt, Bm and Cm as their outer shapes (B,G*E,L) and (B,G,N,L) at
 * every probe; the expand and reshape targets are (B,G,E,N) and (B,G*E,N), so group g's B and C
 * reach its E channels in order; A is (G*E,N) and D and the bias are per channel. The loop then
 * computes h_t = exp(dt_t A) h_{t-1} + dt_t B_t u_t and y_t = C_t . h_t + D u_t, which is
 * SelectiveScan(u, delta, A, Bm, Cm, D, bias, delta_softplus=1) (QMAMBAIR.md section 1) up to float
 * rounding. A Scan node, or a Loop that does not match, stays op by op with a note saying why.
 */
export const recogniseScanLoop: Pass = {
  name: "recognise-scan-loop",
  summary: "sequential ONNX Loop selective scan -> SelectiveScan",
  run(model, file) {
    const m = new Matcher(model, file, "recognise-scan-loop");
    for (const node of model.graph.nodes) {
      if (node.domain !== "ai.onnx") continue;
      if (node.opType === "Scan") m.note(node, "Scan stays op by op: sequential scans are recognised as a Loop only");
      if (node.opType !== "Loop") continue;
      m.attempt(node, "a Loop that is not a SelectiveScan", () => {
        const [add, scan] = matchLoopScan(m, node);
        m.replace(add, [scan]);
      });
    }
    return m.finish(["ai.qmambair"]);
  },
};

/** The body's nodes by output, and its constants (initializers, Constant nodes, or the outer graph's). */
class Body {
  private readonly writers = new Map<string, Node>();

  constructor(
    readonly graph: Graph,
    private readonly outer: Matcher,
  ) {
    for (const n of graph.nodes) for (const o of n.outputs) if (o) this.writers.set(o, n);
  }

  maybe(value: string, opType: string): Node | undefined {
    const n = this.writers.get(value);
    return n?.domain === "ai.onnx" && n.opType === opType ? n : undefined;
  }

  op(value: string, opType: string, what: string): Node {
    const n = this.writers.get(value);
    if (n?.domain !== "ai.onnx" || n.opType !== opType)
      fail(`in the loop body, ${what} is ${n ? `${n.opType} ('${value}')` : `'${value}'`}, expected ${opType}`);
    return n;
  }

  constant(value: string): Tensor | undefined {
    const local = this.graph.initializers.get(value);
    if (local) return local;
    const n = this.writers.get(value);
    if (n) {
      const a = n.opType === "Constant" ? n.attrs.get("value") : undefined;
      return a?.type === "tensor" ? a.value : undefined;
    }
    return this.outer.constant(value);
  }

  ints(value: string, what: string): number[] {
    const t = this.constant(value);
    if (!t || (t.dtype !== "int64" && t.dtype !== "int32"))
      fail(`in the loop body, ${what} is not an integer constant`);
    return Array.from(t.values);
  }

  /** Unsqueeze(v, [2]): v. */
  unsqueezed2(value: string, what: string): string {
    const n = this.op(value, "Unsqueeze", what);
    const axes = intsAttr(n, "axes") ?? this.ints(n.inputs[1] ?? "", `${what}'s axes`);
    if (!sameList(axes, [2])) fail(`in the loop body, ${what} is unsqueezed on [${axes}], expected [2]`);
    return n.inputs[0];
  }

  /** Gather(outer value, t, axis 0): the outer value. */
  step(value: string, t: string, what: string): string {
    const g = this.op(value, "Gather", what);
    if (g.inputs[1] !== t || intAttr(g, "axis", 0) !== 0) fail(`in the loop body, ${what} is not step t along axis 0`);
    if (this.writers.has(g.inputs[0])) fail(`in the loop body, ${what} is not read from the outer graph`);
    return g.inputs[0];
  }
}

function matchLoopScan(m: Matcher, loop: Node): [Node, Node] {
  const bodyAttr = loop.attrs.get("body");
  if (bodyAttr?.type !== "graph") fail("the Loop has no body");
  const body = new Body(bodyAttr.value, m);
  const [tripCount, cond = "", h0] = loop.inputs;
  if (loop.inputs.length !== 3 || loop.outputs.length !== 2)
    fail("the Loop does not carry one state and scan one output");
  if (cond !== "") fail("the Loop has a condition input (it could end early)");
  if (body.graph.inputs.length !== 3 || body.graph.outputs.length !== 3)
    fail("the loop body is not (t, cond, h) -> (cond, h, y_t)");
  const [t, , hIn] = body.graph.inputs.map((v) => v.name);
  const [, hOut, yOut] = body.graph.outputs.map((v) => v.name);
  // the outer tail: y = Transpose(ys, [1, 2, 0]) + D * u
  const [hLast, ys] = loop.outputs;
  if (m.readersOf(hLast).length > 0 || m.g.isGraphOutput(hLast)) fail("the final state is read after the loop");
  const readers = m.readersOf(ys);
  const back = readers.length === 1 && readers[0].opType === "Transpose" ? readers[0] : undefined;
  if (!back || !sameList(intsAttr(back, "perm") ?? [], [1, 2, 0]))
    fail("the scanned outputs are not transposed back to (B, G*E, L)");
  const next = m.readersOf(back.outputs[0]);
  const add = next.length === 1 && next[0].opType === "Add" && next[0].domain === "ai.onnx" ? next[0] : undefined;
  if (!add) fail("the scan's output is not added to D * u");
  const [u, dValue] = skipTerm(m, add.inputs[0] === back.outputs[0] ? add.inputs[1] : add.inputs[0]);
  const us = m.shapes(u);
  if (us[0].length !== 3) fail(`u has shape [${us[0]}], expected (B, G*E, L)`);
  const [B, GE] = us[0];
  // the body: h' = exp(dt_t A) h + (dt_t u_t) expand(B_t);  y_t = sum_n h' expand(C_t)
  const yNode = body.op(yOut, "ReduceSum", "y_t");
  const yAxes = intsAttr(yNode, "axes") ?? body.ints(yNode.inputs[1] ?? "", "y_t's axes");
  if (!sameList(yAxes, [2]) || intAttr(yNode, "keepdims", 1) !== 0) fail("y_t does not sum over the states (axis 2)");
  const hC = body.op(yNode.inputs[0], "Mul", "h * C_t");
  const cPair = eitherOrder(hC).find(([h]) => h === hOut);
  if (!cPair) fail("y_t is not computed from the new state");
  const update = body.op(hOut, "Add", "the new state");
  let matched: { A: Tensor; dt: string; u: string; Bx: string; G: number; E: number; N: number } | undefined;
  for (const [kept, input] of eitherOrder(update)) {
    const keptMul = body.maybe(kept, "Mul");
    const decayPair = keptMul && eitherOrder(keptMul).find(([, h]) => h === hIn);
    if (!decayPair) continue;
    const dA = body.op(body.op(decayPair[0], "Exp", "the decay").inputs[0], "Mul", "dt_t * A");
    const aPair = eitherOrder(dA).find(([, a]) => body.constant(a));
    if (!aPair) fail("the decay's exponent is not dt_t times a constant A");
    const A = body.constant(aPair[1]) as Tensor;
    if (A.dtype !== "float32" || !(A.rank === 2 || (A.rank === 3 && A.shape[0] === 1)) || A.shape[A.rank - 2] !== GE)
      fail(`A has shape [${A.shape}], expected (${GE}, N)`);
    const N = A.shape[A.rank - 1];
    const dtStep = body.unsqueezed2(aPair[0], "dt_t");
    const inMul = body.op(input, "Mul", "the input term");
    for (const [dtu3, bx] of eitherOrder(inMul)) {
      if (!body.maybe(dtu3, "Unsqueeze")) continue;
      const dtu = body.op(body.unsqueezed2(dtu3, "dt_t * u_t"), "Mul", "dt_t * u_t");
      const uPair = eitherOrder(dtu).find(([d]) => d === dtStep);
      if (!uPair) fail("the input term and the decay read different dt_t");
      const [G, E] = expandedGroups(body, bx, B, GE, N, "B_t");
      const dt = body.step(dtStep, t, "dt_t");
      matched = { A: new Tensor("float32", [GE, N], A.values), dt, u: body.step(uPair[1], t, "u_t"), Bx: bx, G, E, N };
    }
  }
  if (!matched) fail("the new state is not exp(dt_t A) * h + dt_t u_t B_t");
  const { G, E, N } = matched;
  const [cG, cE] = expandedGroups(body, cPair[1], B, GE, N, "C_t");
  if (cG !== G || cE !== E) fail("B_t and C_t are expanded to different groups");
  // the outer values the body steps through
  const dt = timeMajor(m, matched.dt, [2, 0, 1], "dt");
  if (timeMajor(m, matched.u, [2, 0, 1], "u") !== u) fail("the scanned u is not the skip term's u");
  const Bm = timeMajor(m, stepSource(body, matched.Bx, t), [3, 0, 1, 2], "B");
  const Cm = timeMajor(m, stepSource(body, cPair[1], t), [3, 0, 1, 2], "C");
  const [delta, biasValue] = softplusOfBiased(m, dt);
  // trip count and initial state
  const tripCounts = m.probedValues(tripCount, "the trip count");
  tripCounts.forEach((v, k) => {
    if (v.length !== 1 || v[0] !== us[k][2]) fail(`the trip count is ${v}, not the length L = ${us[k][2]}`);
  });
  const init = m.constant(h0);
  if (!init || !sameList(init.shape, [B, GE, N]) || Array.from(init.values).some((v) => v !== 0))
    fail(`the initial state is ${m.describe(h0)}, expected zeros of shape [${B}, ${GE}, ${N}]`);
  // shapes at every probe
  const dims = us.map((s) => {
    if (s.length !== 3 || s[0] !== B || s[1] !== GE) fail(`u has shape [${s}], expected (${B}, ${GE}, L)`);
    return s[2];
  });
  m.expectShape(delta, "delta", (k) => [B, GE, dims[k]]);
  m.expectShape(Bm, "B", (k) => [B, G, N, dims[k]]);
  m.expectShape(Cm, "C", (k) => [B, G, N, dims[k]]);
  return [add, selectiveScan(m, add, { u, delta, A: matched.A, Bm, Cm, dValue, biasValue })];
}

/** Reshape(Expand(Unsqueeze(v, [2]), (B,G,E,N)), (B,G*E,N)): [G, E]. */
function expandedGroups(body: Body, value: string, B: number, GE: number, N: number, what: string): [number, number] {
  const flat = body.op(value, "Reshape", `expanded ${what}`);
  const expand = body.op(flat.inputs[0], "Expand", `expanded ${what}`);
  body.unsqueezed2(expand.inputs[0], what);
  const to = body.ints(expand.inputs[1], `${what}'s expanded shape`);
  if (to.length !== 4 || to[0] !== B || to[3] !== N || to[1] * to[2] !== GE)
    fail(`${what} is expanded to [${to}], expected (${B}, G, E, ${N}) with G*E = ${GE}`);
  const target = body.ints(flat.inputs[1], `${what}'s reshape target`);
  if (!sameList(target, [B, GE, N])) fail(`${what} is reshaped to [${target}], expected [${B}, ${GE}, ${N}]`);
  return [to[1], to[2]];
}

/** The outer value a body's expand(Gather(v, t)) steps through. */
function stepSource(body: Body, expanded: string, t: string): string {
  const expand = body.op(body.op(expanded, "Reshape", "an expanded step").inputs[0], "Expand", "an expanded step");
  return body.step(body.unsqueezed2(expand.inputs[0], "a step"), t, "a step");
}

/** Transpose(v, perm) in the outer graph: v. */
function timeMajor(m: Matcher, value: string, perm: number[], what: string): string {
  const tr = m.op(value, "Transpose", `the time-major ${what}`);
  if (!sameList(intsAttr(tr, "perm") ?? [], perm)) fail(`the time-major ${what} is not Transpose(${what}, [${perm}])`);
  return tr.inputs[0];
}
