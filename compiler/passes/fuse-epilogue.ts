import { QmcError } from "../diagnostics.js";
import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import { type Attr, type Model, type Node, nodeReads } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import {
  type EpilogueBinary,
  type EpilogueOperand,
  type EpilogueStep,
  type EpilogueUnary,
  formatEpilogue,
} from "../ops/support/epilogue.js";
import { inferScaled, ProbeFailure } from "../plan/size-multiple.js";
import { offsetRange, ROUNDING_BIAS } from "../quant/fake-quant.js";
import { inferShapes, type ShapeInference } from "./infer-shapes.js";
import type { Pass } from "./pass.js";
import { qdqPairAt } from "./qdq-pairs.js";

/**
 * Ops an epilogue step can take over. Each target computes them exactly as the reference op does
 * (the same double-precision formula, fdlibm exp, one rounding to float32). Tanh is left out: the
 * targets' tanh is not bit-identical to the reference's Math.tanh, so fusing it would change results.
 */
const UNARY: Readonly<Record<string, EpilogueUnary>> = { Relu: "relu", Sigmoid: "sigmoid", Erf: "erf" };
const BINARY: Readonly<Record<string, EpilogueBinary>> = { Add: "add", Sub: "sub", Mul: "mul", Div: "div" };

/**
 * Elementwise float ops applied to the output of a qmc.QConv / qmc.QMatMul become the kernel's float
 * epilogue (compiler/ops/support/epilogue.ts): activations (Relu, Sigmoid, Erf and the SiLU and GELU
 * built from them with the kernel's own value), arithmetic with a scalar or per-output-channel
 * constant, and one residual input of exactly the output's shape, optionally times a constant (the
 * skip scale), PRelu with a scalar or per-channel slope, and the requantization of a QDQ model (a
 * QuantizeLinear -> DequantizeLinear pair, in the steps of compiler/quant/fake-quant.ts). The output
 * then makes one trip through memory instead of one per op. A chain is taken only as far as every
 * value inside it is read by the chain alone and is not a graph output.
 */
export const fuseEpilogue: Pass = {
  name: "fuse-epilogue",
  summary: "activation, constant scale/shift and skip-scaled residual after qmc.QConv / qmc.QMatMul -> its epilogue",
  run(model, file) {
    const shapes = probeShapes(model, file);
    const g = new GraphEditor(model);
    const readers = new Readers(g.nodes);
    const kernels = g.nodes.filter((n) => n.domain === "qmc" && (n.opType === "QConv" || n.opType === "QMatMul"));
    for (const kernel of kernels) {
      const chain = longestChain(g, readers, shapes, kernel);
      if (chain) fuse(g, readers, kernel, chain);
    }
    g.removeDead();
    return g.build();
  },
};

/** A value's element type and its shape at each probe size. */
interface Probed {
  readonly dtype: string | undefined;
  readonly shapes: readonly (readonly number[])[];
}

/**
 * Input sizes at which a model with a symbolic image size is probed: on this 2x2 grid, two dims of
 * the form c + h*H + w*W + hw*H*W (the plan's) that agree are equal at every size. They are scaled
 * by the smallest multiple at which the graph has shapes, as the planner's are (size-multiple.ts).
 */
const GRID: readonly (readonly [number, number])[] = [
  [16, 24],
  [24, 24],
  [16, 32],
  [24, 32],
];

/**
 * Shapes decide a fusion (a residual of exactly the output's shape), but symbolic H and W do not
 * survive the Shape -> Reshape chains of an exported model; so one NCHW image input of symbolic size
 * is probed at fixed sizes, as the planner does. Values whose shape stays unknown are never fused.
 */
function probeShapes(model: Model, file: string): Map<string, Probed> {
  const [input, ...others] = model.graph.inputs;
  const declared = input?.type.shape;
  const symbolic = (d: unknown) => typeof d !== "number";
  const image = others.length === 0 && declared?.length === 4 && !declared.slice(0, 2).some(symbolic);
  let runs: readonly ShapeInference[];
  try {
    const fixed = (d: unknown) => (typeof d === "number" ? d : undefined);
    runs =
      image && declared.slice(2).some(symbolic)
        ? inferScaled(model, file, GRID, { h: fixed(declared[2]), w: fixed(declared[3]) }).runs
        : [inferShapes(model, file)];
  } catch (e) {
    // A model that has no shape at these sizes fuses nothing here; the planner reports the failure
    // with the sizes it plans at and where they came from.
    if (e instanceof QmcError || e instanceof ProbeFailure) return new Map();
    throw e;
  }
  const out = new Map<string, Probed>();
  for (const [name, t] of runs[0].types) {
    const shapes = runs.map((r) => r.types.get(name)?.shape);
    if (shapes.every((s) => s?.every((d) => typeof d === "number")))
      out.set(name, { dtype: t.dtype, shapes: shapes as number[][] });
  }
  return out;
}

