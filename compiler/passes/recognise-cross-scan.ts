import { makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import type { Pass } from "./pass.js";
import { fail, intAttr, intsAttr, Matcher, NoMatch, sameList } from "./recognise-match.js";

/**
 * SS2D's scan orders written with standard ops (exporter/ops.py cross_scan, cross_merge) become
 * ai.qmambair CrossScan and CrossMerge, which the targets run as one specialised kernel each.
 * Reshape targets may be constants or computed from Shape; they are checked by the shapes they give
 * at every probe size (recognise-match.ts), with H != W so a swapped transpose shows.
 *
 * CrossScan(x), x (B, E, H, W):
 *   pair = Concat(Unsqueeze(Reshape(x) -> (B, E, H*W), 1), Unsqueeze(Reshape(Transpose(x, [0,1,3,2])) -> (B, E, W*H), 1), axis 1)
 *          (each Unsqueeze(Reshape) may be one Reshape to (B, 1, E, H*W), as constant folding leaves it)
 *   out  = Concat(pair, Flip(pair), axis 1)
 * where Flip is Slice(starts -1, ends below -len, axes last, steps -1): orders row-major,
 * column-major and both reversed, as QMAMBAIR.md section 1 numbers them.
 *
 * CrossMerge(y, x_like), y (B, 4, E, H*W):
 *   inv = Flip(Slice(y, 2..4 on axis 1))
 *   out = y0 + inv0 + T(y1) + T(inv1), summed by nested Adds in any order,
 * where yk / invk are Gather(scalar k, axis 1) and T(v) = Reshape(Transpose(Reshape(v) -> (B, E, W, H),
 * [0,1,3,2])) -> (B, E, H*W). Only x_like's shape matters: a value of shape (B, E, H, W) that the
 * reshape targets are computed from, or else a recognised CrossScan's input of that shape. CrossMerge
 * sums ((y0 + inv0) + T(y1)) + T(inv1); another nesting differs only in float rounding.
 */
export const recogniseCrossScan: Pass = {
  name: "recognise-cross-scan",
  summary: "Transpose/Flip/Reshape/Concat scan orders -> CrossScan / CrossMerge",
  run(model, file) {
    const m = new Matcher(model, file, "recognise-cross-scan");
    for (const concat of model.graph.nodes.filter((n) => isFlipPair(m, n))) {
      m.attempt(concat, "a flipped concat that is not CrossScan", () => {
        const x = matchCrossScan(m, concat);
        m.replace(concat, [makeNode("CrossScan", "ai.qmambair", [x], [...concat.outputs], {}, concat.name)]);
      });
    }
    for (const add of model.graph.nodes.filter((n) => n.opType === "Add" && n.domain === "ai.onnx")) {
      const terms = sumTerms(m, add.outputs[0]);
      // A sum of exactly four terms (its partial sums have fewer) that reads a reversed slice of y.
      if (terms.length !== 4) continue;
      if (!terms.some((t) => readsFlippedHalf(m, t))) continue;
      m.attempt(add, "a sum of four scan directions that is not CrossMerge", () => {
        const { y, like } = matchCrossMerge(m, add, terms);
        m.replace(add, [makeNode("CrossMerge", "ai.qmambair", [y, like], [...add.outputs], {}, add.name)]);
      });
    }
    return m.finish(["ai.qmambair"]);
  },
};

/** Concat(v, Slice-with-step-(-1)(v), axis 1): the candidate shape of CrossScan's last node. */
function isFlipPair(m: Matcher, n: Node): boolean {
  if (n.opType !== "Concat" || n.domain !== "ai.onnx" || n.inputs.length !== 2) return false;
  const flip = m.maybe(n.inputs[1], "Slice");
  return flip !== undefined && flip.inputs[0] === n.inputs[0] && m.constant(flip.inputs[4] ?? "")?.item() === -1;
}

/** Checks that `flip` reverses the last axis of its input; returns that input. */
function flipped(m: Matcher, flip: Node, what: string): string {
  const [data, starts, ends, axes, steps] = flip.inputs;
  const rank = m.shapes(data)[0].length;
  const axis = m.ints(axes ?? "", `${what}'s axes`, [0]);
  if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== rank - 1)) fail(`${what} is not along the last axis`);
  if (!sameList(m.ints(steps ?? "", `${what}'s steps`, [1]), [-1])) fail(`${what} does not step by -1`);
  if (!sameList(m.ints(starts, `${what}'s starts`), [-1])) fail(`${what} does not start at the last element`);
  const end = m.ints(ends, `${what}'s ends`)[0];
  m.shapes(data).forEach((s) => {
    if (end >= -s[rank - 1]) fail(`${what} ends at ${end}, not before the first element`);
  });
  return data;
}

