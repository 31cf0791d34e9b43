import { onnx } from "../../compiler/onnx/onnx-proto.js";
import { supportedOps } from "../../compiler/ops/registry.js";
import { type Draw, EDGE_FLOATS, EDGE_INTEGERS, edgeIndex, HOSTILE_NAMES } from "./random.js";

/**
 * Mutations of a model file: raw bytes (flips, truncation), and protobuf-aware ones that decode the
 * ModelProto, change one field the way a broken exporter or an attacker would, and re-encode it, so
 * that the file still parses and the change reaches decode's checks, the shape rules and the passes.
 */

export const MODEL_MUTATIONS = [
  "byte-flip",
  "truncate",
  "dims",
  "dtype",
  "raw-data",
  "names",
  "attributes",
  "opsets",
  "external-data",
  "rewire",
  "input-shape",
  "op-type",
] as const;
export type ModelMutation = (typeof MODEL_MUTATIONS)[number];

export interface Mutated {
  readonly bytes: Uint8Array;
  /** What was changed, for a failure's report. */
  readonly what: string;
}

/** The file external-data mutations point at, in the folder the fuzz decodes against. */
export const EXTERNAL_FILE = "w.bin";
export const EXTERNAL_FILE_BYTES = 4096;

export function mutateModel(kind: ModelMutation, seed: Uint8Array, d: Draw): Mutated {
  if (kind === "byte-flip") return flipBytes(seed, d);
  if (kind === "truncate") {
    const at = d.pick([0, 1, 2, seed.length - 1, d.int(seed.length), d.int(64)]);
    return { bytes: seed.slice(0, at), what: `truncated to ${at} of ${seed.length} bytes` };
  }
  const model = onnx.ModelProto.decode(seed);
  const what = PROTO_MUTATIONS[kind](new ModelView(model), d);
  return { bytes: onnx.ModelProto.encode(model).finish(), what };
}

function flipBytes(seed: Uint8Array, d: Draw): Mutated {
  // A copy: Buffer's slice() would be a view, and the flips would land in the seed.
  const bytes = Uint8Array.from(seed);
  const flips: string[] = [];
  const count = 1 + d.int(8);
  // Half the flips land in the first kilobyte, where the graph's structure (not weights) lives.
  for (let i = 0; i < count; i++) {
    const at = d.chance(0.5) ? d.int(Math.min(1024, bytes.length)) : d.int(bytes.length);
    const mask = 1 + d.int(255);
    bytes[at] ^= mask;
    flips.push(`${at}^${mask}`);
  }
  return { bytes, what: `flipped bytes ${flips.join(" ")}` };
}

/** Every graph, node, tensor and value of a model, subgraphs included, to pick mutation targets from. */
class ModelView {
  readonly graphs: onnx.IGraphProto[] = [];
  readonly nodes: onnx.INodeProto[] = [];
  readonly tensors: { tensor: onnx.ITensorProto; where: string }[] = [];

  constructor(readonly model: onnx.ModelProto) {
    const visit = (g: onnx.IGraphProto, where: string) => {
      this.graphs.push(g);
      for (const t of g.initializer ?? []) this.tensors.push({ tensor: t, where: `initializer '${t.name}'` });
      for (const n of g.node ?? []) {
        this.nodes.push(n);
        for (const a of n.attribute ?? []) {
          const label = `node '${n.name}' attribute '${a.name}'`;
          if (a.t) this.tensors.push({ tensor: a.t, where: label });
          for (const t of a.tensors ?? []) this.tensors.push({ tensor: t, where: label });
          if (a.g) visit(a.g, `${where}/${a.name}`);
          for (const sub of a.graphs ?? []) visit(sub, `${where}/${a.name}`);
        }
      }
    };
    if (!model.graph) model.graph = new onnx.GraphProto();
    visit(model.graph, "main");
  }

  get main(): onnx.IGraphProto {
    return this.graphs[0];
  }

  /** Graph inputs that are not initializers: what the user feeds. */
  fedInputs(g = this.main): onnx.IValueInfoProto[] {
    const init = new Set((g.initializer ?? []).map((t) => t.name));
    return (g.input ?? []).filter((v) => !init.has(v.name));
  }

