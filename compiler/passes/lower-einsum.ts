import { attr, makeNode } from "../ir/editor.js";
import type { Node } from "../ir/graph.js";
import { Tensor } from "../ir/tensor.js";
import { type EinsumEquation, parseEinsumEquation } from "../ops/support/einsum.js";
import type { Pass } from "./pass.js";
import { fail, Matcher, NoMatch } from "./recognise-match.js";

/**
 * A two-operand Einsum, as attention written with torch.einsum exports it ("bchw,bdhw->bcd"),
 * becomes the ops every target has: Transposes that put each operand's letters in the order
 * [batch, free, contracted] and [batch, contracted, free], Reshapes that merge the free and the
 * contracted letters, one MatMul, and a Reshape and Transpose to the output's order. A letter that
 * one operand has and neither the other nor the output is summed out first (ReduceSum). The sums
 * run in MatMul's order instead of Einsum's, within float32 rounding. An ellipsis stands for as many
 * letters as its operand's rank leaves. Left as it is (and reported by inspect): repeated letters in
 * one operand (diagonals), a letter whose size differs between the operands (broadcasting), one or
 * three operands, and merged groups of which more than one changes with the image size.
 */
export const lowerEinsum: Pass = {
  name: "lower-einsum",
  summary: "two-operand Einsum -> Transpose / Reshape / MatMul (ReduceSum for letters summed out alone)",
  run(model, file) {
    const m = new Matcher(model, file, "lower-einsum");
    const opset = model.opsets.get("ai.onnx") ?? 0;
    for (const node of [...m.g.nodes]) {
      if (node.domain !== "ai.onnx" || node.opType !== "Einsum") continue;
      m.attempt(node, "Einsum left as it is", () => lower(m, node, opset));
    }
    return m.finish([]);
  },
};

interface Operand {
  value: string;
  letters: string[];
}

/**
 * The equation's labels per operand and for the output, against the operands' ranks (an ellipsis
 * stands for "#k" labels, right-aligned as the Einsum op aligns them); a diagonal is not lowered.
 */
function parseEquation(m: Matcher, node: Node): EinsumEquation {
  const a = node.attrs.get("equation");
  if (a?.type !== "string") fail("it has no 'equation' attribute");
  const ranks = node.inputs.map((value) => m.shapes(value)[0].length);
  const eq = parseEinsumEquation(a.value, ranks, (why) => new NoMatch(why));
  for (const t of eq.inputs) {
    if (new Set(t).size !== t.length) fail(`its equation '${a.value}' repeats a letter in one term (a diagonal)`);
  }
  return eq;
}

function lower(m: Matcher, einsum: Node, opset: number): void {
  if (einsum.inputs.length !== 2) fail(`it has ${einsum.inputs.length} operands; only two are lowered`);
  const { inputs: terms, output: out } = parseEquation(m, einsum);
  const build = new Builder(m, einsum, opset);
  const operands = terms.map((letters, k): Operand => ({ value: einsum.inputs[k], letters }));
  // MatMul would broadcast a batch letter of size 1 against the other operand's, but the output's
  // shape is read from one operand: a letter both have must have one size.
  for (const c of terms[0].filter((l) => terms[1].includes(l))) {
    const [da, db] = operands.map((op) => m.shapes(op.value).map((s) => s[op.letters.indexOf(c)]));
    if (da.some((d, k) => d !== db[k])) fail(`its operands' sizes for '${c}' differ (broadcasting is not lowered)`);
  }
  const [a, b] = operands.map((op, k) => {
    const other = operands[1 - k].letters;
    const alone = op.letters.filter((c) => !other.includes(c) && !out.includes(c));
    return alone.length > 0 ? build.sumOut(op, alone) : op;
  });
  const inA = (c: string) => a.letters.includes(c);
  const inB = (c: string) => b.letters.includes(c);
  for (const c of out) if (!inA(c) && !inB(c)) fail(`output letter '${c}' is in no operand`);
  const batch = out.filter((c) => inA(c) && inB(c));
  const left = out.filter((c) => inA(c) && !inB(c));
  const right = out.filter((c) => inB(c) && !inA(c));
  const contracted = a.letters.filter((c) => inB(c) && !out.includes(c));
  const lhs = build.arrange(a, [...batch, ...left, ...contracted], batch.length, [left, contracted]);
  const rhs = build.arrange(b, [...batch, ...contracted, ...right], batch.length, [contracted, right]);
  // [batch, L, R] back to one axis per letter, then to the output's order; the last node writes the output.
  const order = [...batch, ...left, ...right];
  const split = !(left.length === 1 && right.length === 1);
  const permuted = order.some((c, k) => out[k] !== c);
  const output = einsum.outputs[0];
  const product = split || permuted ? build.fresh("matmul") : output;
  build.nodes.push(makeNode("MatMul", "ai.onnx", [lhs, rhs], [product], {}, `${einsum.name}.matmul`));
  const source = (c: string): DimRef =>
    inA(c) ? { value: a.value, axis: a.letters.indexOf(c) } : { value: b.value, axis: b.letters.indexOf(c) };
  const pieces = order.map((c) => [source(c)]);
  const unmerged = split ? build.reshape(product, pieces, permuted ? undefined : output) : product;
  if (permuted) build.transpose(unmerged, order, out, output);
  m.replace(einsum, build.nodes);
}

