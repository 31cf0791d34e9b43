import { QmcError } from "../diagnostics.js";
import type { Attr, Node } from "../ir/graph.js";
import type { onnx } from "./onnx-proto.js";

/** Model-local functions by "domain::name::overload". */
export type FunctionLibrary = ReadonlyMap<string, onnx.IFunctionProto>;

/** A node as decoded, before subgraphs are resolved and function calls inlined. */
export interface RawNode extends Node {
  readonly overload: string;
  readonly pendingGraphs?: ReadonlyMap<string, onnx.IGraphProto | onnx.IGraphProto[]>;
  /** Attribute name -> the caller's attribute it takes its value from (function bodies only). */
  readonly attrRefs?: ReadonlyMap<string, string>;
}

const MAX_DEPTH = 32;

/**
 * Replaces each call of a model-local function by the function's body, with its values renamed
 * apart, its formal inputs and outputs bound to the call's, and attribute references resolved from
 * the call (or the function's defaults). Calls inside bodies are inlined in turn.
 */
export function inlineFunctions(
  nodes: readonly RawNode[],
  library: FunctionLibrary,
  decode: (n: onnx.INodeProto) => RawNode,
  where: string,
  markUsed: (key: string) => void,
): RawNode[] {
  let counter = 0;
  const expand = (list: readonly RawNode[], depth: number): RawNode[] =>
    list.flatMap((node) => {
      const key = `${node.domain}::${node.opType}::${node.overload}`;
      const fn = library.get(key);
      if (!fn) return [node];
      if (depth >= MAX_DEPTH)
        throw new QmcError(`${where}: function '${fn.name}' calls itself more than ${MAX_DEPTH} levels deep`);
      markUsed(key);
      const prefix = `${fn.name}__${counter++}__`;
      const binding = new Map<string, string>();
      for (const [i, formal] of (fn.input ?? []).entries()) binding.set(formal, node.inputs[i] ?? "");
      for (const [i, formal] of (fn.output ?? []).entries()) binding.set(formal, node.outputs[i] ?? "");
      const defaults = new Map((fn.attributeProto ?? []).map((a) => [a.name ?? "", a]));
      const rename = (v: string) => (v === "" ? "" : (binding.get(v) ?? prefix + v));
      const body = (fn.node ?? []).map((proto) => {
        const inner = decode(proto);
        const attrs = new Map<string, Attr>(inner.attrs);
        for (const [name, ref] of inner.attrRefs ?? []) {
          const value = node.attrs.get(ref) ?? defaultAttr(defaults.get(ref), decode);
          if (value) attrs.set(name, value);
        }
        return {
          ...inner,
          name: inner.name ? prefix + inner.name : "",
          inputs: inner.inputs.map(rename),
          outputs: inner.outputs.map(rename),
          attrs,
          attrRefs: undefined,
        };
      });
      return expand(body, depth + 1);
    });
  return expand(nodes, 0);
}

/** A function's default attribute value, decoded by wrapping it in a throwaway node. */
function defaultAttr(
  proto: onnx.IAttributeProto | undefined,
  decode: (n: onnx.INodeProto) => RawNode,
): Attr | undefined {
  if (!proto) return undefined;
  return decode({ opType: "_default", attribute: [proto] }).attrs.get(proto.name ?? "");
}
