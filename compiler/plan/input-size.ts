import { QmcError, terminalText } from "../diagnostics.js";
import type { Dim, Model } from "../ir/graph.js";

/** What the user asked for: `--size HxW` and `--dim NAME=N`. */
export interface SizeRequest {
  readonly size?: { readonly h: number; readonly w: number };
  readonly dims?: Readonly<Record<string, number>>;
}

/**
 * The input's spatial axes as the planner sees them: a fixed size (and where it came from, for
 * messages) or symbolic (and the dimension's name, if it has one).
 */
export interface InputAxis {
  readonly fixed?: number;
  /** Why the size is what it is, or what the symbolic dimension is called: for error messages. */
  readonly origin: string;
}

export interface InputAxes {
  readonly h: InputAxis;
  readonly w: InputAxis;
}

const AXES = ["N", "C", "H", "W"] as const;

/**
 * Pins the image input's dimensions the user fixed, so the whole pipeline sees them as if the model
 * had been exported at that size (a fixed-shape export folds its shape arithmetic to constants; a
 * pinned one does too). Returns the model with the pinned input and where each spatial size comes from.
 */
export function pinInputSize(model: Model, file: string, request: SizeRequest = {}): { model: Model; axes: InputAxes } {
  const input = model.graph.inputs[0];
  const declared = input?.type.shape;
  if (model.graph.inputs.length !== 1 || !declared || declared.length !== 4) {
    const listed = model.graph.inputs
      .map((v) => `'${terminalText(v.name)}' ${v.type.shape ? shapeText(v.type.shape) : "of unknown rank"}`)
      .join(", ");
    const fold =
      model.graph.inputs.length > 1
        ? "; fold the others into the graph as constants before compiling (a fixed noise level, say)"
        : "";
    throw new QmcError(
      `${file}: the model must take one image input of rank 4 (N, C, H, W); it has ${model.graph.inputs.length} input(s)${listed ? `: ${listed}` : ""}${fold}`,
    );
  }
  const origins: string[] = declared.map((d) => describeDeclared(input.name, declared, d));
  const shape: Dim[] = [...declared];
  const byName = new Map<string, number[]>();
  declared.forEach((d, k) => {
    if (typeof d === "string") byName.set(d, [...(byName.get(d) ?? []), k]);
  });
  for (const [name, value] of Object.entries(request.dims ?? {})) {
    const axes = byName.get(name);
    if (!axes) {
      const names = [...byName.keys()];
      throw new QmcError(
        `--dim ${name}=${value}: input '${terminalText(input.name)}' ${shapeText(declared)} has no symbolic dimension '${name}' (${names.length ? `it has: ${names.join(", ")}` : "all its dimensions are fixed"})`,
      );
    }
    for (const k of axes) {
      shape[k] = value;
      origins[k] = `pinned by --dim ${name}=${value}`;
    }
  }
  if (request.size) {
    const { h, w } = request.size;
    for (const [k, v] of [
      [2, h],
      [3, w],
    ] as const) {
      if (typeof declared[k] === "number" && declared[k] !== v) {
        throw new QmcError(
          `--size ${h}x${w}: input '${terminalText(input.name)}' ${shapeText(declared)} is fixed at ${AXES[k]} = ${declared[k]}; it cannot run at ${AXES[k]} = ${v}`,
        );
      }
      shape[k] = v;
      origins[k] = `pinned by --size ${h}x${w}`;
    }
  }
  if (isChannelsLast(model, input.name, declared)) {
    throw new QmcError(
      `${file}: input '${terminalText(input.name)}' ${shapeText(declared)} is channels-last (NHWC); compiled artifacts take channels-first (NCHW) images: convert with tf2onnx --inputs-as-nchw ${terminalText(input.name)} --outputs-as-nchw ${model.graph.outputs.map((o) => terminalText(o.name)).join(",")}`,
    );
  }
  if (typeof shape[1] !== "number") {
    throw new QmcError(
      `${file}: input '${terminalText(input.name)}' ${shapeText(declared)} must have a fixed channel count`,
    );
  }
  if (typeof shape[0] === "number" && shape[0] !== 1) {
    throw new QmcError(
      `${file}: input '${terminalText(input.name)}' ${shapeText(declared)} has batch ${shape[0]}; compiled artifacts restore one image at a time (batch 1)`,
    );
  }
  shape[0] = 1;
  const pinned: Model = {
    ...model,
    graph: { ...model.graph, inputs: [{ ...input, type: { ...input.type, shape } }] },
  };
  const axis = (k: 2 | 3): InputAxis =>
    typeof shape[k] === "number" ? { fixed: shape[k], origin: origins[k] } : { origin: origins[k] };
  return { model: pinned, axes: { h: axis(2), w: axis(3) } };
}

function describeDeclared(input: string, declared: readonly Dim[], d: Dim): string {
  if (typeof d === "number") return `declared by input '${input}' ${shapeText(declared)}`;
  return typeof d === "string" ? `symbolic ('${d}')` : "symbolic (unnamed)";
}

/**
 * A TensorFlow-style image input: 1, 3 or 4 channels last, after height and width that are symbolic
 * or that a Transpose to NCHW (perm [0, 3, 1, 2], as tf2onnx writes it) reads first.
 */
function isChannelsLast(model: Model, name: string, shape: readonly Dim[]): boolean {
  const channels = shape[3];
  if (shape.length !== 4 || (channels !== 1 && channels !== 3 && channels !== 4)) return false;
  if (typeof shape[1] !== "number" && typeof shape[2] !== "number") return true;
  return model.graph.nodes.some((n) => {
    const perm = n.attrs.get("perm");
    return n.opType === "Transpose" && n.inputs[0] === name && perm?.type === "ints" && perm.value.join() === "0,3,1,2";
  });
}

export function shapeText(shape: readonly Dim[]): string {
  // Symbolic dims are the model's text.
  return terminalText(`[${shape.map((d) => d ?? "?").join(", ")}]`);
}
