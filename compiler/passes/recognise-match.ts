import { GraphEditor } from "../ir/editor.js";
import type { Model, Node } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { inferScaled, ProbeFailure, type ScaledInference } from "../plan/size-multiple.js";
import { inferShapes, type ShapeInference } from "./infer-shapes.js";
import { notePass } from "./notes.js";

/**
 * What the recognise-* passes share: a graph editor with producer and consumer indexes, checks that
 * throw NoMatch with the reason, and the shapes and folded shape values of every value at a few
 * input sizes. Dynamic-size exports compute their reshape targets and slice ends from Shape at run
 * time; instead of matching those chains node by node, a pattern checks what they evaluate to at
 * each probe size (a Reshape is fully described by its output shape, a Slice from 0 with step 1 by
 * its output length). A fixed-size graph is probed at its size only.
 */
export class NoMatch extends Error {}

export function fail(why: string): never {
  throw new NoMatch(why);
}

/**
 * Symbolic image sizes are probed at these (H != W, and H*W both a multiple of 16 and not), times
 * the smallest multiple at which the graph has shapes (size-multiple.ts).
 */
const PROBE_SIZES: readonly [number, number][] = [
  [24, 20],
  [25, 21],
  [27, 25],
];

export class Matcher {
  readonly g: GraphEditor;
  private readonly writers = new Map<string, Node>();
  private readonly readers = new Map<string, Node[]>();
  private readonly live = new Set<Node>();
  /** Every value name in use, for fresh names (GraphEditor.fresh scans all nodes per call). */
  private readonly names = new Set<string>();
  private counter = 0;
  private probed?: readonly ShapeInference[];
  /** The probe sizes, as messages name them. */
  private probedAt: readonly string[] = [];
  private replaced = false;

  constructor(
    private readonly model: Model,
    private readonly file: string,
    private readonly pass: string,
  ) {
    this.g = new GraphEditor(model);
    for (const n of this.g.nodes) this.index(n);
    for (const name of this.g.initializers.keys()) this.names.add(name);
    for (const v of model.graph.inputs) this.names.add(v.name);
  }

