import { dtypeFromOnnx, isInteger } from "../ir/dtype.js";
import { attr, GraphEditor, makeNode } from "../ir/editor.js";
import { type Attr, type Model, type Node, nodeReads } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { Attrs } from "../ops/define.js";
import { inferShapes, type ShapeInference } from "./infer-shapes.js";
import type { Pass } from "./pass.js";

/**
 * A shape entry as far as compile time can tell: a constant, or dim `axis` of value `of` times
 * num/den (den > 1 only after an integer division, which floors).
 */
type Sym =
  | { readonly k: number }
  | { readonly of: string; readonly axis: number; readonly num: number; readonly den: number };

/** An integer shape tensor (rank 0 or 1), entry by entry. */
interface ShapeValue {
  readonly scalar: boolean;
  readonly entries: readonly Sym[];
}

/** The four dims of the pattern's input x [N, C, H, W]. */
type Dims4 = readonly [Sym, Sym, Sym, Sym];

/**
 * One hand-written block move: Reshape(x, split) -> Transpose(perm) -> Reshape(.., merged) is the
 * ONNX op with these attributes. The element orders follow compiler/ops/ai.onnx/DepthToSpace.ts and
 * SpaceToDepth.ts.
 */
interface Form {
  readonly op: "DepthToSpace" | "SpaceToDepth";
  readonly mode?: "CRD" | "DCR";
  readonly perm: readonly number[];
  /** Where the split carries the blocksize. */
  readonly blockAxes: readonly [number, number];
  readonly split: (x: Dims4, r: number) => Sym[];
  readonly merged: (x: Dims4, r: number) => Sym[];
}

const shuffled = ([n, c, h, w]: Dims4, r: number) => [n, times(c, 1, r * r), times(h, r, 1), times(w, r, 1)];

/**
 * PyTorch's pixel shuffle (channel read as (c, r1, r2)) is CRD and its DCR sibling reads (r1, r2, c).
 * SpaceToDepth writes the output channel as (r1, r2, c) only, so PyTorch's pixel unshuffle
 * (perm [0,1,3,5,2,4], channel (c, r1, r2)) is not one SpaceToDepth and is left as it is.
 */
const FORMS: readonly Form[] = [
  {
    op: "DepthToSpace",
    mode: "CRD",
    perm: [0, 1, 4, 2, 5, 3],
    blockAxes: [2, 3],
    split: ([n, c, h, w], r) => [n, times(c, 1, r * r), { k: r }, { k: r }, h, w],
    merged: shuffled,
  },
  {
    op: "DepthToSpace",
    mode: "DCR",
    perm: [0, 3, 4, 1, 5, 2],
    blockAxes: [1, 2],
    split: ([n, c, h, w], r) => [n, { k: r }, { k: r }, times(c, 1, r * r), h, w],
    merged: shuffled,
  },
  {
    op: "SpaceToDepth",
    perm: [0, 3, 5, 1, 2, 4],
    blockAxes: [3, 5],
    split: ([n, c, h, w], r) => [n, c, times(h, 1, r), { k: r }, times(w, 1, r), { k: r }],
    merged: ([n, c, h, w], r) => [n, times(c, r * r, 1), times(h, 1, r), times(w, 1, r)],
  },
];

/**
 * Pixel shuffle and unshuffle as models write them by hand, Reshape to 6-D -> Transpose -> Reshape
 * to 4-D, become one DepthToSpace / SpaceToDepth. The reshape targets may be constants or computed
 * at run time from the input's Shape (dynamic H, W exports: Shape -> Gather -> Div/Mul -> Unsqueeze
 * -> Concat); the rewrite happens only where every entry provably has the size the op would give,
 * and the intermediate values are read by the pattern alone.
 */