/** One dimension of an operand as it was written (its size may follow the image). */
interface DimRef {
  value: string;
  axis: number;
}

/** Emits the replacement nodes of one Einsum. */
class Builder {
  readonly nodes: Node[] = [];

  constructor(
    private readonly m: Matcher,
    private readonly einsum: Node,
    private readonly opset: number,
  ) {}

  fresh(what: string): string {
    return this.m.fresh(`${this.einsum.outputs[0]}.${what}`);
  }

  private ints(what: string, values: readonly number[]): string {
    return this.m.addConstant(`${this.einsum.name}.${what}`, Tensor.from("int64", [values.length], values));
  }

  /** The operand with `letters` summed out (ReduceSum takes its axes as an input from opset 13). */
  sumOut(op: Operand, letters: readonly string[]): Operand {
    const axes = letters.map((c) => op.letters.indexOf(c));
    const summed = this.fresh("sum");
    const name = `${this.einsum.name}.sum`;
    this.nodes.push(
      this.opset >= 13
        ? makeNode(
            "ReduceSum",
            "ai.onnx",
            [op.value, this.ints("axes", axes)],
            [summed],
            { keepdims: attr.int(0) },
            name,
          )
        : makeNode(
            "ReduceSum",
            "ai.onnx",
            [op.value],
            [summed],
            { axes: attr.ints(axes), keepdims: attr.int(0) },
            name,
          ),
    );
    return { value: summed, letters: op.letters.filter((c) => !letters.includes(c)) };
  }

  /**
   * The operand transposed to `order`, its `batch` leading axes kept and each of `groups` (the
   * letters after them, in order) merged into one axis: [batch..., |g0|, |g1|].
   */
  arrange(op: Operand, order: readonly string[], batch: number, groups: readonly (readonly string[])[]): string {
    const moved = this.transpose(op.value, op.letters, order);
    if (groups.every((g) => g.length === 1)) return moved;
    const ref = (c: string): DimRef => ({ value: op.value, axis: op.letters.indexOf(c) });
    const pieces = [...order.slice(0, batch).map((c) => [ref(c)]), ...groups.map((g) => g.map(ref))];
    return this.reshape(moved, pieces);
  }

  /** `value` (with axes lettered `from`) transposed to the letters `to` (into `output` where given); the value itself when they agree. */
  transpose(value: string, from: readonly string[], to: readonly string[], output?: string): string {
    const perm = to.map((c) => from.indexOf(c));
    if (perm.every((p, k) => p === k)) return value;
    const y = output ?? this.fresh("transpose");
    const name = `${this.einsum.name}.transpose_${perm.join("")}`;
    this.nodes.push(makeNode("Transpose", "ai.onnx", [value], [y], { perm: attr.ints(perm) }, name));
    return y;
  }

  /**
   * `value` reshaped to one axis per group, each the product of its dimensions: a constant where
   * the probes agree on them, -1 for the one group that follows the image size, and a single such
   * dimension read from its operand's Shape.
   */
  reshape(value: string, groups: readonly (readonly DimRef[])[], output?: string): string {
    const sizes = groups.map((g) => {
      const per = g.map((d) => new Set(this.m.shapes(d.value).map((s) => s[d.axis])));
      return per.every((s) => s.size === 1) ? per.reduce((p, s) => p * [...s][0], 1) : undefined;
    });
    const varying = sizes.filter((s) => s === undefined).length;
    const pieces = groups.map((g, k) => {
      const size = sizes[k];
      if (size !== undefined) return this.ints("dim", [size]);
      if (g.length === 1 && varying > 1) return this.shapeDim(g[0]);
      if (varying > 1) fail("more than one merged group of its operands changes with the image size");
      return this.ints("rest", [-1]);
    });
    const shape = this.fresh("shape");
    this.nodes.push(makeNode("Concat", "ai.onnx", pieces, [shape], { axis: attr.int(0) }, `${this.einsum.name}.shape`));
    const y = output ?? this.fresh("reshape");
    this.nodes.push(makeNode("Reshape", "ai.onnx", [value, shape], [y], {}, `${this.einsum.name}.reshape`));
    return y;
  }

  /** A one-element int64 value: dimension `axis` of `value`, read from its Shape (folded at every planned size). */
  private shapeDim(d: DimRef): string {
    const shape = this.fresh("dims");
    this.nodes.push(makeNode("Shape", "ai.onnx", [d.value], [shape], {}, `${this.einsum.name}.dims`));
    const dim = this.fresh("dim");
    const name = `${this.einsum.name}.dim_${d.axis}`;
    const [from, to, axes] = [[d.axis], [d.axis + 1], [0]];
    this.nodes.push(
      this.opset >= 10
        ? makeNode(
            "Slice",
            "ai.onnx",
            [shape, this.ints("from", from), this.ints("to", to), this.ints("axes", axes)],
            [dim],
            {},
            name,
          )
        : makeNode(
            "Slice",
            "ai.onnx",
            [shape],
            [dim],
            { starts: attr.ints(from), ends: attr.ints(to), axes: attr.ints(axes) },
            name,
          ),
    );
    return dim;
  }
}