/**
 * Unsqueeze(Reshape(v) -> (B, E, L), 1), or the one Reshape(v) -> (B, 1, E, L) that onnxruntime's
 * folding makes of it at a fixed size: the Reshape, and whether it keeps the unit axis.
 */
function order(m: Matcher, value: string, what: string): { reshape: Node; unitAxis: boolean } {
  const u = m.maybe(value, "Unsqueeze");
  if (!u) return { reshape: m.op(value, "Reshape", what), unitAxis: true };
  const axes = intsAttr(u, "axes") ?? m.ints(u.inputs[1] ?? "", `${what}'s axes`);
  if (!sameList(axes, [1])) fail(`${what} unsqueezes axes [${axes}], expected [1]`);
  return { reshape: m.op(u.inputs[0], "Reshape", what), unitAxis: false };
}

function transposedHW(m: Matcher, value: string, what: string): string {
  const t = m.op(value, "Transpose", what);
  const perm = intsAttr(t, "perm") ?? [];
  if (!sameList(perm, [0, 1, 3, 2])) fail(`${what} has perm [${perm}], expected [0, 1, 3, 2]`);
  return t.inputs[0];
}

function matchCrossScan(m: Matcher, concat: Node): string {
  if (intAttr(concat, "axis", 0) !== 1) fail("the concat is not along axis 1");
  const pair = m.op(
    flipped(m, m.op(concat.inputs[1], "Slice", "the reversed half"), "the flip"),
    "Concat",
    "the flipped value",
  );
  if (pair.inputs.length !== 2 || intAttr(pair, "axis", 0) !== 1)
    fail("the two forward orders are not concatenated on axis 1");
  const rowMajor = order(m, pair.inputs[0], "the first order");
  const colMajor = order(m, pair.inputs[1], "the second order");
  const x = rowMajor.reshape.inputs[0];
  if (transposedHW(m, colMajor.reshape.inputs[0], "the second order's input") !== x)
    fail("the two orders read different tensors");
  const xs = m.shapes(x);
  xs.forEach((s) => {
    if (s.length !== 4) fail(`x has rank ${s.length}, expected 4 (B, E, H, W)`);
  });
  const flat = (unitAxis: boolean) => (k: number) =>
    unitAxis ? [xs[k][0], 1, xs[k][1], xs[k][2] * xs[k][3]] : [xs[k][0], xs[k][1], xs[k][2] * xs[k][3]];
  m.expectShape(rowMajor.reshape.outputs[0], "the row-major order", flat(rowMajor.unitAxis));
  m.expectShape(colMajor.reshape.outputs[0], "the column-major order", flat(colMajor.unitAxis));
  return x;
}

/** The leaves of a tree of Adds, left to right. */
function sumTerms(m: Matcher, value: string): string[] {
  const add = m.maybe(value, "Add");
  return add ? [...sumTerms(m, add.inputs[0]), ...sumTerms(m, add.inputs[1])] : [value];
}

/** Whether `term` is built from a reversed slice of some y (cheap test for candidates). */
function readsFlippedHalf(m: Matcher, term: string): boolean {
  const gather = m.maybe(term, "Gather");
  const slice = gather && m.maybe(gather.inputs[0], "Slice");
  return slice !== undefined && m.constant(slice.inputs[4] ?? "")?.item() === -1;
}

/** Gather(v, scalar k, axis 1): returns [v, k]. */
function direction(m: Matcher, value: string, what: string): [string, number] {
  const g = m.op(value, "Gather", what);
  const index = m.constant(g.inputs[1]);
  if (intAttr(g, "axis", 0) !== 1 || !index || index.rank !== 0) fail(`${what} is not a scalar Gather on axis 1`);
  return [g.inputs[0], index.item()];
}