export const lowerPixelShuffle: Pass = {
  name: "lower-pixel-shuffle",
  summary: "Reshape -> Transpose -> Reshape pixel (un)shuffle -> DepthToSpace / SpaceToDepth",
  run(model, file) {
    const g = new GraphEditor(model);
    const candidates = g.nodes.filter((n) => n.domain === "ai.onnx" && n.opType === "Transpose" && formOf(n));
    if (candidates.length === 0) return model;
    const shapes = new ShapeEvaluator(g, model, inferShapes(model, file));
    const opset = model.opsets.get("ai.onnx") ?? 0;
    for (const transpose of candidates) {
      const form = formOf(transpose);
      // DepthToSpace has a mode from opset 11; before that it is DCR only.
      if (!form || (form.mode === "CRD" && opset < 11)) continue;
      const match = matchPattern(g, shapes, transpose, form);
      if (!match) continue;
      const attrs: Record<string, Attr> = { blocksize: attr.int(match.blocksize) };
      if (form.mode && opset >= 11) attrs.mode = attr.string(form.mode);
      const lowered = makeNode(form.op, "ai.onnx", [match.x], [...match.last.outputs], attrs, match.last.name);
      g.replace(match.last, [lowered]);
      g.replace(match.first, []);
      g.replace(transpose, []);
    }
    g.removeDead();
    return g.build();
  },
};

function formOf(transpose: Node): Form | undefined {
  const perm = transpose.attrs.get("perm");
  if (perm?.type !== "ints") return undefined;
  return FORMS.find((f) => f.perm.every((p, i) => perm.value[i] === p) && perm.value.length === f.perm.length);
}

interface Match {
  readonly x: string;
  readonly blocksize: number;
  readonly first: Node;
  readonly last: Node;
}

function matchPattern(g: GraphEditor, shapes: ShapeEvaluator, transpose: Node, form: Form): Match | undefined {
  const first = g.producer(transpose.inputs[0]);
  const [after, ...others] = readers(g, transpose.outputs[0]);
  if (!isReshape(first) || !isReshape(after) || after.inputs[0] !== transpose.outputs[0] || others.length > 0)
    return undefined;
  if (!soleReader(g, first.outputs[0], transpose) || g.isGraphOutput(transpose.outputs[0])) return undefined;
  const x = first.inputs[0];
  const xDims = shapes.dims(x);
  if (xDims?.length !== 4) return undefined;
  const [n, c, h, w] = xDims;
  const d: Dims4 = [n, c, h, w];

  const split = shapes.value(first.inputs[1]);
  const [a, b] = form.blockAxes.map((i) => split?.entries[i]);
  if (!split || !a || !b || !("k" in a) || !("k" in b) || a.k !== b.k || !Number.isInteger(a.k) || a.k < 1)
    return undefined;
  const r = a.k;
  const splitDims = form.split(d, r);
  if (!targetMatches(split, splitDims, xDims, first)) return undefined;

  const permuted = form.perm.map((p) => splitDims[p]);
  shapes.know(first.outputs[0], splitDims);
  shapes.know(transpose.outputs[0], permuted);
  const merged = shapes.value(after.inputs[1]);
  if (!merged || !targetMatches(merged, form.merged(d, r), permuted, after)) return undefined;
  return { x, blocksize: r, first, last: after };
}

function isReshape(node: Node | undefined): node is Node {
  return node?.domain === "ai.onnx" && node.opType === "Reshape" && node.inputs.length === 2;
}

function readers(g: GraphEditor, value: string): Node[] {
  return g.nodes.filter((n) => nodeReads(n).includes(value));
}

function soleReader(g: GraphEditor, value: string, reader: Node): boolean {
  return !g.isGraphOutput(value) && readers(g, value).every((n) => n === reader);
}

/**
 * Whether Reshape's target gives exactly `expected` from an input of dims `input`: 0 copies the
 * input's dim (without allowzero), and a -1 takes what is left, which is the expected size when
 * every other entry is exact (a floored division elsewhere, C // 4 with C not a multiple of 4, would
 * leave it a different size; without a -1 Reshape's element count check fails there instead).
 */
