import { nodeError, QmcError, terminalText } from "../diagnostics.js";
import { isFloat } from "../ir/dtype.js";
import type { Attr, Model, Node } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { encodeConstant } from "./constants.js";
import { type InputAxes, pinInputSize } from "./input-size.js";
import type {
  KernelPlan,
  ModelInfo,
  Operand,
  ParamValue,
  PlanBuffer,
  PlanConstant,
  PlanDType,
  PlanKernel,
  SymShape,
} from "./kernel-plan.js";
import { evalDim, isStatic } from "./kernel-plan.js";
import { kernelArithmetic, kernelName } from "./naming.js";
import { type Probe, type ProbedValue, probeModel } from "./probe.js";

/** Inputs that only say what shape the output has; the kernel reads its output shape instead. */
const SHAPE_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Expand: [1],
  Slice: [1, 2, 3, 4],
  Tile: [1],
  Pad: [1, 3],
  Resize: [1, 2, 3],
  Split: [1],
  ConstantOfShape: [0],
};

/** Ops that only reinterpret a buffer's shape: their output aliases their input. */
const VIEW_OPS = new Set(["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"]);

export interface PlanSource {
  readonly name: string;
  readonly sha256: string;
}

/**
 * Lowers a compiled model (after the pass pipeline) to a KernelPlan: one kernel per remaining node,
 * views aliased, shape arithmetic dropped (it folds at every probed size), constants encoded, and
 * every buffer's live range recorded for the memory planner.
 */
export function buildPlan(model: Model, file: string, source: PlanSource, axes?: InputAxes): KernelPlan {
  const inputAxes = axes ?? pinInputSize(model, file).axes;
  const probe = probeModel(model, file, inputAxes);
  const b = new PlanBuilder(model, file, probe);
  return b.build(source, inputAxes);
}

class PlanBuilder {
  private readonly buffers: { name: string; dtype: PlanDType; shape: SymShape; first: number; last: number }[] = [];
  private readonly bufferOf = new Map<string, number>();
  private readonly constants: PlanConstant[] = [];
  private readonly constantOf = new Map<string, number>();
  private readonly kernels: PlanKernel[] = [];

  constructor(
    private readonly model: Model,
    private readonly file: string,
    private readonly probe: Probe,
  ) {}

  build(source: PlanSource, axes: InputAxes): KernelPlan {
    const g = this.model.graph;
    const input = this.newBuffer(g.inputs[0].name, 0);
    for (const node of g.nodes) this.lower(node);
    if (g.outputs.length !== 1)
      throw new QmcError(`${this.file}: the model must have one image output, it has ${g.outputs.length}`);
    const output = this.bufferOf.get(g.outputs[0].name);
    if (output === undefined)
      throw new QmcError(`${this.file}: output '${g.outputs[0].name}' is not computed by any kernel`);
    const end = this.kernels.length;
    this.buffers[input].first = 0;
    this.buffers[output].last = end;
    const buffers: PlanBuffer[] = this.buffers.map((x, id) => ({
      id,
      name: x.name,
      dtype: x.dtype,
      shape: x.shape,
      firstUse: x.first,
      lastUse: Math.max(x.last, x.first),
    }));
    // The output's own shape: its buffer may be that of a value it is a view of (a final Reshape).
    const outShape = this.probe.values.get(g.outputs[0].name)?.shape ?? buffers[output].shape;
    if (outShape.length !== 4) {
      throw new QmcError(
        `${this.file}: output '${terminalText(g.outputs[0].name)}' has rank ${outShape.length}; the model must produce one image of rank 4 (N, C, H, W)`,
      );
    }
    return {
      model: this.info(source, buffers[input].shape, outShape, axes),
      input,
      output,
      buffers,
      constants: this.constants,
      kernels: this.kernels,
    };
  }

  private lower(node: Node): void {
    // Shape arithmetic and leftover constant expressions fold at every probed size: no kernel. A
    // float value of a size-dependent shape (ConstantOfShape lowered to Expand, a noise-level map)
    // cannot be a plan constant: its node runs as a kernel.
    if (node.outputs.every((o) => !o || (this.value(o, node).constants && !this.sizedFloat(o)))) return;
    if (node.domain === "ai.onnx" && VIEW_OPS.has(node.opType)) {
      const src = this.bufferOf.get(node.inputs[0]);
      if (src !== undefined) {
        this.bufferOf.set(node.outputs[0], src);
        this.touch(src);
        return;
      }
    }
    const index = this.kernels.length;
    const params: Record<string, ParamValue> = {};
    for (const [k, a] of node.attrs) params[k] = plainAttr(a, node);
    const inputs: (Operand | null)[] = [];
    const inputShapes: (SymShape | null)[] = [];
    node.inputs.forEach((name, i) => {
      if (!name) {
        inputs.push(null);
        inputShapes.push(null);
        return;
      }
      const v = this.value(name, node);
      inputShapes.push(v.shape);
      const buf = this.bufferOf.get(name);
      if (buf !== undefined) {
        inputs.push({ buffer: buf });
        this.touch(buf);
      } else if (v.constants && this.isStatic(name)) {
        const t = v.constants[0];
        if (!isFloat(t.dtype) && !this.isWeightCodes(node, i)) {
          params[`const_input_${i}`] = Array.from(t.values);
          inputs.push(null);
        } else inputs.push({ constant: this.constant(name, t, node, i) });
      } else if (v.constants && SHAPE_INPUTS[node.opType]?.includes(i)) {
        // A size-dependent shape input (Expand's shape, Slice's ends): the kernel has its shapes.
        inputs.push(null);
      } else {
        throw new QmcError(
          `${this.file}: ${nodeError(node, `input '${name}' is neither computed nor constant`).message}`,
        );
      }
    });
    const outputShapes: SymShape[] = [];
    const outputs = node.outputs.map((name) => {
      const v = this.value(name, node);
      outputShapes.push(v.shape);
      return this.newBuffer(name, index);
    });
    const kind = node.opType;
    this.kernels.push({
      kind,
      name: kernelName(index, kind, params, inputShapes, outputShapes),
      arithmetic: kernelArithmetic(kind, params, kind === "QConv" && !!inputs[2]),
      params,
      inputs,
      outputs,
      inputShapes,
      outputShapes,
      sources: [node.name || `${node.opType} -> ${node.outputs[0]}`],
    });
  }