function matchCrossMerge(m: Matcher, add: Node, terms: readonly string[]): { y: string; like: string } {
  const found = new Map<string, string>();
  let y = "";
  let inv = "";
  for (const t of terms) {
    const back = m.maybe(t, "Reshape");
    const gathered = back
      ? m.op(transposedHW(m, back.inputs[0], "a merged order"), "Reshape", "a merged order").inputs[0]
      : t;
    const [source, k] = direction(m, gathered, "a merged direction");
    const slice = m.maybe(source, "Slice");
    const reversed = slice !== undefined && m.constant(slice.inputs[4] ?? "")?.item() === -1;
    if (reversed) inv ||= source;
    else y ||= source;
    found.set(`${reversed ? "inv" : "y"}${k}${back ? "T" : ""}`, t);
  }
  for (const key of ["y0", "inv0", "y1T", "inv1T"]) if (!found.has(key)) fail(`no term is ${key}`);
  const half = m.op(flipped(m, m.op(inv, "Slice", "the reversed half"), "the reversal"), "Slice", "the reversed half");
  const [data, starts, ends, axes, steps] = half.inputs;
  if (data !== y) fail("the reversed half is not sliced from y");
  const ok =
    sameList(m.ints(starts, "the half's starts"), [2]) &&
    sameList(m.ints(ends, "the half's ends"), [4]) &&
    sameList(m.ints(axes ?? "", "the half's axes", [0]), [1]) &&
    sameList(m.ints(steps ?? "", "the half's steps", [1]), [1]);
  if (!ok) fail("the reversed half is not y[:, 2:4]");
  const ys = m.shapes(y);
  ys.forEach((s) => {
    if (s.length !== 4 || s[1] !== 4) fail(`y has shape [${s}], expected (B, 4, E, L)`);
  });
  const grid = m.op(
    m.op(m.op(found.get("y1T") as string, "Reshape", "a merged order").inputs[0], "Transpose", "a merged order")
      .inputs[0],
    "Reshape",
    "a merged order",
  );
  const wh = m.shapes(grid.outputs[0]);
  for (const key of ["y1T", "inv1T"]) {
    const back = m.op(found.get(key) as string, "Reshape", "a merged order");
    const inner = m.op(m.op(back.inputs[0], "Transpose", "a merged order").inputs[0], "Reshape", "a merged order");
    m.expectShape(inner.outputs[0], `the ${key} grid`, (k) => [ys[k][0], ys[k][2], wh[k][2], wh[k][3]]);
    m.expectShape(back.outputs[0], `the ${key} order`, (k) => [ys[k][0], ys[k][2], ys[k][3]]);
  }
  wh.forEach((s, k) => {
    if (s[2] * s[3] !== ys[k][3]) fail(`the grid ${s[3]}x${s[2]} does not hold ${ys[k][3]} positions`);
  });
  const want = (k: number) => [ys[k][0], ys[k][2], wh[k][3], wh[k][2]];
  return { y, like: shapeSource(m, grid, add, want) };
}

/**
 * A value of shape (B, E, H, W) that exists before `at`: one whose Shape the grid's reshape target
 * is computed from, or else the input of a CrossScan.
 */
function shapeSource(m: Matcher, grid: Node, at: Node, want: (probe: number) => number[]): string {
  const fits = (v: string) => {
    try {
      m.expectShape(v, "x_like", want);
      return true;
    } catch (e) {
      if (e instanceof NoMatch) return false;
      throw e;
    }
  };
  const seen = new Set<string>();
  const stack = [grid.inputs[1]];
  while (stack.length > 0) {
    const v = stack.pop() as string;
    const n = m.writer(v);
    if (!n || seen.has(v) || seen.size > 64) continue;
    seen.add(v);
    if (n.opType === "Shape" && fits(n.inputs[0])) return n.inputs[0];
    stack.push(...n.inputs.filter((i) => i && !m.constant(i)));
  }
  const before = m.g.nodes.indexOf(at);
  const scan = m.g.nodes.find(
    (n, i) => i < before && n.domain === "ai.qmambair" && n.opType === "CrossScan" && fits(n.inputs[0]),
  );
  if (!scan) fail("no value of shape (B, E, H, W) to take the grid from");
  return scan.inputs[0];
}