  /** Every name a node may read: graph inputs, initializers and node outputs. */
  valueNames(): string[] {
    const names = new Set<string>();
    for (const g of this.graphs) {
      for (const v of g.input ?? []) names.add(v.name ?? "");
      for (const t of g.initializer ?? []) names.add(t.name ?? "");
      for (const n of g.node ?? []) for (const o of n.output ?? []) names.add(o);
    }
    return [...names];
  }

  nodeLabel(n: onnx.INodeProto): string {
    return `node '${n.name}' (${n.opType})`;
  }
}

type ProtoMutation = (m: ModelView, d: Draw) => string;

const PROTO_MUTATIONS: Record<Exclude<ModelMutation, "byte-flip" | "truncate">, ProtoMutation> = {
  dims: mutateDims,
  dtype: mutateDtype,
  "raw-data": mutateRawData,
  names: mutateNames,
  attributes: mutateAttributes,
  opsets: mutateOpsets,
  "external-data": mutateExternalData,
  rewire: mutateWiring,
  "input-shape": mutateInputShape,
  "op-type": mutateOpType,
};

function mutateDims(m: ModelView, d: Draw): string {
  if (m.tensors.length === 0) return mutateInputShape(m, d);
  const { tensor, where } = d.pick(m.tensors);
  const dims = (tensor.dims ?? []).map(Number);
  const before = `[${dims}]`;
  const op = d.int(5);
  if (op === 0 && dims.length) dims[edgeIndex(d, dims.length)] = d.pick(EDGE_INTEGERS);
  else if (op === 1) dims.push(d.pick([0, 1, 2, 3, 2 ** 31 - 1]));
  else if (op === 2) dims.pop();
  else if (op === 3) dims.reverse();
  else dims.splice(0, dims.length, ...(d.chance(0.5) ? [] : [d.pick(EDGE_INTEGERS)]));
  tensor.dims = dims;
  return `${where}: dims ${before} -> [${dims}]`;
}

const DATA_TYPES = Array.from({ length: 26 }, (_, i) => i);

function mutateDtype(m: ModelView, d: Draw): string {
  const code = d.chance(0.9) ? d.pick(DATA_TYPES) : d.pick([-1, 99, 2 ** 31 - 1]);
  if (m.tensors.length && d.chance(0.6)) {
    const { tensor, where } = d.pick(m.tensors);
    const before = tensor.dataType;
    tensor.dataType = code;
    return `${where}: data_type ${before} -> ${code}`;
  }
  const values = [...(m.main.input ?? []), ...(m.main.output ?? [])];
  if (values.length === 0) return mutateInputShape(m, d);
  const v = d.pick(values);
  const tensorType = ensureTensorType(v);
  const before = tensorType.elemType;
  tensorType.elemType = code;
  return `value '${v.name}': elem_type ${before} -> ${code}`;
}

function mutateRawData(m: ModelView, d: Draw): string {
  if (m.tensors.length === 0) return mutateDims(m, d);
  const { tensor, where } = d.pick(m.tensors);
  const raw = tensor.rawData ?? new Uint8Array();
  const op = d.int(6);
  if (op === 0) tensor.rawData = raw.slice(0, d.pick([0, 1, raw.length - 1, d.int(raw.length + 1)]));
  else if (op === 1) tensor.rawData = concat(raw, randomBytes(d, 1 + d.int(16)));
  else if (op === 2) tensor.rawData = randomBytes(d, raw.length);
  else if (op === 3) tensor.floatData = Array.from({ length: d.int(8) }, () => d.pick(EDGE_FLOATS));
  else if (op === 4) tensor.int64Data = Array.from({ length: d.int(8) }, () => d.pick(EDGE_INTEGERS));
  else tensor.int32Data = Array.from({ length: d.int(8) }, () => d.pick(EDGE_INTEGERS) | 0);
  const field = ["raw_data cut", "raw_data extended", "raw_data random", "float_data", "int64_data", "int32_data"][op];
  return `${where}: ${field} (raw_data now ${tensor.rawData?.length ?? 0} bytes)`;
}

