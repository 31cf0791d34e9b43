import type { Attr, Node } from "../../compiler/ir/graph.js";
import { Tensor } from "../../compiler/ir/tensor.js";
import { standaloneEvalContext } from "../../compiler/ops/define.js";
import { resolveOp } from "../../compiler/ops/registry.js";
import {
  evalShape,
  type KernelPlan,
  type Operand,
  type ParamValue,
  type PlanBuffer,
  type PlanConstant,
  type SymDim,
  type SymShape,
} from "../../compiler/plan/kernel-plan.js";
import { placeBuffers } from "../../targets/shared/arena.js";
import { bufferBytes, liveRanges } from "../../targets/shared/meta.js";
import { rng } from "../support/random.js";

/** Builds one-kernel plans by hand, runs their artifacts, and evaluates the reference op on the same data. */

export type Dim = number | "h" | "w" | "hw" | SymDim;

export function dim(d: Dim): SymDim {
  if (typeof d === "object") return d;
  if (d === "h") return { c: 0, h: 1, w: 0, hw: 0 };
  if (d === "w") return { c: 0, h: 0, w: 1, hw: 0 };
  if (d === "hw") return { c: 0, h: 0, w: 0, hw: 1 };
  return { c: d, h: 0, w: 0, hw: 0 };
}

export const shape = (...dims: Dim[]): SymShape => dims.map(dim);

export type KernelInput =
  | { readonly activation: SymShape; readonly range?: [number, number] }
  | { readonly constant: readonly number[]; readonly shape: readonly number[] }
  | { readonly ints: readonly number[] }
  /** A shape input that follows the image size (Expand's): the plan drops it, the reference gets its value. */
  | { readonly sizedShape: SymShape }
  | null;

export interface KernelSpec {
  readonly kind: string;
  readonly domain?: string;
  readonly opset?: number;
  readonly attrs?: Readonly<Record<string, Attr>>;
  readonly inputs: readonly KernelInput[];
  readonly outputs: readonly SymShape[];
}

export const int = (value: number): Attr => ({ type: "int", value });
export const float = (value: number): Attr => ({ type: "float", value });
export const ints = (value: number[]): Attr => ({ type: "ints", value });
export const str = (value: string): Attr => ({ type: "string", value });

function toParam(a: Attr): ParamValue {
  if (a.type === "int" || a.type === "float" || a.type === "string" || a.type === "ints" || a.type === "floats")
    return a.value;
  throw new Error(`test harness: attribute type ${a.type} has no plan param`);
}

function floatBytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function oneKernelPlan(spec: KernelSpec): KernelPlan {
  const buffers: PlanBuffer[] = [];
  const constants: PlanConstant[] = [];
  const params: Record<string, ParamValue> = {};
  for (const [k, a] of Object.entries(spec.attrs ?? {})) params[k] = toParam(a);
  const inputs: (Operand | null)[] = spec.inputs.map((inp, i) => {
    if (inp === null || "sizedShape" in inp) return null;
    if ("ints" in inp) {
      params[`const_input_${i}`] = [...inp.ints];
      return null;
    }
    if ("constant" in inp) {
      const id = constants.length;
      constants.push({
        id,
        name: `weight/${i}`,
        shape: inp.shape,
        encoding: { kind: "float32" },
        bytes: floatBytes(inp.constant),
      });
      return { constant: id };
    }
    const id = buffers.length;
    buffers.push({ id, name: `in:${i}`, dtype: "float32", shape: inp.activation, firstUse: 0, lastUse: 0 });
    return { buffer: id };
  });
  const outputs = spec.outputs.map((s, k) => {
    const id = buffers.length;
    buffers.push({ id, name: `out.${k}`, dtype: "float32", shape: s, firstUse: 0, lastUse: 0 });
    return id;
  });
  const firstBuffer = inputs.find((o): o is { buffer: number } => o !== null && "buffer" in o);
  return {
    model: {
      name: `one ${spec.kind}`,
      task: "sr",
      scale: 1,
      inChannels: 1,
      outChannels: 1,
      bits: [],
      sha256: "0".repeat(64),
      inputSize: { h: null, w: null },
      sizeMultiple: { h: 1, w: 1 },
    },
    input: firstBuffer ? firstBuffer.buffer : outputs[0],
    output: outputs[0],
    buffers,
    constants,
    kernels: [
      {
        kind: spec.kind,
        name: `k0_${spec.kind}`,
        arithmetic: "f32",
        params,
        inputs,
        outputs,
        inputShapes: spec.inputs.map((inp) =>
          inp && "activation" in inp ? inp.activation : inp && "constant" in inp ? shape(...inp.shape) : null,
        ),
        outputShapes: spec.outputs,
        sources: [`node_${spec.kind}`],
      },
    ],
  };
}

