import type { KernelPlan, PlanBuffer, PlanKernel, SymShape } from "../../compiler/plan/kernel-plan.js";
import { rng } from "../support/random.js";
import { shape } from "./harness.js";

const f32bytes = (n: number, seed: number, scale: number) => {
  const rnd = rng(seed);
  return new Uint8Array(Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * scale).buffer);
};

const H2 = { c: 0, h: 2, w: 0, hw: 0 };
const W2 = { c: 0, h: 0, w: 2, hw: 0 };

/**
 * A small x2 super-resolution network written as a plan by hand: conv 3->12, DlsQuant, 4-bit packed
 * weights kept as a constant, GELU, a depthwise conv, DepthToSpace (CRD) and a residual-free output.
 */
export function chainPlan(): KernelPlan {
  const buf = (id: number, name: string, s: SymShape, first: number, last: number): PlanBuffer => ({
    id,
    name,
    dtype: "float32",
    shape: s,
    firstUse: first,
    lastUse: last,
  });
  const buffers = [
    buf(0, "input", shape(1, 3, "h", "w"), 0, 0),
    buf(1, "conv1/out", shape(1, 12, "h", "w"), 0, 1),
    buf(2, "dls/out", shape(1, 12, "h", "w"), 1, 2),
    buf(3, "gelu/out", shape(1, 12, "h", "w"), 2, 3),
    buf(4, "dw/out", shape(1, 12, "h", "w"), 3, 4),
    buf(5, "output", shape(1, 3, H2, W2), 4, 4),
  ];
  const kernel = (k: Omit<PlanKernel, "arithmetic" | "sources">): PlanKernel => ({
    ...k,
    arithmetic: "f32",
    sources: [`${k.name}: node "quoted" */ name`],
  });
  const x = shape(1, 12, "h", "w");
  return {
    model: {
      name: "chain x2 */ test",
      task: "sr",
      scale: 2,
      inChannels: 3,
      outChannels: 3,
      bits: [4],
      sha256: "ab".repeat(32),
      inputSize: { h: null, w: null },
      sizeMultiple: { h: 1, w: 1 },
    },
    input: 0,
    output: 5,
    buffers,
    constants: [
      {
        id: 0,
        name: "conv1.weight",
        shape: [12, 3, 3, 3],
        encoding: { kind: "float32" },
        bytes: f32bytes(324, 1, 0.3),
      },
      { id: 1, name: "conv1.bias", shape: [12], encoding: { kind: "float32" }, bytes: f32bytes(12, 2, 0.1) },
      {
        id: 2,
        name: "dls.w",
        shape: [8],
        encoding: { kind: "float32" },
        bytes: new Uint8Array(Float32Array.from([0, 3 / 7, 0, 0, -1, 0, 0, 0]).buffer),
      },
      { id: 3, name: "dw.weight", shape: [12, 1, 3, 3], encoding: { kind: "float32" }, bytes: f32bytes(108, 3, 0.5) },
      // Unused by kernels: checks that packed codes decode at load.
      {
        id: 4,
        name: "codes",
        shape: [5],
        encoding: { kind: "packed", bits: 4 },
        bytes: new Uint8Array([0x7f, 0x18, 0x0e]),
      },
    ],
    kernels: [
      kernel({
        kind: "Conv",
        name: "k0_conv",
        params: { pads: [1, 1, 1, 1] },
        inputs: [{ buffer: 0 }, { constant: 0 }, { constant: 1 }],
        outputs: [1],
        inputShapes: [shape(1, 3, "h", "w"), shape(12, 3, 3, 3), shape(12)],
        outputShapes: [x],
      }),
      kernel({
        kind: "DlsQuant",
        name: "k1_dls",
        params: { bits: 4, signed: 1 },
        inputs: [{ buffer: 1 }, { constant: 2 }],
        outputs: [2],
        inputShapes: [x, shape(8)],
        outputShapes: [x],
      }),
      kernel({
        kind: "Gelu",
        name: "k2_gelu",
        params: {},
        inputs: [{ buffer: 2 }],
        outputs: [3],
        inputShapes: [x],
        outputShapes: [x],
      }),
      kernel({
        kind: "Conv",
        name: "k3_dw",
        params: { pads: [1, 1, 1, 1], group: 12 },
        inputs: [{ buffer: 3 }, { constant: 3 }],
        outputs: [4],
        inputShapes: [x, shape(12, 1, 3, 3)],
        outputShapes: [x],
      }),
      kernel({
        kind: "DepthToSpace",
        name: "k4_d2s",
        params: { blocksize: 2, mode: "CRD" },
        inputs: [{ buffer: 4 }],
        outputs: [5],
        inputShapes: [x],
        outputShapes: [shape(1, 3, H2, W2)],
      }),
    ],
  };
}