  /** A value name derived from `base` that nothing in the graph uses. */
  fresh(base: string): string {
    let name: string;
    do name = `${base}__qmc${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  /** Adds an initializer under a fresh name derived from `base`. */
  addConstant(base: string, tensor: Tensor): string {
    const name = this.fresh(base);
    this.g.initializers.set(name, tensor);
    return name;
  }

  private index(n: Node): void {
    this.live.add(n);
    for (const o of n.outputs) {
      if (o) this.writers.set(o, n);
      this.names.add(o);
    }
    for (const i of n.inputs) if (i) this.readers.set(i, [...(this.readers.get(i) ?? []), n]);
  }

  /** Replaces `old` by `replacement` in the graph and in the indexes. */
  replace(old: Node, replacement: Node[]): void {
    this.g.replace(old, replacement);
    this.live.delete(old);
    for (const n of replacement) this.index(n);
    this.replaced = true;
  }

  /**
   * Runs `rewrite` (which matches a candidate and replaces it); where the pattern does not hold
   * (NoMatch) the graph stays as it is and `node` gets the note "`unmatched`: the reason". Other
   * errors propagate. True when the rewrite happened.
   */
  attempt(node: Node, unmatched: string, rewrite: () => void): boolean {
    try {
      rewrite();
      return true;
    } catch (e) {
      if (!(e instanceof NoMatch)) throw e;
      this.note(node, `${unmatched}: ${e.message}`);
      return false;
    }
  }

  writer(value: string): Node | undefined {
    return value ? this.writers.get(value) : undefined;
  }

  /** The nodes now in the graph that read `value`. */
  readersOf(value: string): readonly Node[] {
    return (this.readers.get(value) ?? []).filter((n) => this.live.has(n));
  }

  /** The standard op of this type that writes `value`, or undefined. */
  maybe(value: string, opType: string): Node | undefined {
    const n = this.writer(value);
    return n && this.live.has(n) && n.domain === "ai.onnx" && n.opType === opType ? n : undefined;
  }

  /** The standard op of this type that writes `value`; NoMatch naming `what` otherwise. */
  op(value: string, opType: string, what: string): Node {
    const n = this.maybe(value, opType);
    if (!n) fail(`${what} is ${this.describe(value)}, expected ${opType}`);
    return n;
  }

  describe(value: string): string {
    if (!value) return "absent";
    if (this.g.constant(value)) return `a constant ('${value}')`;
    const n = this.writer(value);
    return n ? `${n.opType} ('${value}')` : `a graph input ('${value}')`;
  }

  constant(value: string): Tensor | undefined {
    return this.g.constant(value);
  }

  /** The number of a one-element constant, with float32 ones as float32 values. */
  scalar(value: string, what: string): number {
    const t = this.g.constant(value);
    if (t?.size !== 1) fail(`${what} is ${this.describe(value)}, expected a one-element constant`);
    return t.item();
  }

  /** An integer constant (any rank) as a list; an absent optional input gives `absent`. */
  ints(value: string, what: string, absent?: readonly number[]): readonly number[] {
    if (!value && absent) return absent;
    const t = this.g.constant(value);
    if (!t || (t.dtype !== "int64" && t.dtype !== "int32"))
      fail(`${what} is ${this.describe(value)}, expected integer constants`);
    return Array.from(t.values);
  }

  /** The shape of `value` at every probe size; NoMatch when some probe cannot tell. */
  shapes(value: string): readonly (readonly number[])[] {
    return this.probes().map((p) => {
      const s = p.types.get(value)?.shape;
      if (!s || s.some((d) => typeof d !== "number")) fail(`the shape of '${value}' is not known at compile time`);
      return s as number[];
    });
  }

  /** The element type of `value`, where the probes tell. */
  dtypeOf(value: string): string | undefined {
    return this.probes()[0].types.get(value)?.dtype;
  }

  /** The shape at each probe, checked against `expected` (computed from other probed shapes). */
  expectShape(value: string, what: string, expected: (probe: number) => readonly number[]): void {
    this.shapes(value).forEach((s, k) => {
      const e = expected(k);
      if (s.length !== e.length || s.some((d, i) => d !== e[i])) {
        fail(`${what} has shape [${s}] at probe size ${this.probeSize(k)}, expected [${e}]`);
      }
    });
  }

  /** The values of a small tensor at every probe (a constant, or folded from Shape at that size). */
  probedValues(value: string, what: string): readonly (readonly number[])[] {
    const t = this.g.constant(value);
    if (t) return this.probes().map(() => Array.from(t.values));
    return this.probes().map((p, k) => {
      const c = p.constants.get(value);
      if (!c) fail(`${what} ('${value}') is not known at probe size ${this.probeSize(k)}`);
      return Array.from(c.values);
    });
  }

  private probeSize(k: number): string {
    this.probes();
    return this.probedAt[k];
  }

  private inputShape(): readonly (number | string | null)[] {
    return this.model.graph.inputs[0]?.type.shape ?? [];
  }

  private probes(): readonly ShapeInference[] {
    if (!this.probed) {
      const s = this.inputShape();
      const fixed = s.length === 4 && typeof s[2] === "number" && typeof s[3] === "number";
      if (s.length !== 4 || fixed) {
        this.probed = [inferShapes(this.model, this.file)];
        this.probedAt = [[s[2], s[3]].map((d) => d ?? "?").join("x")];
      } else {
        const at = (d: number | string | null) => (typeof d === "number" ? d : undefined);
        let scaled: ScaledInference;
        try {
          scaled = inferScaled(this.model, this.file, PROBE_SIZES, { h: at(s[2]), w: at(s[3]) });
        } catch (e) {
          if (e instanceof ProbeFailure) throw e.cause;
          throw e;
        }
        this.probed = scaled.runs;
        this.probedAt = scaled.sizes.map(([h, w]) => `${h}x${w}`);
      }
    }
    return this.probed;
  }

  /** Records why the candidate at `node` was left as it is. */
  note(node: Node, why: string): void {
    notePass(this.pass, node.name || node.outputs[0] || node.opType, why);
  }

  build(): Model {
    this.g.removeDead();
    return this.g.build();
  }

  /** The rewritten model declaring the op domains its new nodes use, or the model itself when nothing was replaced. */
  finish(domains: readonly string[]): Model {
    if (!this.replaced) return this.model;
    for (const d of domains) this.g.useDomain(d, 1);
    return this.build();
  }
}

/** Both orders of a commutative op's operands. */
export function eitherOrder(node: Node): [string, string][] {
  const [a, b] = node.inputs;
  return [
    [a, b],
    [b, a],
  ];
}

/** A Node's int attribute, `absent` when missing. */
export function intAttr(node: Node, name: string, absent: number): number {
  const a = node.attrs.get(name);
  return a?.type === "int" ? a.value : absent;
}

/** A Node's ints attribute, undefined when missing. */
export function intsAttr(node: Node, name: string): readonly number[] | undefined {
  const a = node.attrs.get(name);
  return a?.type === "ints" ? a.value : undefined;
}

export function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The reduction of ReduceMean/Min/Max/Sum over every axis to a scalar (keepdims 0), the form torch's
 * x.mean(), x.min(), x.max() and .sum() export to. The axes are an attribute before opset 18 and an
 * input from it; both must be absent (all axes) here.
 */
export function reducesAll(node: Node, opType: string, what: string): string {
  if (node.opType !== opType || node.domain !== "ai.onnx") fail(`${what} is ${node.opType}, expected ${opType}`);
  if (intAttr(node, "keepdims", 1) !== 0) fail(`${what} keeps the reduced dims`);
  if (intsAttr(node, "axes") || (node.inputs[1] ?? "") !== "") fail(`${what} reduces given axes, not the whole tensor`);
  if (intAttr(node, "noop_with_empty_axes", 0) !== 0) fail(`${what} has noop_with_empty_axes`);
  return node.inputs[0];
}