  private value(name: string, node: Node): ProbedValue {
    const v = this.probe.values.get(name);
    if (!v) {
      throw new QmcError(
        `${this.file}: ${nodeError(node, `cannot determine the shape of '${name}' as a function of the image size`).message}`,
      );
    }
    return v;
  }

  /** A float32 value whose shape follows the image size. */
  private sizedFloat(name: string): boolean {
    const v = this.probe.values.get(name);
    return v?.dtype === "float32" && v.shape.some((d) => !isStatic(d));
  }

  /** A constant whose value does not depend on the image size. */
  private isStatic(name: string): boolean {
    const c = this.probe.values.get(name)?.constants;
    if (!c) return false;
    const [first, ...rest] = c;
    return rest.every(
      (t) =>
        t.shape.length === first.shape.length && t.shape.every((d, i) => d === first.shape[i]) && sameValues(t, first),
    );
  }

  private isWeightCodes(node: Node, i: number): boolean {
    return node.domain === "qmc" && (node.opType === "QConv" || node.opType === "QMatMul") && i === 1;
  }

  private constant(name: string, t: Tensor, node: Node, i: number): number {
    const known = this.constantOf.get(name);
    if (known !== undefined) return known;
    const bits = this.isWeightCodes(node, i) ? node.attrs.get("w_bits") : undefined;
    const id = this.constants.length;
    this.constants.push({
      id,
      name,
      shape: t.shape,
      ...encodeConstant(t, bits?.type === "int" ? bits.value : undefined),
    });
    this.constantOf.set(name, id);
    return id;
  }

  private newBuffer(name: string, first: number): number {
    const v = this.probe.values.get(name);
    if (!v) throw new QmcError(`${this.file}: cannot determine the shape of '${name}' as a function of the image size`);
    // A bool (a comparison's result, Where's condition) travels as uint8 0 or 1, as kernels write it.
    const dtype = v.dtype === "bool" ? "uint8" : (v.dtype ?? "float32");
    if (dtype !== "float32" && dtype !== "int32" && dtype !== "int8" && dtype !== "uint8") {
      throw new QmcError(
        `${this.file}: value '${name}' is ${dtype}; compiled kernels pass float32, int32, int8, uint8 or bool`,
      );
    }
    this.buffers.push({ name, dtype, shape: v.shape, first, last: first });
    const id = this.buffers.length - 1;
    this.bufferOf.set(name, id);
    return id;
  }

  private touch(buffer: number): void {
    this.buffers[buffer].last = this.kernels.length;
  }

  private info(source: PlanSource, inShape: SymShape, outShape: SymShape, axes: InputAxes): ModelInfo {
    const meta = this.model.metadata;
    // Measured at the planned size (any size, where the input's height is symbolic).
    const h = axes.h.fixed ?? 64;
    const w = axes.w.fixed ?? 64;
    const scale = evalDim(outShape[2], h, w) / evalDim(inShape[2], h, w);
    const taskMeta = meta.get("qmc.task") ?? meta.get("task");
    const task =
      taskMeta === "sr" || taskMeta === "denoise" || taskMeta === "car" ? taskMeta : scale > 1 ? "sr" : "unknown";
    const bits = new Set<number>();
    for (const k of this.kernels) {
      for (const key of ["x_bits", "w_bits", "bits", "delta_bits"]) {
        const v = k.params[key];
        if (typeof v === "number") bits.add(v);
      }
    }
    return {
      name: meta.get("qmc.name") ?? source.name,
      task,
      scale,
      inChannels: inShape[1].c,
      outChannels: outShape[1].c,
      bits: [...bits].sort((a, b) => a - b),
      sha256: source.sha256,
      inputSize: { h: axes.h.fixed ?? null, w: axes.w.fixed ?? null },
      sizeMultiple: this.probe.multiple,
    };
  }
}

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.size !== b.size) return false;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function plainAttr(a: Attr, node: Node): ParamValue {
  switch (a.type) {
    case "int":
    case "float":
    case "string":
      return a.value;
    case "ints":
    case "floats":
      return [...a.value];
    case "strings":
      return [...a.value];
    default:
      throw new QmcError(nodeError(node, `a ${a.type} attribute cannot be compiled into a kernel`).message);
  }
}
