import { readFileSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";
import protobuf from "protobufjs/minimal.js";
import { QmcError, terminalText } from "../diagnostics.js";
import { dtypeFromOnnx } from "../ir/dtype.js";
import {
  type Attr,
  type Dim,
  type Graph,
  type Model,
  type Node,
  normalizeDomain,
  type TypeInfo,
  type ValueInfo,
} from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { topologicalOrder } from "../ir/topo.js";
import { type FunctionLibrary, inlineFunctions, type RawNode } from "./inline-functions.js";
import { LimitBudget, type ModelLimits, modelLimits } from "./limits.js";
import { onnx } from "./onnx-proto.js";
import { decodeTensor } from "./tensor-proto.js";

// int64 fields decode to plain numbers: exact below 2^53, which every dim, index and attribute we
// accept stays within.
protobuf.util.Long = undefined as never;
protobuf.configure();

/** The newest IR version whose format this decoder knows (onnx.proto of ONNX 1.23). */
export const MAX_IR_VERSION = 14;

export function readModelFile(path: string, limits: ModelLimits = modelLimits()): Model {
  return decodeModel(readModelBytes(path, "an .onnx file", limits), { file: path, baseDir: dirname(path), limits });
}

/** A model file's bytes (or a tensor file's), the size checked against the limit before anything is read. */
export function readModelBytes(path: string, expected = "an .onnx file", limits = modelLimits()): Uint8Array {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new QmcError(`${path}: is a folder, expected ${expected}`);
    if (stat.size > limits.modelBytes) throw tooLarge(path, stat.size, limits);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof QmcError) throw e;
    throw new QmcError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

function tooLarge(file: string, bytes: number, limits: ModelLimits): QmcError {
  return new QmcError(`${file}: ${bytes} bytes, over the limit of ${limits.modelBytes} (--max-model-bytes)`);
}

export interface DecodeOptions {
  /** Used in messages. */
  readonly file: string;
  /** Folder external data is resolved in; undefined refuses external data. */
  readonly baseDir?: string;
  /** What the model may ask for; the process-wide limits (modelLimits()) by default. */
  readonly limits?: ModelLimits;
}

export function decodeModel(bytes: Uint8Array, options: DecodeOptions): Model {
  const file = basename(options.file);
  const limits = options.limits ?? modelLimits();
  if (bytes.length > limits.modelBytes) throw tooLarge(options.file, bytes.length, limits);
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new QmcError(`${options.file}: not a valid ONNX model (protobuf decoding failed: ${(e as Error).message})`);
  }
  const irVersion = Number(proto.irVersion ?? 0);
  if (!proto.graph || irVersion <= 0) {
    throw new QmcError(`${options.file}: not an ONNX model (no ${proto.graph ? "ir_version" : "graph"} field)`);
  }
  if (irVersion > MAX_IR_VERSION) {
    throw new QmcError(
      `${options.file}: IR version ${irVersion} is newer than the newest supported (${MAX_IR_VERSION})`,
    );
  }
  const opsets = new Map<string, number>();
  for (const o of proto.opsetImport ?? []) opsets.set(normalizeDomain(o.domain), Number(o.version ?? 0));
  if (!opsets.has("ai.onnx") && irVersion < 3) opsets.set("ai.onnx", 1);

  const functions = new Map<string, onnx.IFunctionProto>();
  for (const f of proto.functions ?? []) {
    functions.set(`${normalizeDomain(f.domain)}::${f.name}::${f.overload ?? ""}`, f);
  }
  const ctx: Ctx = { file, baseDir: options.baseDir, functions, used: new Set(), budget: new LimitBudget(limits) };
  const graph = decodeGraph(proto.graph, ctx, new Set(), 0);
  const metadata = new Map((proto.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""]));
  return {
    irVersion,
    producerName: proto.producerName ?? "",
    producerVersion: proto.producerVersion ?? "",
    domain: proto.domain ?? "",
    modelVersion: Number(proto.modelVersion ?? 0),
    docString: proto.docString ?? "",
    opsets,
    metadata,
    graph,
    inlinedFunctions: [...ctx.used].map((k) => k.split("::")[1]).sort(),
  };
}

interface Ctx {
  readonly file: string;
  readonly baseDir?: string;
  readonly functions: FunctionLibrary;
  readonly used: Set<string>;
  readonly budget: LimitBudget;
}