function mutateNames(m: ModelView, d: Draw): string {
  const existing = m.valueNames();
  const name = d.chance(0.5) ? d.pick(HOSTILE_NAMES) : d.pick(existing);
  const g = d.pick(m.graphs);
  const nodes = g.node ?? [];
  const op = d.int(6);
  if (op === 0 && nodes.length) {
    const n = d.pick(nodes);
    const before = n.name;
    n.name = name;
    return `${m.nodeLabel({ ...n, name: before })}: renamed to ${JSON.stringify(name)}`;
  }
  if (op === 1 && nodes.length) {
    const n = d.pick(nodes);
    const inputs = own(n, "input");
    const k = edgeIndex(d, Math.max(1, inputs.length));
    inputs[k] = name;
    return `${m.nodeLabel(n)}: input ${k} renamed to ${JSON.stringify(name)}`;
  }
  if (op === 2 && nodes.length) {
    const n = d.pick(nodes);
    const outputs = own(n, "output");
    const k = edgeIndex(d, Math.max(1, outputs.length));
    outputs[k] = name;
    return `${m.nodeLabel(n)}: output ${k} renamed to ${JSON.stringify(name)}`;
  }
  if (op === 3 && (g.initializer ?? []).length) {
    const t = d.pick(g.initializer ?? []);
    const before = t.name;
    t.name = name;
    return `initializer '${before}': renamed to ${JSON.stringify(name)}`;
  }
  const values = op === 4 ? (g.input ?? []) : (g.output ?? []);
  if (values.length === 0) return `graph '${g.name}': nothing to rename`;
  const v = d.pick(values);
  const before = v.name;
  v.name = name;
  return `graph ${op === 4 ? "input" : "output"} '${before}': renamed to ${JSON.stringify(name)}`;
}

const AttributeType = onnx.AttributeProto.AttributeType;
const ATTRIBUTE_TYPES = [
  AttributeType.FLOAT,
  AttributeType.INT,
  AttributeType.STRING,
  AttributeType.TENSOR,
  AttributeType.GRAPH,
  AttributeType.FLOATS,
  AttributeType.INTS,
  AttributeType.STRINGS,
  AttributeType.TENSORS,
  AttributeType.GRAPHS,
  AttributeType.UNDEFINED,
  99,
];
/** Attribute names the supported ops read: a mutation that adds one reaches their checks. */
const ATTRIBUTE_NAMES = [
  "axis",
  "axes",
  "pads",
  "strides",
  "kernel_shape",
  "dilations",
  "group",
  "auto_pad",
  "mode",
  "perm",
  "blocksize",
  "epsilon",
  "alpha",
  "beta",
  "to",
  "keepdims",
  "split",
  "num_outputs",
  "value",
  "coordinate_transformation_mode",
  "nearest_mode",
  "cubic_coeff_a",
  "exclude_outside",
  "output_padding",
  "output_shape",
  "transA",
  "transB",
  "allowzero",
  "bits",
  "signed",
  "delta_softplus",
  "stash_type",
  "keep_aspect_ratio_policy",
  "noop_with_empty_axes",
  "block_size",
  "saturate",
];
const ATTRIBUTE_STRINGS = [
  "",
  "NOTSET",
  "SAME_UPPER",
  "VALID",
  "linear",
  "cubic",
  "nearest",
  "DCR",
  "CRD",
  "reflect",
  "edge",
  "wrap",
  "bogus",
];

function mutateAttributes(m: ModelView, d: Draw): string {
  if (m.nodes.length === 0) return mutateOpsets(m, d);
  const n = d.pick(m.nodes);
  const attrs = own(n, "attribute");
  const label = m.nodeLabel(n);
  const op = attrs.length ? d.int(7) : 6;
  if (op === 6) {
    const a = randomAttribute(d, d.pick(ATTRIBUTE_NAMES));
    attrs.push(a);
    return `${label}: added attribute ${describeAttribute(a)}`;
  }
  const k = d.int(attrs.length);
  const a = attrs[k];
  if (op === 0) {
    attrs.splice(k, 1);
    return `${label}: removed attribute '${a.name}'`;
  }
  if (op === 1) {
    attrs.push(randomAttribute(d, a.name ?? ""));
    return `${label}: attribute '${a.name}' given twice`;
  }
  if (op === 2) {
    const before = a.type;
    a.type = d.pick(ATTRIBUTE_TYPES);
    return `${label}: attribute '${a.name}' type ${before} -> ${a.type} (fields kept)`;
  }
  if (op === 3 && a.t) {
    a.t = d.chance(0.5) ? null : { ...a.t, dims: [d.pick(EDGE_INTEGERS)] };
    return `${label}: attribute '${a.name}' tensor ${a.t ? "dims changed" : "removed"}`;
  }
  if (op === 4 && (a.g || a.graphs?.length)) {
    a.g = d.chance(0.5) ? new onnx.GraphProto() : a.g;
    a.refAttrName = d.chance(0.5) ? "missing" : a.refAttrName;
    return `${label}: attribute '${a.name}' subgraph emptied or made a reference`;
  }
  attrs[k] = randomAttribute(d, a.name ?? "", a.type ?? AttributeType.INT);
  return `${label}: attribute ${describeAttribute(attrs[k])}`;
}

