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
import Abs from "./Abs.js";
import ActQuant from "./ActQuant.js";
import Add from "./Add.js";
import And from "./And.js";
import AveragePool from "./AveragePool.js";
import BatchNormalization from "./BatchNormalization.js";
import Cast from "./Cast.js";
import Ceil from "./Ceil.js";
import Clip from "./Clip.js";
import Concat from "./Concat.js";
import Conv from "./Conv.js";
import ConvTranspose from "./ConvTranspose.js";
import CrossMerge from "./CrossMerge.js";
import CrossScan from "./CrossScan.js";
import DepthToSpace from "./DepthToSpace.js";
import Div from "./Div.js";
import DlsQuant from "./DlsQuant.js";
import Elu from "./Elu.js";
import Equal from "./Equal.js";
import Erf from "./Erf.js";
import Exp from "./Exp.js";
import Expand from "./Expand.js";
import Floor from "./Floor.js";
import Gelu from "./Gelu.js";
import Gemm from "./Gemm.js";
import GlobalAveragePool from "./GlobalAveragePool.js";
import GlobalMaxPool from "./GlobalMaxPool.js";
import Greater from "./Greater.js";
import GreaterOrEqual from "./GreaterOrEqual.js";
import HardSigmoid from "./HardSigmoid.js";
import HardSwish from "./HardSwish.js";
import InstanceNormalization from "./InstanceNormalization.js";
import LayerNormalization from "./LayerNormalization.js";
import LeakyRelu from "./LeakyRelu.js";
import Less from "./Less.js";
import LessOrEqual from "./LessOrEqual.js";
import Log from "./Log.js";
import MatMul from "./MatMul.js";
import Max from "./Max.js";
import MaxPool from "./MaxPool.js";
import Min from "./Min.js";
import Mish from "./Mish.js";
import Mul from "./Mul.js";
import Neg from "./Neg.js";
import Not from "./Not.js";
import Or from "./Or.js";
import Pad from "./Pad.js";
import Pow from "./Pow.js";
import PRelu from "./PRelu.js";
import QConv from "./QConv.js";
import QMatMul from "./QMatMul.js";
import QSelectiveScan from "./QSelectiveScan.js";
import Reciprocal from "./Reciprocal.js";
import ReduceL2 from "./ReduceL2.js";
import ReduceMax from "./ReduceMax.js";
import ReduceMean from "./ReduceMean.js";
import ReduceMin from "./ReduceMin.js";
import ReduceSum from "./ReduceSum.js";
import ReduceSumSquare from "./ReduceSumSquare.js";
import Relu from "./Relu.js";
import Resize from "./Resize.js";
import Round from "./Round.js";
import SelectiveScan from "./SelectiveScan.js";
import Selu from "./Selu.js";
import Sigmoid from "./Sigmoid.js";
import Sign from "./Sign.js";
import Slice from "./Slice.js";
import Softmax from "./Softmax.js";
import Softplus from "./Softplus.js";
import Softsign from "./Softsign.js";
import SpaceToDepth from "./SpaceToDepth.js";
import Split from "./Split.js";
import Sqrt from "./Sqrt.js";
import Sub from "./Sub.js";
import Tanh from "./Tanh.js";
import Tile from "./Tile.js";
import Transpose from "./Transpose.js";
import type { WasmKernelGenerator } from "./types.js";
import Where from "./Where.js";
import WinogradConv from "./WinogradConv.js";
import Xor from "./Xor.js";

export const WASM_KERNELS: ReadonlyMap<string, WasmKernelGenerator> = new Map<string, WasmKernelGenerator>([
  ["Abs", Abs],
  ["ActQuant", ActQuant],
  ["Add", Add],
  ["And", And],
  ["AveragePool", AveragePool],
  ["BatchNormalization", BatchNormalization],
  ["Cast", Cast],
  ["Ceil", Ceil],
  ["Clip", Clip],
  ["Concat", Concat],
  ["Conv", Conv],
  ["ConvTranspose", ConvTranspose],
  ["CrossMerge", CrossMerge],
  ["CrossScan", CrossScan],
  ["DepthToSpace", DepthToSpace],
  ["Div", Div],
  ["DlsQuant", DlsQuant],
  ["Elu", Elu],
  ["Equal", Equal],
  ["Erf", Erf],
  ["Exp", Exp],
  ["Expand", Expand],
  ["Floor", Floor],
  ["Gelu", Gelu],
  ["Gemm", Gemm],
  ["GlobalAveragePool", GlobalAveragePool],
  ["GlobalMaxPool", GlobalMaxPool],
  ["Greater", Greater],
  ["GreaterOrEqual", GreaterOrEqual],
  ["HardSigmoid", HardSigmoid],
  ["HardSwish", HardSwish],
  ["InstanceNormalization", InstanceNormalization],
  ["LayerNormalization", LayerNormalization],
  ["LeakyRelu", LeakyRelu],
  ["Less", Less],
  ["LessOrEqual", LessOrEqual],
  ["Log", Log],
  ["MatMul", MatMul],
  ["Max", Max],
  ["MaxPool", MaxPool],
  ["Min", Min],
  ["Mish", Mish],
  ["Mul", Mul],
  ["Neg", Neg],
  ["Not", Not],
  ["Or", Or],
  ["PRelu", PRelu],
  ["Pad", Pad],
  ["Pow", Pow],
  ["QConv", QConv],
  ["QMatMul", QMatMul],
  ["QSelectiveScan", QSelectiveScan],
  ["Reciprocal", Reciprocal],
  ["ReduceL2", ReduceL2],
  ["ReduceMax", ReduceMax],
  ["ReduceMean", ReduceMean],
  ["ReduceMin", ReduceMin],
  ["ReduceSum", ReduceSum],
  ["ReduceSumSquare", ReduceSumSquare],
  ["Relu", Relu],
  ["Resize", Resize],
  ["Round", Round],
  ["SelectiveScan", SelectiveScan],
  ["Selu", Selu],
  ["Sigmoid", Sigmoid],
  ["Sign", Sign],
  ["Slice", Slice],
  ["Softmax", Softmax],
  ["Softplus", Softplus],
  ["Softsign", Softsign],
  ["SpaceToDepth", SpaceToDepth],
  ["Split", Split],
  ["Sqrt", Sqrt],
  ["Sub", Sub],
  ["Tanh", Tanh],
  ["Tile", Tile],
  ["Transpose", Transpose],
  // Upsample (opsets 7-9) samples as Resize-10; resize-geometry.ts reads its [X, scales].
  ["Upsample", Resize],
  ["Where", Where],
  ["WinogradConv", WinogradConv],
  ["Xor", Xor],
]);