function decodeGraph(g: onnx.IGraphProto, ctx: Ctx, outerScope: ReadonlySet<string>, depth: number): Graph {
  const gname = g.name || "main";
  const where = `${terminalText(ctx.file)}, graph ${quote(gname)}`;
  ctx.budget.checkDepth(depth, where);
  ctx.budget.takeNodes((g.node ?? []).length, where);
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? "";
    const what = `${where}: initializer ${quote(name)}`;
    if (initializers.has(name)) throw new QmcError(`${what} is defined twice`);
    initializers.set(name, decodeTensor(t, { what, baseDir: ctx.baseDir, budget: ctx.budget }));
  }
  if ((g.sparseInitializer ?? []).length) {
    throw new QmcError(`${where}: sparse initializers are not supported`);
  }
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? "")).map(decodeValueInfo);
  const outputs = (g.output ?? []).map(decodeValueInfo);
  const valueInfo = new Map((g.valueInfo ?? []).map((v) => [v.name ?? "", decodeValueInfo(v)]));
  checkDeclaredValues(inputs, outputs, ctx.budget, where);

  const scope = new Set<string>([...outerScope, ...inputs.map((v) => v.name), ...initializers.keys()]);
  const decode = (n: onnx.INodeProto) => decodeNode(n, ctx, where);
  const inlined = inlineFunctions((g.node ?? []).map(decode), ctx.functions, decode, where, (key) => ctx.used.add(key));
  ctx.budget.takeNodes(Math.max(0, inlined.length - (g.node ?? []).length), where);
  checkSingleAssignment(inlined, inputs, initializers, where);
  // Subgraphs may read values produced anywhere in this graph, so decode them against the full scope.
  const fullScope = new Set(scope);
  for (const n of inlined) for (const o of n.outputs) if (o) fullScope.add(o);
  const nodes = topologicalOrder(
    inlined.map((n) => resolveSubgraphs(n, ctx, fullScope, depth)),
    where,
  );
  checkReferences(nodes, scope, outputs, where);
  return { name: gname, inputs, outputs, initializers, nodes, valueInfo };
}

/**
 * Graph inputs and outputs are named, inputs declare no negative dim and no more elements than a
 * tensor may hold: the size qmc plans for comes from these dims.
 */
function checkDeclaredValues(
  inputs: readonly ValueInfo[],
  outputs: readonly ValueInfo[],
  budget: LimitBudget,
  where: string,
) {
  const names = new Set<string>();
  for (const v of inputs) {
    if (!v.name) throw new QmcError(`${where}: a graph input has no name`);
    if (names.has(v.name)) throw new QmcError(`${where}: graph input ${quote(v.name)} is declared twice`);
    names.add(v.name);
    const fixed = (v.type.shape ?? []).filter((d): d is number => typeof d === "number");
    if (fixed.some((d) => d < 0))
      throw new QmcError(`${where}: graph input ${quote(v.name)} declares a negative dim ${dimsText(v.type.shape)}`);
    const elements = fixed.reduce((p, d) => p * d, 1);
    if (elements > budget.limits.tensorElements) {
      throw new QmcError(
        `${where}: graph input ${quote(v.name)} declares ${dimsText(v.type.shape)}, ${elements} elements, over the limit of ${budget.limits.tensorElements} per tensor (--max-tensor-elements)`,
      );
    }
  }
  outputs.forEach((v, i) => {
    if (!v.name) throw new QmcError(`${where}: graph output #${i} has no name`);
  });
}

/** ONNX graphs are in single static assignment form: each value has one producer, be it a node, an input or an initializer. */
function checkSingleAssignment(
  nodes: readonly Node[],
  inputs: readonly ValueInfo[],
  initializers: ReadonlyMap<string, Tensor>,
  where: string,
) {
  const producers = new Map<string, string>();
  for (const v of inputs) producers.set(v.name, "a graph input");
  for (const name of initializers.keys()) producers.set(name, "an initializer");
  for (const n of nodes) {
    const label = nodeLabel(n);
    for (const o of n.outputs) {
      if (!o) continue;
      const earlier = producers.get(o);
      if (earlier) throw new QmcError(`${where}: ${label} writes ${quote(o)}, which is already ${earlier}`);
      producers.set(o, `written by ${label}`);
    }
  }
}

/** Every name a node or graph output reads must exist: this is where a missing initializer shows. */
function checkReferences(
  nodes: readonly Node[],
  scope: ReadonlySet<string>,
  outputs: readonly ValueInfo[],
  where: string,
) {
  const known = new Set(scope);
  for (const n of nodes) {
    for (const i of n.inputs) {
      if (i && !known.has(i)) {
        throw new QmcError(
          `${where}: ${nodeLabel(n)} reads ${quote(i)}, which no graph input, initializer or node provides`,
        );
      }
    }
    for (const o of n.outputs) if (o) known.add(o);
  }
  for (const o of outputs) {
    if (!known.has(o.name))
      throw new QmcError(`${where}: graph output ${quote(o.name)} is produced by no node, input or initializer`);
  }
}