function sameShape(a: Probed | undefined, b: Probed): boolean {
  return (
    a !== undefined &&
    a.dtype === b.dtype &&
    a.shapes.every((s, p) => s.length === b.shapes[p].length && s.every((d, i) => d === b.shapes[p][i]))
  );
}

interface Chain {
  readonly steps: readonly EpilogueStep[];
  readonly constants: readonly (readonly number[])[];
  /** The residual input (a skip-scale Mul's input when that Mul was taken in). */
  readonly residual?: string;
  /** Nodes taken in, each after the skip-scale Mul it reads; the last one's output is the fused kernel's. */
  readonly absorbed: readonly Node[];
}

/** The longest run of ops after `kernel` that can become its epilogue, or nothing. */
function longestChain(g: GraphEditor, readers: Readers, shapes: Map<string, Probed>, kernel: Node): Chain | undefined {
  const out = shapes.get(kernel.outputs[0]);
  if (out?.dtype !== "float32") return undefined;
  const rank = out.shapes[0].length;
  const first = kernel.attrs.get("weight_first");
  const axis = kernel.opType === "QConv" ? 1 : first?.type === "int" && first.value !== 0 ? rank - 2 : rank - 1;
  const channels = out.shapes[0][axis];
  if (!out.shapes.every((s) => s[axis] === channels)) return undefined;

  const values = new Map<string, EpilogueOperand>([[kernel.outputs[0], { kind: "y" }]]);
  const steps: EpilogueStep[] = [];
  const constants: number[][] = [];
  const absorbed: Node[] = [];
  let residual: string | undefined;
  let best: Chain | undefined;

  const constant = (t: Tensor): EpilogueOperand | undefined => {
    // Broadcast along the channel axis only (right-aligned, as numpy does), or a scalar.
    if (t.dtype !== "float32" || t.rank > rank) return undefined;
    if (t.shape.some((d, i) => d !== 1 && !(rank - t.rank + i === axis && d === channels))) return undefined;
    constants.push(Array.from(t.values));
    return { kind: "constant", index: constants.length - 1 };
  };
  const stepResult = (step: EpilogueStep): EpilogueOperand => {
    steps.push(step);
    return { kind: "step", index: steps.length - 1 };
  };
  // The residual, or a skip-scaled one: Mul(x, constant) read by this op alone becomes a step on x.
  const residualOf = (value: string): EpilogueOperand | undefined => {
    if (residual !== undefined || !sameShape(shapes.get(value), out)) return undefined;
    const mul = g.producer(value);
    const at = mul?.inputs.findIndex((v) => g.constant(v) === undefined) ?? -1;
    if (
      mul?.domain === "ai.onnx" &&
      mul.opType === "Mul" &&
      mul.attrs.size === 0 &&
      !g.isGraphOutput(value) &&
      readers.of(value).length === 1 &&
      at >= 0
    ) {
      const x = mul.inputs[at];
      const c = g.constant(mul.inputs[1 - at]);
      if (c && sameShape(shapes.get(x), out)) {
        const scale = constant(c);
        if (scale) {
          residual = x;
          absorbed.push(mul);
          const r: EpilogueOperand = { kind: "residual" };
          return stepResult({ op: "mul", args: at === 0 ? [r, scale] : [scale, r] });
        }
      }
    }
    residual = value;
    return { kind: "residual" };
  };
  const operand = (value: string): EpilogueOperand | undefined => {
    const known = values.get(value);
    if (known) return known;
    const c = g.constant(value);
    return c ? constant(c) : residualOf(value);
  };
  const scalar = (v: number): EpilogueOperand => {
    constants.push([v]);
    return { kind: "constant", index: constants.length - 1 };
  };
  // QuantizeLinear -> DequantizeLinear: the pair's result is the chain's next value.
  const takeRequantize = (q: Node): boolean => {
    const x = values.get(q.inputs[0]);
    const pair = qdqPairAt(g, g.consumers(q.outputs[0])[0]);
    if (!x || pair?.quantize !== q || q.inputs[0] !== pair.input || !sameShape(shapes.get(pair.output), out))
      return false;
    const [lo, hi] = offsetRange(pair.grid);
    const scale = scalar(pair.grid.scale);
    const v = stepResult({ op: "div", args: [x, scale] });
    const t = stepResult({ op: "add", args: [v, scalar(ROUNDING_BIAS)] });
    const above = stepResult({ op: "relu", args: [stepResult({ op: "sub", args: [t, scalar(ROUNDING_BIAS + lo)] })] });
    const below = stepResult({ op: "relu", args: [stepResult({ op: "sub", args: [scalar(hi - lo), above] })] });
    const u = stepResult({ op: "sub", args: [scalar(hi), below] });
    values.set(pair.output, stepResult({ op: "mul", args: [u, scale] }));
    absorbed.push(q, pair.dequantize);
    return true;
  };
  // PRelu as relu(x) + slope * (x - relu(x)): x - relu(x) is min(x, 0) exactly, so each output is
  // x or fl(slope * x) as the op computes it (but +0 for PRelu's -0 where slope * x is -0).
  const takePRelu = (node: Node): boolean => {
    const x = values.get(node.inputs[0]);
    const slopeTensor = g.constant(node.inputs[1]);
    if (!x || !slopeTensor || !sameShape(shapes.get(node.outputs[0]), out)) return false;
    const slope = constant(slopeTensor);
    if (!slope) return false;
    const positive = stepResult({ op: "relu", args: [x] });
    const negative = stepResult({ op: "sub", args: [x, positive] });
    const scaled = stepResult({ op: "mul", args: [negative, slope] });
    values.set(node.outputs[0], stepResult({ op: "add", args: [positive, scaled] }));
    absorbed.push(node);
    return true;
  };
  const take = (node: Node): boolean => {
    if (node.domain === "ai.onnx" && node.opType === "QuantizeLinear") return takeRequantize(node);
    if (node.domain === "ai.onnx" && node.opType === "PRelu" && node.inputs.length === 2) return takePRelu(node);
    if (node.domain !== "ai.onnx" || node.outputs.length !== 1 || node.attrs.size > 0) return false;
    if (!sameShape(shapes.get(node.outputs[0]), out)) return false;
    const unary = UNARY[node.opType];
    const binary = BINARY[node.opType];
    let result: EpilogueOperand | undefined;
    if (unary && node.inputs.length === 1) {
      const a = values.get(node.inputs[0]);
      if (a) result = stepResult({ op: unary, args: [a] });
    } else if (binary && node.inputs.length === 2) {
      const a = operand(node.inputs[0]);
      const b = a && operand(node.inputs[1]);
      if (a && b) result = stepResult({ op: binary, args: [a, b] });
    }
    if (!result) return false;
    values.set(node.outputs[0], result);
    absorbed.push(node);
    return true;
  };
  // Every value but the last must be read inside the chain only; a reader that cannot join ends it
  // (any longer chain would keep that value inside).
  const closed = (last: string): boolean =>
    [...values.keys()].every(
      (v) => v === last || (!g.isGraphOutput(v) && readers.of(v).every((n) => absorbed.includes(n))),
    );

  for (const node of g.nodes.slice(g.nodes.indexOf(kernel) + 1)) {
    if (!nodeReads(node).some((v) => values.has(v))) continue;
    if (!take(node)) break;
    // A requantization's last node is its DequantizeLinear.
    if (closed(absorbed[absorbed.length - 1].outputs[0])) {
      best = { steps: [...steps], constants: [...constants], residual, absorbed: [...absorbed] };
    }
  }
  return best;
}

