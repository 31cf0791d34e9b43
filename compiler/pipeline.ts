import type { Model } from "./ir/graph.js";
import { canonicalize } from "./passes/canonicalize.js";
import { convWinograd } from "./passes/conv-winograd.js";
import { foldBatchNorm } from "./passes/fold-batch-norm.js";
import { foldConstants } from "./passes/fold-constants.js";
import { foldQdqDataMovement } from "./passes/fold-qdq-data-movement.js";
import { foldQdqWeights } from "./passes/fold-qdq-weights.js";
import { foldRfaWeights } from "./passes/fold-rfa-weights.js";
import { fuseEpilogue } from "./passes/fuse-epilogue.js";
import { fuseScanDelta } from "./passes/fuse-scan-delta.js";
import { fuseScanInput } from "./passes/fuse-scan-input.js";
import { fuseScanMerge } from "./passes/fuse-scan-merge.js";
import { integerKernels } from "./passes/integer-kernels.js";
import { lowerConstantOfShape } from "./passes/lower-constant-of-shape.js";
import { lowerEinsum } from "./passes/lower-einsum.js";
import { lowerFakeQuant } from "./passes/lower-fake-quant.js";
import { lowerGather } from "./passes/lower-gather.js";
import { lowerPixelShuffle } from "./passes/lower-pixel-shuffle.js";
import type { Pass, PassOptions } from "./passes/pass.js";
import { recogniseCrossScan } from "./passes/recognise-cross-scan.js";
import { recogniseQuantizers } from "./passes/recognise-quantizers.js";
import { recogniseResidualLayout } from "./passes/recognise-residual-layout.js";
import { recogniseScanChunked } from "./passes/recognise-scan-chunked.js";
import { recogniseScanDoubling } from "./passes/recognise-scan-doubling.js";
import { recogniseScanLoop } from "./passes/recognise-scan-loop.js";
import { resolveAutoPad } from "./passes/resolve-auto-pad.js";
import { weightLayout } from "./passes/weight-layout.js";

/**
 * The compiler's passes, in order. Every intermediate graph still runs on the reference interpreter.
 * fold-batch-norm and lower-pixel-shuffle follow fold-constants, which leaves float weights and a
 * fixed-shape graph's reshape targets as constants; quantized weights are qmc.DequantizeCodes nodes
 * by then, so no BatchNormalization is folded into them. conv-winograd follows fold-batch-norm, so
 * it transforms the folded weights.
 */
export const PIPELINE: readonly Pass[] = [
  canonicalize,
  foldRfaWeights,
  foldQdqWeights,
  foldConstants,
  foldQdqDataMovement,
  recogniseQuantizers,
  recogniseCrossScan,
  recogniseScanDoubling,
  recogniseScanChunked,
  recogniseScanLoop,
  recogniseResidualLayout,
  foldBatchNorm,
  lowerPixelShuffle,
  lowerGather,
  lowerEinsum,
  lowerConstantOfShape,
  resolveAutoPad,
  weightLayout,
  integerKernels,
  convWinograd,
  fuseEpilogue,
  fuseScanDelta,
  fuseScanInput,
  fuseScanMerge,
  lowerFakeQuant,
];

export interface PipelineOptions extends PassOptions {
  /** Called with each pass's result (for --dump-after and tests). */
  readonly afterPass?: (pass: Pass, model: Model) => void;
}

export function runPipeline(model: Model, file: string, options: PipelineOptions = {}): Model {
  let m = model;
  for (const pass of PIPELINE) {
    m = pass.run(m, file, options);
    options.afterPass?.(pass, m);
  }
  return m;
}