function randomAttribute(d: Draw, name: string, type = d.pick(ATTRIBUTE_TYPES)): onnx.IAttributeProto {
  const ints = () =>
    d.chance(0.1)
      ? Array.from({ length: 1000 + d.int(1000) }, () => d.int(4))
      : Array.from({ length: d.int(9) }, () => (d.chance(0.5) ? d.pick(EDGE_INTEGERS) : d.int(5) - 1));
  const floats = () => Array.from({ length: d.int(9) }, () => d.pick(EDGE_FLOATS));
  const text = () => new TextEncoder().encode(d.chance(0.7) ? d.pick(ATTRIBUTE_STRINGS) : d.pick(HOSTILE_NAMES));
  const tensor = (): onnx.ITensorProto => ({
    dataType: d.pick([1, 6, 7, 9, 10]),
    dims: d.chance(0.5) ? [] : [d.int(5)],
    rawData: randomBytes(d, d.int(40)),
  });
  switch (type) {
    case AttributeType.FLOAT:
      return { name, type, f: d.pick(EDGE_FLOATS) };
    case AttributeType.INT:
      return { name, type, i: d.chance(0.6) ? d.pick(EDGE_INTEGERS) : d.int(5) - 1 };
    case AttributeType.STRING:
      return { name, type, s: text() };
    case AttributeType.FLOATS:
      return { name, type, floats: floats() };
    case AttributeType.INTS:
      return { name, type, ints: ints() };
    case AttributeType.STRINGS:
      return { name, type, strings: [text(), text()] };
    case AttributeType.TENSOR:
      return { name, type, t: d.chance(0.9) ? tensor() : null };
    case AttributeType.TENSORS:
      return { name, type, tensors: [tensor(), tensor()] };
    case AttributeType.GRAPH:
      return { name, type, g: new onnx.GraphProto({ name: "sub" }) };
    case AttributeType.GRAPHS:
      return { name, type, graphs: [new onnx.GraphProto()] };
    default:
      return { name, type, i: d.pick(EDGE_INTEGERS) };
  }
}

function describeAttribute(a: onnx.IAttributeProto): string {
  const value = a.ints?.length
    ? `ints(${a.ints.length}) [${a.ints.slice(0, 8)}]`
    : a.floats?.length
      ? `floats [${a.floats}]`
      : a.s?.length
        ? `s ${JSON.stringify(new TextDecoder().decode(a.s))}`
        : `i ${a.i} f ${a.f}`;
  return `'${a.name}' type ${a.type} ${value}`;
}

const DOMAINS = ["", "ai.onnx", "ai.qmambair", "com.microsoft", "ai.onnx.ml", "\u001b[2J", "qmc"];

function mutateOpsets(m: ModelView, d: Draw): string {
  const imports = m.model.opsetImport;
  const op = d.int(6);
  if (op === 0 && imports.length) {
    const o = d.pick(imports);
    const before = o.version;
    o.version = d.chance(0.5) ? d.pick(EDGE_INTEGERS) : d.int(30);
    return `opset '${o.domain}' ${before} -> ${o.version}`;
  }
  if (op === 1 && imports.length) {
    const [o] = imports.splice(d.int(imports.length), 1);
    return `opset import '${o.domain}' removed`;
  }
  if (op === 2) {
    const domain = d.pick(DOMAINS);
    imports.push(new onnx.OperatorSetIdProto({ domain, version: d.int(30) }));
    return `opset import '${domain}' added (a second one where it exists)`;
  }
  if (op === 3) {
    const before = m.model.irVersion;
    m.model.irVersion = d.pick([...EDGE_INTEGERS, 3, 4, 6, 9, 13, 14, 15]);
    return `ir_version ${before} -> ${m.model.irVersion}`;
  }
  if (m.nodes.length === 0) return "no node to move to another domain";
  const n = d.pick(m.nodes);
  n.domain = d.pick(DOMAINS);
  return `${m.nodeLabel(n)}: domain -> '${n.domain}'`;
}

