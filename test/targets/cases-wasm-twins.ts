import { rng } from "../support/random.js";
import type { Case } from "./cases.js";
import { type Dim, float, int, ints, type KernelSpec, shape } from "./harness.js";

/**
 * Edges of the kinds whose wasm twins came last (Concat, Gemm, Clip, Pow, ReduceMean, Softplus,
 * Tanh, Exp, Sqrt, LeakyRelu, ActQuant): attribute forms and value ranges the base cases leave out.
 */

const HW: Dim = "hw";
const NCHW = (c: number) => shape(1, c, "h", "w");
const act = (...dims: Dim[]) => ({ activation: shape(...dims) });
const weights = (dims: number[], seed: number, lo = -1, hi = 1) => {
  const rnd = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return { constant: Array.from({ length: n }, () => Math.fround(lo + rnd() * (hi - lo))), shape: dims };
};
const scalar = (v: number) => ({ constant: [v], shape: [] });

/** An elementwise op on three channels, its input drawn from `range`. */
const unary = (
  name: string,
  kind: string,
  range: [number, number],
  extra: KernelSpec["inputs"] = [],
  attrs: KernelSpec["attrs"] = {},
): Case => ({
  name,
  spec: { kind, attrs, inputs: [act(1, 3, "h", "w"), ...extra], outputs: [NCHW(3)] },
  ranges: { 0: range },
});

const reduceMean = (name: string, spec: Omit<KernelSpec, "kind">): Case => ({
  name,
  spec: { kind: "ReduceMean", ...spec },
});

