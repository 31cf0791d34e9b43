import { readFileSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";
import protobuf from "protobufjs/minimal.js";
import { QmcError } from "../diagnostics.js";
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
import { onnx } from "./onnx-proto.js";
import { decodeTensor } from "./tensor-proto.js";

// int64 fields decode to plain numbers: exact below 2^53, which every dim, index and attribute we
// accept stays within.
protobuf.util.Long = undefined as never;
protobuf.configure();

/** The newest IR version whose format this decoder knows (onnx.proto of ONNX 1.23). */
export const MAX_IR_VERSION = 14;

export function readModelFile(path: string): Model {
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw new QmcError(`${path}: is a folder, expected an .onnx file`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof QmcError) throw e;
    throw new QmcError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return decodeModel(bytes, { file: path, baseDir: dirname(path) });
}

export interface DecodeOptions {
  /** Used in messages. */
  readonly file: string;
  /** Folder external data is resolved in; undefined refuses external data. */
  readonly baseDir?: string;
}

export function decodeModel(bytes: Uint8Array, options: DecodeOptions): Model {
  const file = basename(options.file);
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
  const ctx: Ctx = { file, baseDir: options.baseDir, functions, used: new Set() };
  const graph = decodeGraph(proto.graph, ctx, new Set());
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
}

function decodeGraph(g: onnx.IGraphProto, ctx: Ctx, outerScope: ReadonlySet<string>): Graph {
  const gname = g.name || "main";
  const where = `${ctx.file}, graph '${gname}'`;
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? "";
    initializers.set(name, decodeTensor(t, { what: `${where}: initializer '${name}'`, baseDir: ctx.baseDir }));
  }
  if ((g.sparseInitializer ?? []).length) {
    throw new QmcError(`${where}: sparse initializers are not supported`);
  }
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? "")).map(decodeValueInfo);
  const outputs = (g.output ?? []).map(decodeValueInfo);
  const valueInfo = new Map((g.valueInfo ?? []).map((v) => [v.name ?? "", decodeValueInfo(v)]));

  const scope = new Set<string>([...outerScope, ...inputs.map((v) => v.name), ...initializers.keys()]);
  const decode = (n: onnx.INodeProto) => decodeNode(n, ctx, where);
  const inlined = inlineFunctions((g.node ?? []).map(decode), ctx.functions, decode, where, (key) => ctx.used.add(key));
  // Subgraphs may read values produced anywhere in this graph, so decode them against the full scope.
  const fullScope = new Set(scope);
  for (const n of inlined) for (const o of n.outputs) if (o) fullScope.add(o);
  const nodes = topologicalOrder(
    inlined.map((n) => resolveSubgraphs(n, ctx, fullScope)),
    where,
  );
  checkReferences(nodes, scope, outputs, where);
  return { name: gname, inputs, outputs, initializers, nodes, valueInfo };
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
        const label = n.name ? `'${n.name}'` : "(unnamed)";
        throw new QmcError(
          `${where}: node ${label} (${n.opType}) reads '${i}', which no graph input, initializer or node provides`,
        );
      }
    }
    for (const o of n.outputs) if (o) known.add(o);
  }
  for (const o of outputs) {
    if (!known.has(o.name))
      throw new QmcError(`${where}: graph output '${o.name}' is produced by no node, input or initializer`);
  }
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
    const what = `${where}: node ${node.name ? `'${node.name}'` : "(unnamed)"} (${node.opType}) attribute '${name}'`;
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

function resolveSubgraphs(n: RawNode, ctx: Ctx, scope: ReadonlySet<string>): Node {
  if (!n.pendingGraphs) return n;
  const attrs = new Map(n.attrs);
  for (const [name, g] of n.pendingGraphs) {
    if (Array.isArray(g)) attrs.set(name, { type: "graphs", value: g.map((x) => decodeGraph(x, ctx, scope)) });
    else attrs.set(name, { type: "graph", value: decodeGraph(g, ctx, scope) });
  }
  const { pendingGraphs: _, attrRefs: __, ...rest } = n;
  return { ...rest, attrs };
}

const T = onnx.AttributeProto.AttributeType;
const utf8 = new TextDecoder();

function decodeAttr(a: onnx.IAttributeProto, what: string, ctx: Ctx): Attr {
  const tensor = (t: onnx.ITensorProto) => decodeTensor(t, { what, baseDir: ctx.baseDir });
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