function targetMatches(target: ShapeValue, expected: readonly Sym[], input: readonly Sym[], reshape: Node): boolean {
  if (target.scalar || target.entries.length !== expected.length) return false;
  const allowZero = new Attrs(reshape).int("allowzero", 0) !== 0;
  let wildcards = 0;
  for (const [i, entry] of target.entries.entries()) {
    if ("k" in entry && entry.k === -1) {
      wildcards++;
      continue;
    }
    const size = "k" in entry && entry.k === 0 && !allowZero ? input[i] : entry;
    if (!size || !same(size, expected[i])) return false;
  }
  return wildcards === 0 || (wildcards === 1 && target.entries.every((e) => "k" in e || e.den === 1));
}

function same(a: Sym, b: Sym): boolean {
  if ("k" in a || "k" in b) return "k" in a && "k" in b && a.k === b.k;
  return a.of === b.of && a.axis === b.axis && a.num * b.den === b.num * a.den;
}

/** `s` times num/den, exactly (the sizes the ops compute, not a floored run-time division). */
function times(s: Sym, num: number, den: number): Sym {
  if ("k" in s) return { k: (s.k * num) / den };
  return reduced(s.of, s.axis, s.num * num, s.den * den);
}

function reduced(of: string, axis: number, num: number, den: number): Sym {
  const gcd = (p: number, q: number): number => (q === 0 ? p : gcd(q, p % q));
  const d = gcd(Math.abs(num), den);
  return { of, axis, num: num / d, den: den / d };
}

/**
 * Evaluates integer shape tensors symbolically: constants (initializers, and what shape inference
 * folds on a fixed-shape graph), Shape of a value of known rank, and the Gather / Unsqueeze /
 * Concat / Mul / Div / Cast that exporters put between Shape and Reshape.
 */
class ShapeEvaluator {
  private readonly known = new Map<string, readonly Sym[]>();
  private readonly opset: number;

  constructor(
    private readonly g: GraphEditor,
    model: Model,
    private readonly inference: ShapeInference,
  ) {
    this.opset = model.opsets.get("ai.onnx") ?? 0;
  }

  /** Records a value's dims as proven by a match (the intermediate values of the pattern). */
  know(value: string, dims: readonly Sym[]): void {
    this.known.set(value, dims);
  }

  /** The value's dims: numbers where inference knows them, otherwise the dims themselves. */
  dims(value: string): readonly Sym[] | undefined {
    const known = this.known.get(value);
    if (known) return known;
    const shape = this.inference.types.get(value)?.shape;
    return shape?.map((d, axis) => (typeof d === "number" ? { k: d } : { of: value, axis, num: 1, den: 1 }));
  }

  value(name: string): ShapeValue | undefined {
    const t = this.constant(name);
    if (t) {
      if (!isInteger(t.dtype) || t.rank > 1) return undefined;
      return { scalar: t.rank === 0, entries: Array.from(t.values, (k) => ({ k })) };
    }
    const node = this.g.producer(name);
    if (node?.domain !== "ai.onnx") return undefined;
    switch (node.opType) {
      case "Shape":
        return this.shape(node);
      case "Gather":
        return this.gather(node);
      case "Unsqueeze":
        return this.unsqueeze(node);
      case "Concat":
        return this.concat(node);
      case "Mul":
      case "Div":
        return this.arithmetic(node);
      case "Cast":
        return this.cast(node);
      default:
        return undefined;
    }
  }

  private constant(name: string): Tensor | undefined {
    return this.g.constant(name) ?? this.inference.constants.get(name);
  }

  private ints(name: string | undefined): number[] | undefined {
    const t = name ? this.constant(name) : undefined;
    return t && isInteger(t.dtype) ? Array.from(t.values) : undefined;
  }