/**
 * The kernel with its epilogue takes the place of the chain's last op: the residual and the skip
 * scale's input are computed by then, and nothing between read the values it now keeps inside.
 */
function fuse(g: GraphEditor, readers: Readers, kernel: Node, chain: Chain): void {
  const last = chain.absorbed[chain.absorbed.length - 1];
  const { program, constants, sizes } = formatEpilogue({ ...chain, residual: chain.residual !== undefined });
  const inputs = [...kernel.inputs];
  if (chain.residual !== undefined) {
    // The residual follows the optional inputs: QConv's bias (input 2), then input 3; QMatMul's input 2.
    const at = kernel.opType === "QConv" ? 3 : 2;
    while (inputs.length < at) inputs.push("");
    inputs.push(chain.residual);
  }
  const attrs: Record<string, Attr> = {
    ...Object.fromEntries(kernel.attrs),
    epilogue: { type: "strings", value: program },
    epilogue_constants: attr.floats(constants),
    epilogue_constant_sizes: attr.ints(sizes),
  };
  const fused = makeNode(kernel.opType, "qmc", inputs, [...last.outputs], attrs, kernel.name);
  g.replace(last, [fused]);
  for (const n of [kernel, ...chain.absorbed]) {
    if (n !== last) g.replace(n, []);
    readers.remove(n);
  }
  readers.add(fused);
}

/** Each value's reading nodes (inputs and subgraph captures), kept up to date as nodes are replaced. */
class Readers {
  private readonly map = new Map<string, Node[]>();

  constructor(nodes: readonly Node[]) {
    for (const n of nodes) this.add(n);
  }

  of(value: string): readonly Node[] {
    return this.map.get(value) ?? [];
  }

  add(node: Node): void {
    for (const v of new Set(nodeReads(node))) {
      const list = this.map.get(v);
      if (list) list.push(node);
      else this.map.set(v, [node]);
    }
  }

  remove(node: Node): void {
    for (const v of new Set(nodeReads(node)))
      this.map.set(
        v,
        this.of(v).filter((n) => n !== node),
      );
  }
}