const EXTERNAL_LOCATIONS = [
  EXTERNAL_FILE,
  `./${EXTERNAL_FILE}`,
  `sub/../${EXTERNAL_FILE}`,
  `../${EXTERNAL_FILE}`,
  "/etc/passwd",
  "/dev/zero",
  "/proc/self/mem",
  ".",
  "",
  "missing.bin",
  `${EXTERNAL_FILE}\u0000.txt`,
  "\u001b]0;x\u0007",
];
const EXTERNAL_NUMBERS = [
  "0",
  "1",
  "-1",
  "0.5",
  "abc",
  "",
  "1e3",
  "0x10",
  "4095",
  "4096",
  "4097",
  "9007199254740993",
  " 8",
];

function mutateExternalData(m: ModelView, d: Draw): string {
  const initializers = m.tensors.filter((t) => t.where.startsWith("initializer"));
  if (initializers.length === 0) return mutateRawData(m, d);
  const { tensor, where } = d.pick(initializers);
  // Out-of-enum values are what a hand-written file may hold.
  tensor.dataLocation = (d.chance(0.9) ? 1 : d.pick([0, 2, -1])) as onnx.TensorProto.DataLocation;
  const entries: onnx.IStringStringEntryProto[] = [];
  if (d.chance(0.9)) entries.push({ key: "location", value: d.pick(EXTERNAL_LOCATIONS) });
  if (d.chance(0.6)) entries.push({ key: "offset", value: d.pick(EXTERNAL_NUMBERS) });
  if (d.chance(0.6))
    entries.push({ key: "length", value: d.chance(0.3) ? String(rawLength(tensor)) : d.pick(EXTERNAL_NUMBERS) });
  if (d.chance(0.2))
    entries.push({ key: d.pick(["location", "checksum", "bogus"]), value: d.pick(EXTERNAL_LOCATIONS) });
  tensor.externalData = entries;
  if (d.chance(0.7)) tensor.rawData = new Uint8Array();
  return `${where}: data_location ${tensor.dataLocation}, external_data ${JSON.stringify(entries.map((e) => [e.key, e.value]))}`;
}

/** Bytes of the tensor's raw data as its dims and a 4-byte element would need: a plausible length entry. */
function rawLength(t: onnx.ITensorProto): number {
  return (t.dims ?? []).map(Number).reduce((p, x) => p * x, 1) * 4;
}

function mutateWiring(m: ModelView, d: Draw): string {
  const g = d.pick(m.graphs.filter((x) => (x.node ?? []).length > 0).concat([m.main]));
  const nodes = own(g, "node");
  if (nodes.length === 0) return "no node to rewire";
  const k = d.int(nodes.length);
  const n = nodes[k];
  const label = m.nodeLabel(n);
  const names = m.valueNames();
  const inputs = own(n, "input");
  const outputs = own(n, "output");
  switch (d.int(8)) {
    case 0: {
      const i = edgeIndex(d, Math.max(1, inputs.length));
      inputs[i] = d.pick(names);
      return `${label}: input ${i} reads '${inputs[i]}'`;
    }
    case 1: {
      const i = edgeIndex(d, Math.max(1, inputs.length));
      inputs[i] = outputs[0] ?? "";
      return `${label}: input ${i} reads its own output '${inputs[i]}'`;
    }
    case 2:
      inputs.pop();
      return `${label}: last input dropped`;
    case 3:
      inputs.push(d.chance(0.3) ? "" : d.pick(names));
      return `${label}: input '${inputs[inputs.length - 1]}' appended`;
    case 4: {
      const i = edgeIndex(d, Math.max(1, outputs.length));
      outputs[i] = d.chance(0.3) ? "" : d.pick(names);
      return `${label}: output ${i} renamed '${outputs[i]}'`;
    }
    case 5:
      nodes.splice(k, 1);
      return `${label}: removed`;
    case 6:
      nodes.splice(d.int(nodes.length + 1), 0, onnx.NodeProto.decode(onnx.NodeProto.encode(n).finish()));
      return `${label}: duplicated`;
    default: {
      const outs = g.output ?? [];
      if (outs.length === 0) return "no graph output to rewire";
      const v = d.pick(outs);
      const before = v.name;
      v.name = d.pick(names);
      return `graph output '${before}' now names '${v.name}'`;
    }
  }
}