  private shape(node: Node): ShapeValue | undefined {
    const dims = this.dims(node.inputs[0]);
    if (!dims) return undefined;
    const rank = dims.length;
    const attrs = new Attrs(node);
    const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
    const [start, end] = this.opset >= 15 ? [clamp(attrs.int("start", 0)), clamp(attrs.int("end", rank))] : [0, rank];
    return { scalar: false, entries: dims.slice(start, Math.max(start, end)) };
  }

  private gather(node: Node): ShapeValue | undefined {
    const data = this.value(node.inputs[0]);
    const indices = this.constant(node.inputs[1]);
    const axis = new Attrs(node).int("axis", 0);
    if (!data || data.scalar || !indices || !isInteger(indices.dtype) || indices.rank > 1) return undefined;
    if (axis !== 0 && axis !== -1) return undefined;
    const n = data.entries.length;
    const entries: Sym[] = [];
    for (const i of indices.values) {
      if (i < -n || i >= n) return undefined;
      entries.push(data.entries[i < 0 ? i + n : i]);
    }
    return { scalar: indices.rank === 0, entries };
  }

  /** A scalar made a one-entry vector, the only Unsqueeze a shape computation needs. */
  private unsqueeze(node: Node): ShapeValue | undefined {
    const input = this.value(node.inputs[0]);
    const axes = this.opset >= 13 ? this.ints(node.inputs[1]) : new Attrs(node).ints("axes", []);
    if (!input?.scalar || axes?.length !== 1 || (axes[0] !== 0 && axes[0] !== -1)) return undefined;
    return { scalar: false, entries: input.entries };
  }

  private concat(node: Node): ShapeValue | undefined {
    const axis = new Attrs(node).int("axis");
    if (axis !== 0 && axis !== -1) return undefined;
    const parts = node.inputs.map((i) => this.value(i));
    const entries: Sym[] = [];
    for (const p of parts) {
      if (!p || p.scalar) return undefined;
      entries.push(...p.entries);
    }
    return { scalar: false, entries };
  }

  private arithmetic(node: Node): ShapeValue | undefined {
    const a = this.value(node.inputs[0]);
    const b = this.value(node.inputs[1]);
    if (!a || !b) return undefined;
    const n = Math.max(a.entries.length, b.entries.length);
    if ([a, b].some((v) => v.entries.length !== n && v.entries.length !== 1)) return undefined;
    const entries: Sym[] = [];
    for (let i = 0; i < n; i++) {
      const x = a.entries[a.entries.length === 1 ? 0 : i];
      const y = b.entries[b.entries.length === 1 ? 0 : i];
      const r = node.opType === "Mul" ? product(x, y) : quotient(x, y);
      if (!r) return undefined;
      entries.push(r);
    }
    return { scalar: a.scalar && b.scalar, entries };
  }

  /** Casts between integer types keep shape values as they are. */
  private cast(node: Node): ShapeValue | undefined {
    const to = dtypeFromOnnx(new Attrs(node).int("to"));
    return to && isInteger(to) ? this.value(node.inputs[0]) : undefined;
  }
}

/** A product the symbols can hold: a constant times an exact dim (never a floored one). */
function product(a: Sym, b: Sym): Sym | undefined {
  if ("k" in a && "k" in b) return { k: a.k * b.k };
  const [dim, k] = "k" in a ? [b, a.k] : [a, "k" in b ? b.k : undefined];
  if ("k" in dim || k === undefined || dim.den !== 1) return undefined;
  return reduced(dim.of, dim.axis, dim.num * k, 1);
}

/** Integer division as ONNX's Div computes it (truncating); a dim by a positive constant only. */
function quotient(a: Sym, b: Sym): Sym | undefined {
  if (!("k" in b) || b.k <= 0 || !Number.isInteger(b.k)) return undefined;
  if ("k" in a) return { k: Math.trunc(a.k / b.k) };
  if (a.den !== 1) return undefined;
  return reduced(a.of, a.axis, a.num, b.k);
}