export interface Artifact {
  qmc_prepare(h: number, w: number): number;
  qmc_input(): number;
  qmc_output(): number;
  qmc_run(): number;
  memory: ArrayBuffer;
  meta: Record<string, unknown>;
  restore(
    pixels: ArrayLike<number>,
    width: number,
    height: number,
    channels: number,
    opts?: { tile?: number; overlap?: number },
  ): { data: Uint8Array; width: number; height: number; channels: number };
}

/** Loads an ES5 artifact the way a CommonJS host does. */
export function loadScript(code: string): Artifact {
  const module = { exports: {} as Artifact };
  new Function("module", code)(module);
  return module.exports;
}

/**
 * Runs kernel 0 of a one-kernel plan at h x w: fills every activation input with random values (in
 * `specs`' range for that buffer, or `given`'s values) at the offsets the shared placement gives,
 * runs, and returns the outputs and the inputs it used.
 */
export function runPlan(
  art: Artifact,
  plan: KernelPlan,
  h: number,
  w: number,
  seed: number,
  specs: ReadonlyMap<number, [number, number]> = new Map(),
  given: ReadonlyMap<number, ArrayLike<number>> = new Map(),
) {
  const rc = art.qmc_prepare(h, w);
  if (rc !== 0) throw new Error(`qmc_prepare returned ${rc}`);
  const placed = placeBuffers(bufferBytes(plan, h, w), liveRanges(plan));
  // The arena need not start at 0 (a wasm module keeps its constants below it): locate it by the input.
  const base = art.qmc_input() - placed.offsets[plan.buffers.findIndex((b) => b.id === plan.input)];
  const offsets = placed.offsets.map((o) => base + o);
  const rnd = rng(seed);
  const k = plan.kernels[0];
  const values = new Map<number, Float32Array>();
  k.inputs.forEach((op) => {
    if (!op || !("buffer" in op)) return;
    const b = plan.buffers[op.buffer];
    const spec = specs.get(op.buffer);
    const [lo, hi] = spec ?? [-2, 2];
    const n = evalShape(b.shape, h, w).reduce((p, d) => p * d, 1);
    const view = new Float32Array(art.memory, offsets[b.id], n);
    for (let i = 0; i < n; i++) view[i] = lo + rnd() * (hi - lo);
    const fixed = given.get(op.buffer);
    if (fixed) view.set(fixed);
    values.set(b.id, Float32Array.from(view));
  });
  if (art.qmc_run() !== 0) throw new Error("qmc_run failed");
  const outputs = k.outputs.map((id) => {
    const n = evalShape(plan.buffers[id].shape, h, w).reduce((p, d) => p * d, 1);
    return Float32Array.from(new Float32Array(art.memory, offsets[id], n));
  });
  return { values, outputs };
}

/** The reference op's outputs on the same inputs. */
export function reference(
  spec: KernelSpec,
  plan: KernelPlan,
  values: Map<number, Float32Array>,
  h: number,
  w: number,
): Tensor[] {
  const k = plan.kernels[0];
  const tensors = spec.inputs.map((inp, i) => {
    if (inp === null) return undefined;
    if ("ints" in inp) return Tensor.from("int64", [inp.ints.length], inp.ints);
    if ("sizedShape" in inp) return Tensor.from("int64", [inp.sizedShape.length], evalShape(inp.sizedShape, h, w));
    if ("constant" in inp) return Tensor.from("float32", inp.shape, inp.constant);
    const op = k.inputs[i] as { buffer: number };
    return new Tensor("float32", evalShape(inp.activation, h, w), values.get(op.buffer) as Float32Array);
  });
  const node: Node = {
    name: `node_${spec.kind}`,
    opType: spec.kind,
    domain: spec.domain ?? "ai.onnx",
    inputs: spec.inputs.map((inp, i) => (inp === null ? "" : `x${i}`)),
    outputs: spec.outputs.map((_, i) => `y${i}`),
    attrs: new Map(Object.entries(spec.attrs ?? {})),
  };
  return evaluateNode(node, spec.opset ?? (node.domain === "ai.onnx" ? 21 : 1), tensors);
}

/** One node's reference evaluation at an opset of its domain. */
export function evaluateNode(node: Node, opset: number, tensors: readonly (Tensor | undefined)[]): Tensor[] {
  const r = resolveOp(node, new Map([[node.domain, opset]]));
  if ("problem" in r) throw new Error(r.problem);
  return r.def.evaluate(tensors, standaloneEvalContext(node, r.opset, "no subgraphs here"));
}