export const WASM_TWIN_CASES: Case[] = [
  {
    name: "Concat on channels, three inputs",
    spec: {
      kind: "Concat",
      attrs: { axis: int(1) },
      inputs: [act(1, 2, "h", "w"), act(1, 3, "h", "w"), act(1, 1, "h", "w")],
      outputs: [NCHW(6)],
    },
  },
  {
    name: "Concat on the first axis",
    spec: {
      kind: "Concat",
      attrs: { axis: int(0) },
      inputs: [act(2, 3, HW), act(1, 3, HW)],
      outputs: [shape(3, 3, HW)],
    },
  },
  {
    name: "Gemm transA without C",
    spec: {
      kind: "Gemm",
      attrs: { transA: int(1) },
      inputs: [act(4, 3), weights([4, 5], 31)],
      outputs: [shape(3, 5)],
    },
    exact: true,
  },
  {
    name: "Gemm transA and transB, hw rows, full C, alpha and beta",
    spec: {
      kind: "Gemm",
      attrs: { transA: int(1), transB: int(1), alpha: float(-1.5), beta: float(0.25) },
      inputs: [act(6, HW), weights([5, 6], 32), act(HW, 5)],
      outputs: [shape(HW, 5)],
    },
    exact: true,
  },
  {
    name: "Gemm with a column C",
    spec: { kind: "Gemm", inputs: [act(3, 4), weights([4, 5], 33), weights([3, 1], 34)], outputs: [shape(3, 5)] },
    exact: true,
  },
  {
    name: "Gemm with a scalar C",
    spec: {
      kind: "Gemm",
      attrs: { beta: float(3) },
      inputs: [act(3, 4), act(4, 2), scalar(0.5)],
      outputs: [shape(3, 2)],
    },
    exact: true,
  },
  unary("Clip with only a min", "Clip", [-2, 2], [scalar(-0.5)]),
  unary("Clip with only a max", "Clip", [-2, 2], [null, scalar(0.25)]),
  unary("Clip with min above max", "Clip", [-2, 2], [scalar(0.5), scalar(-0.5)]),
  {
    ...unary("Pow by a constant 0.5, bases of both signs", "Pow", [-1, 4], [scalar(0.5)]),
    wasmRefuses: "Pow with the exponent 0.5: the wasm targets compute only squares",
  },
  unary("Pow by a constant 2, wide bases", "Pow", [-300, 300], [scalar(2)]),
  {
    ...unary("Pow by a constant 3, bases of both signs", "Pow", [-3, 3], [scalar(3)]),
    wasmRefuses: "Pow with the exponent 3: the wasm targets compute only squares",
  },
  {
    ...unary("Pow by per-channel exponents", "Pow", [0.1, 3], [weights([1, 3, 1, 1], 35, -2, 2)]),
    wasmRefuses: "Pow with the exponent tensor: the wasm targets compute only squares",
  },
  reduceMean("ReduceMean over H, W, no keepdims (axes attribute)", {
    opset: 13,
    attrs: { axes: ints([2, 3]), keepdims: int(0) },
    inputs: [act(1, 4, "h", "w")],
    outputs: [shape(1, 4)],
  }),
  reduceMean("ReduceMean over channels, keepdims (axes input)", {
    opset: 18,
    inputs: [act(1, 4, "h", "w"), { ints: [1] }],
    outputs: [shape(1, 1, "h", "w")],
  }),
  reduceMean("ReduceMean over every axis", { opset: 18, inputs: [act(1, 3, "h", "w")], outputs: [shape(1, 1, 1, 1)] }),
  reduceMean("ReduceMean with no axes and noop_with_empty_axes", {
    opset: 18,
    attrs: { noop_with_empty_axes: int(1) },
    inputs: [act(1, 3, "h", "w")],
    outputs: [NCHW(3)],
  }),
  {
    name: "MaxPool 2x2 stride 2 (a U-Net's downsampling)",
    spec: {
      kind: "MaxPool",
      attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) },
      inputs: [act(1, 3, { c: 0, h: 2, w: 0, hw: 0 }, { c: 0, h: 0, w: 2, hw: 0 })],
      outputs: [NCHW(3)],
    },
  },
  {
    name: "MaxPool 3x3 pads 1",
    spec: {
      kind: "MaxPool",
      attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) },
      inputs: [act(1, 2, "h", "w")],
      outputs: [NCHW(2)],
    },
  },
  {
    name: "MaxPool 2x2 dilated by 2",
    spec: {
      kind: "MaxPool",
      attrs: { kernel_shape: ints([2, 2]), dilations: ints([2, 2]) },
      inputs: [act(1, 1, "h", "w")],
      outputs: [shape(1, 1, { c: -2, h: 1, w: 0, hw: 0 }, { c: -2, h: 0, w: 1, hw: 0 })],
    },
  },
  {
    name: "AveragePool 3x3 pads 1, the divisor counting the pads (count_include_pad)",
    spec: {
      kind: "AveragePool",
      attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), count_include_pad: int(1) },
      inputs: [act(1, 2, "h", "w")],
      outputs: [NCHW(2)],
    },
  },
  {
    name: "AveragePool 3x3 stride 2 pads 1 with ceil_mode (the overhang counts nothing)",
    spec: {
      kind: "AveragePool",
      attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 0, 1, 0]), ceil_mode: int(1) },
      inputs: [act(1, 2, { c: 0, h: 2, w: 0, hw: 0 }, { c: 0, h: 0, w: 2, hw: 0 })],
      outputs: [shape(1, 2, { c: 1, h: 1, w: 0, hw: 0 }, "w")],
    },
  },
  {
    name: "GlobalMaxPool (CBAM's channel attention)",
    spec: { kind: "GlobalMaxPool", inputs: [act(1, 3, "h", "w")], outputs: [shape(1, 3, 1, 1)] },
  },
  {
    name: "ReduceMax over channels, keepdims (CBAM's spatial attention)",
    spec: {
      kind: "ReduceMax",
      opset: 18,
      inputs: [act(1, 5, "h", "w"), { ints: [1] }],
      outputs: [shape(1, 1, "h", "w")],
    },
  },
  {
    name: "ReduceMin over H, W, no keepdims (axes attribute)",
    spec: {
      kind: "ReduceMin",
      opset: 13,
      attrs: { axes: ints([-2, -1]), keepdims: int(0) },
      inputs: [act(1, 3, "h", "w")],
      outputs: [shape(1, 3)],
    },
  },
  {
    name: "ReduceL2 over the last axis, keepdims (F.normalize)",
    spec: { kind: "ReduceL2", opset: 18, inputs: [act(1, 2, 3, HW), { ints: [-1] }], outputs: [shape(1, 2, 3, 1)] },
  },
  {
    name: "ReduceSum over every axis",
    spec: { kind: "ReduceSum", opset: 13, inputs: [act(1, 3, "h", "w")], outputs: [shape(1, 1, 1, 1)] },
  },
  {
    name: "ReduceSumSquare over W (axes input)",
    spec: {
      kind: "ReduceSumSquare",
      opset: 18,
      inputs: [act(1, 2, "h", "w"), { ints: [3] }],
      outputs: [shape(1, 2, "h", 1)],
    },
  },
  unary("Softplus of large inputs", "Softplus", [-40, 40]),
  unary("Tanh near 0", "Tanh", [-1e-3, 1e-3]),
  unary("Tanh of large inputs", "Tanh", [-30, 30]),
  unary("Exp of wide inputs", "Exp", [-80, 80]),
  unary("Sqrt of non-negative inputs", "Sqrt", [0, 5]),
  unary("LeakyRelu with the default alpha (not a float32)", "LeakyRelu", [-2, 2]),
  {
    name: "ActQuant 8-bit signed, inputs beyond both clamps",
    exact: true,
    spec: {
      kind: "ActQuant",
      domain: "ai.qmambair",
      attrs: { bits: int(8), signed: int(1) },
      inputs: [act(1, 4, "h", "w"), scalar(Math.fround(0.05)), scalar(Math.fround(-0.2))],
      outputs: [NCHW(4)],
    },
    ranges: { 0: [-10, 10] },
  },
];
