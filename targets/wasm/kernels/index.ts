/**
 * The wasm targets' kernel generators, by PlanKernel.kind; the twins of targets/js/kernels.
 *
 * Interface (types.ts): a WasmKernelGenerator is `(env: WasmKernelEnv) => WasmKernelCode`.
 * - Ask `env` for the arguments (`input`, `output`, `dim`, `count`, `scratch`, `data`, `table`,
 *   `scalar`): each becomes a parameter of the kernel's function, bound at the call.
 * - Build the body with `env.fn` (targets/wasm/dsl.ts): locals, `for` loops, typed loads and
 *   stores, and binaryen's own builder for arithmetic (`env.fn.m`). Never use an expression twice.
 * - Return `{ spec, body }`: `spec` names the function and must carry every specialisation that
 *   changes the body; `env.isa` says which instructions are allowed. Kernels whose functions come
 *   out identical share one, so per-instance numbers go through `scalar`, not into literals.
 * Float kernels compute in f64 in the js target's order, so results are bit-identical to the js
 * artifacts; integer kernels are exact on every ISA.
 */
import Add from "./Add.js";
import Conv from "./Conv.js";
import CrossMerge from "./CrossMerge.js";
import CrossScan from "./CrossScan.js";
import DepthToSpace from "./DepthToSpace.js";
import Div from "./Div.js";
import DlsQuant from "./DlsQuant.js";
import Erf from "./Erf.js";
import Gelu from "./Gelu.js";
import GlobalAveragePool from "./GlobalAveragePool.js";
import LayerNormalization from "./LayerNormalization.js";
import MatMul from "./MatMul.js";
import Mul from "./Mul.js";
import QConv from "./QConv.js";
import QMatMul from "./QMatMul.js";
import QSelectiveScan from "./QSelectiveScan.js";
import Relu from "./Relu.js";
import SelectiveScan from "./SelectiveScan.js";
import Sigmoid from "./Sigmoid.js";
import Slice from "./Slice.js";
import Split from "./Split.js";
import Sub from "./Sub.js";
import Transpose from "./Transpose.js";
import type { WasmKernelGenerator } from "./types.js";

export const WASM_KERNELS: ReadonlyMap<string, WasmKernelGenerator> = new Map<string, WasmKernelGenerator>([
  ["Add", Add],
  ["Conv", Conv],
  ["CrossMerge", CrossMerge],
  ["CrossScan", CrossScan],
  ["DepthToSpace", DepthToSpace],
  ["Div", Div],
  ["DlsQuant", DlsQuant],
  ["Erf", Erf],
  ["Gelu", Gelu],
  ["GlobalAveragePool", GlobalAveragePool],
  ["LayerNormalization", LayerNormalization],
  ["MatMul", MatMul],
  ["Mul", Mul],
  ["QConv", QConv],
  ["QMatMul", QMatMul],
  ["QSelectiveScan", QSelectiveScan],
  ["Relu", Relu],
  ["SelectiveScan", SelectiveScan],
  ["Sigmoid", Sigmoid],
  ["Slice", Slice],
  ["Split", Split],
  ["Sub", Sub],
  ["Transpose", Transpose],
]);
