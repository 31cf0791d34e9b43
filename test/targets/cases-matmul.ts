import { rng } from "../support/random.js";
import type { Case } from "./cases.js";
import { type Dim, float, int, shape } from "./harness.js";

/**
 * MatMul and Gemm at the edges of the wasm-simd kernels' blocks (four rows by two f32x4 columns,
 * then one f32x4, then scalar columns): column counts off the vector width, K = 1, one row, 1-d
 * operands, broadcast batches, the Mamba projections' shapes; Gemm's transposes with and without C.
 * Every case is float32 arithmetic in the reference's order, so the targets match it bit for bit.
 */

const HW: Dim = "hw";
const act = (...dims: Dim[]) => ({ activation: shape(...dims) });
const weights = (dims: number[], seed: number) => {
  const rnd = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return { constant: Array.from({ length: n }, () => Math.fround(rnd() * 2 - 1)), shape: dims };
};

const matmul = (name: string, a: Case["spec"]["inputs"][number], b: Case["spec"]["inputs"][number], out: Dim[]) => ({
  name: `MatMul ${name}`,
  spec: { kind: "MatMul", inputs: [a, b], outputs: [shape(...out)] },
  exact: true,
});

export const MATMUL_EDGE_CASES: Case[] = [
  matmul("tokens x weight, 56 columns (Mamba in_proj)", act(1, HW, 24), weights([24, 56], 60), [1, HW, 56]),
  matmul("tokens x weight, 13 columns (two blocks, a vector, a scalar)", act(1, HW, 5), weights([5, 13], 61), [
    1,
    HW,
    13,
  ]),
  matmul("tokens x weight, 3 columns (scalar only)", act(1, HW, 4), weights([4, 3], 62), [1, HW, 3]),
  matmul("K = 1", act(1, HW, 1), weights([1, 9], 63), [1, HW, 9]),
  matmul("one row times hw columns", weights([1, 6], 64), act(6, HW), [1, HW]),
  matmul("1-d left operand", act(HW), act(HW, 10), [10]),
  matmul("1-d right operand", act(7, HW), act(HW), [7]),
  matmul("batched weights x activation, broadcast (Mamba x_proj)", weights([4, 18, 28], 65), act(1, 4, 28, HW), [
    1,
    4,
    18,
    HW,
  ]),
  matmul("batched weights x activation, K = 2 (Mamba dt_proj)", weights([4, 28, 2], 66), act(1, 4, 2, HW), [
    1,
    4,
    28,
    HW,
  ]),
  matmul("matrix x batch, the matrix broadcast", act(5, 6), act(2, 6, HW), [2, 5, HW]),
  {
    name: "Gemm transB without C, hw rows, 9 columns",
    spec: {
      kind: "Gemm",
      attrs: { transB: int(1) },
      inputs: [act(HW, 6), weights([9, 6], 67)],
      outputs: [shape(HW, 9)],
    },
    exact: true,
  },
  {
    name: "Gemm with a row C, 13 columns, beta 1",
    spec: {
      kind: "Gemm",
      attrs: { alpha: float(0.75) },
      inputs: [act(HW, 5), weights([5, 13], 68), weights([13], 69)],
      outputs: [shape(HW, 13)],
    },
    exact: true,
  },
  {
    name: "Gemm transA with a full C, alpha -2, K = 1",
    spec: {
      kind: "Gemm",
      attrs: { transA: int(1), alpha: float(-2), beta: float(0.5) },
      inputs: [act(1, HW), weights([1, 8], 70), act(HW, 8)],
      outputs: [shape(HW, 8)],
    },
    exact: true,
  },
  {
    name: "Gemm transA and transB without C, one row",
    spec: {
      kind: "Gemm",
      attrs: { transA: int(1), transB: int(1), alpha: float(-1) },
      inputs: [act(HW, 1), act(7, HW)],
      outputs: [shape(1, 7)],
    },
    exact: true,
  },
];