function mutateInputShape(m: ModelView, d: Draw): string {
  const g = m.main;
  const fed = m.fedInputs(g);
  const op = fed.length ? d.int(8) : 6;
  if (op === 6) {
    const extra = new onnx.ValueInfoProto({
      name: d.pick(["extra", ...HOSTILE_NAMES.slice(0, 4)]),
      type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimParam: "n" }] } } },
    });
    own(g, "input").push(extra);
    return `graph input '${extra.name}' added`;
  }
  const v = d.pick(fed);
  const label = `graph input '${v.name}'`;
  const tensorType = ensureTensorType(v);
  if (!tensorType.shape) tensorType.shape = new onnx.TensorShapeProto();
  const shape = tensorType.shape;
  const dims = own(shape, "dim");
  switch (op) {
    case 0: {
      if (dims.length === 0) dims.push({});
      const i = edgeIndex(d, dims.length);
      dims[i] = d.chance(0.7)
        ? { dimValue: d.pick(EDGE_INTEGERS) }
        : { dimParam: d.pick(["h", "w", ...HOSTILE_NAMES]) };
      return `${label}: dim ${i} -> ${JSON.stringify(dims[i])}`;
    }
    case 1:
      dims.push({ dimValue: d.pick([1, 2, 3]) });
      return `${label}: rank ${dims.length - 1} -> ${dims.length}`;
    case 2:
      dims.pop();
      return `${label}: rank ${dims.length + 1} -> ${dims.length}`;
    case 3:
      tensorType.shape = null;
      return `${label}: shape removed`;
    case 4:
      v.type = d.chance(0.5) ? null : { sequenceType: { elemType: { tensorType: { elemType: 1 } } } };
      return `${label}: type ${v.type ? "made a sequence" : "removed"}`;
    case 5: {
      (g.input ?? []).splice((g.input ?? []).indexOf(v), 1);
      return `${label}: removed`;
    }
    default:
      (g.input ?? []).push(onnx.ValueInfoProto.decode(onnx.ValueInfoProto.encode(v).finish()));
      return `${label}: declared twice`;
  }
}

let opTable: readonly { domain: string; type: string }[] | undefined;

function mutateOpType(m: ModelView, d: Draw): string {
  if (m.nodes.length === 0) return mutateOpsets(m, d);
  opTable ??= supportedOps();
  const n = d.pick(m.nodes);
  const before = m.nodeLabel(n);
  if (d.chance(0.1)) {
    n.opType = d.pick(["", "Bogus", "conv", ...HOSTILE_NAMES.slice(5, 9)]);
    return `${before}: op -> ${JSON.stringify(n.opType)}`;
  }
  const op = d.pick(opTable);
  n.opType = op.type;
  n.domain = op.domain === "ai.onnx" ? "" : op.domain;
  return `${before}: op -> ${op.domain}.${op.type}`;
}

function ensureTensorType(v: onnx.IValueInfoProto): onnx.TypeProto.ITensor {
  if (!v.type) v.type = new onnx.TypeProto();
  if (!v.type.tensorType) v.type.tensorType = new onnx.TypeProto.Tensor();
  return v.type.tensorType;
}

function randomBytes(d: Draw, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => d.int(256));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * A repeated field to change in place. A decoded message without the field shares protobufjs's
 * frozen empty array, which a push would throw on: it gets an array of its own.
 */
function own<M, K extends keyof M>(message: M, key: K): NonNullable<M[K]> & unknown[] {
  const current = message[key] as unknown[] | null | undefined;
  if (current && !Object.isFrozen(current)) return current as NonNullable<M[K]> & unknown[];
  const fresh = [...(current ?? [])];
  message[key] = fresh as M[K];
  return fresh as NonNullable<M[K]> & unknown[];
}