/**
 * A model string in a message: escaped whole (line breaks too, as nodeError does), so that a name
 * cannot end the message's line or write to the terminal.
 */
function quote(name: string): string {
  return `'${terminalText(name)}'`;
}

function nodeLabel(n: { name: string; opType: string }): string {
  return `node ${n.name ? quote(n.name) : "(unnamed)"} (${terminalText(n.opType)})`;
}

function dimsText(shape: readonly Dim[] | undefined): string {
  return terminalText(`[${shape ?? []}]`);
}

function decodeValueInfo(v: onnx.IValueInfoProto): ValueInfo {
  return { name: v.name ?? "", type: decodeType(v.type) };
}

function decodeType(t: onnx.ITypeProto | null | undefined): TypeInfo {
  const tt = t?.tensorType;
  if (!tt) return {};
  const dtype = dtypeFromOnnx(tt.elemType ?? 0);
  const shape: Dim[] | undefined = tt.shape
    ? (tt.shape.dim ?? []).map((d) => (d.dimValue != null ? Number(d.dimValue) : d.dimParam ? d.dimParam : null))
    : undefined;
  return { dtype, shape };
}

function decodeNode(n: onnx.INodeProto, ctx: Ctx, where: string): RawNode {
  const attrs = new Map<string, Attr>();
  const pendingGraphs = new Map<string, onnx.IGraphProto | onnx.IGraphProto[]>();
  const attrRefs = new Map<string, string>();
  const node = {
    name: n.name ?? "",
    opType: n.opType ?? "",
    domain: normalizeDomain(n.domain),
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    overload: n.overload ?? "",
  };
  for (const a of n.attribute ?? []) {
    const name = a.name ?? "";
    const what = `${where}: ${nodeLabel(node)} attribute ${quote(name)}`;
    if (a.refAttrName) {
      attrRefs.set(name, a.refAttrName);
      continue;
    }
    if (a.type === onnx.AttributeProto.AttributeType.GRAPH && a.g) pendingGraphs.set(name, a.g);
    else if (a.type === onnx.AttributeProto.AttributeType.GRAPHS) pendingGraphs.set(name, a.graphs ?? []);
    else attrs.set(name, decodeAttr(a, what, ctx));
  }
  return {
    ...node,
    attrs,
    pendingGraphs: pendingGraphs.size ? pendingGraphs : undefined,
    attrRefs: attrRefs.size ? attrRefs : undefined,
  };
}

function resolveSubgraphs(n: RawNode, ctx: Ctx, scope: ReadonlySet<string>, depth: number): Node {
  if (!n.pendingGraphs) return n;
  const attrs = new Map(n.attrs);
  const decode = (g: onnx.IGraphProto) => decodeGraph(g, ctx, scope, depth + 1);
  for (const [name, g] of n.pendingGraphs) {
    if (Array.isArray(g)) attrs.set(name, { type: "graphs", value: g.map(decode) });
    else attrs.set(name, { type: "graph", value: decode(g) });
  }
  const { pendingGraphs: _, attrRefs: __, ...rest } = n;
  return { ...rest, attrs };
}

const T = onnx.AttributeProto.AttributeType;
const utf8 = new TextDecoder();

function decodeAttr(a: onnx.IAttributeProto, what: string, ctx: Ctx): Attr {
  const tensor = (t: onnx.ITensorProto) => decodeTensor(t, { what, baseDir: ctx.baseDir, budget: ctx.budget });
  switch (a.type) {
    case T.INT:
      return { type: "int", value: Number(a.i ?? 0) };
    case T.FLOAT:
      return { type: "float", value: a.f ?? 0 };
    case T.STRING:
      return { type: "string", value: utf8.decode(a.s ?? new Uint8Array()) };
    case T.TENSOR:
      if (!a.t) throw new QmcError(`${what}: tensor attribute without a tensor`);
      return { type: "tensor", value: tensor(a.t) };
    case T.INTS:
      return { type: "ints", value: (a.ints ?? []).map(Number) };
    case T.FLOATS:
      return { type: "floats", value: a.floats ?? [] };
    case T.STRINGS:
      return { type: "strings", value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case T.TENSORS:
      return { type: "tensors", value: (a.tensors ?? []).map(tensor) };
    default:
      throw new QmcError(`${what}: attribute type ${T[a.type ?? 0] ?? a.type} is not supported`);
  }
}
