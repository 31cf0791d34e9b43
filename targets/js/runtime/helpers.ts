import type { FnDecl, VarDecl } from "../../shared/artifact.js";
import {
  BASE64_VARS,
  decodeBase64Fn,
  float32ConstantFn,
  float32FromBytesFn,
  fnv1aFn,
  int32ConstantFn,
  int32FromBytesFn,
  packedConstantFn,
  packedFromBytesFn,
  readWeightsFn,
} from "./constants.js";
import { dlsQuantizeFn } from "./dls.js";
import {
  erfFn,
  exp32Fn,
  expFn,
  expm1Fn,
  F32_BITS_VARS,
  F32_VARS,
  f32Fn,
  laneMaxFn,
  laneMinFn,
  log1pFn,
  logFn,
  POW2_F64_VARS,
  pow2f32Fn,
  powFn,
  roundHalfEvenFn,
  sigmoidFn,
  softplus32Fn,
  softplusFn,
  tanhFn,
  WORD_VARS,
} from "./math.js";

/** A runtime helper a kernel may call: its module-level state, its function, what it calls. */
interface Helper {
  readonly vars?: readonly VarDecl[];
  readonly fn: FnDecl;
  readonly needs?: readonly string[];
}

/**
 * Every helper, in the order the artifacts define them. Kernels name the helpers they call in
 * KernelCode.helpers; only those (and what they need) are emitted.
 */
const HELPERS = {
  f32: { vars: F32_VARS, fn: f32Fn },
  roundHalfEven: { fn: roundHalfEvenFn },
  laneMin: { fn: laneMinFn },
  laneMax: { fn: laneMaxFn },
  dlsQuantize: { fn: dlsQuantizeFn, needs: ["f32", "roundHalfEven", "laneMin", "laneMax"] },
  qexp: { vars: WORD_VARS, fn: expFn },
  qlog1p: { vars: WORD_VARS, fn: log1pFn },
  qexpm1: { fn: expm1Fn, needs: ["qexp"] },
  qlog: { vars: WORD_VARS, fn: logFn, needs: ["qlog1p"] },
  qtanh: { fn: tanhFn, needs: ["qexp"] },
  qerf: { fn: erfFn, needs: ["f32"] },
  pow2f32: { vars: F32_BITS_VARS, fn: pow2f32Fn },
  qsigmoid: { fn: sigmoidFn, needs: ["f32", "pow2f32"] },
  qsoftplus: { fn: softplusFn, needs: ["qexp", "qlog1p"] },
  qexp32: { vars: POW2_F64_VARS, fn: exp32Fn, needs: ["f32"] },
  qsoftplus32: { fn: softplus32Fn, needs: ["f32", "qexp32"] },
  powc: { fn: powFn },
  decodeBase64: { vars: BASE64_VARS, fn: decodeBase64Fn },
  float32Constant: { fn: float32ConstantFn, needs: ["decodeBase64"] },
  int32Constant: { fn: int32ConstantFn, needs: ["decodeBase64"] },
  packedConstant: { fn: packedConstantFn, needs: ["decodeBase64"] },
  readWeights: { fn: readWeightsFn },
  fnv1a: { fn: fnv1aFn },
  float32FromBytes: { fn: float32FromBytesFn },
  int32FromBytes: { fn: int32FromBytesFn },
  packedFromBytes: { fn: packedFromBytesFn },
} satisfies Record<string, Helper>;

export type HelperName = keyof typeof HELPERS;

/** The helpers `names` call, closed over their needs, in definition order; shared vars once. */
export function resolveHelpers(names: Iterable<HelperName>): { vars: VarDecl[]; fns: FnDecl[] } {
  const wanted = new Set<HelperName>();
  const visit = (n: HelperName) => {
    if (wanted.has(n)) return;
    wanted.add(n);
    for (const m of (HELPERS[n] as Helper).needs ?? []) visit(m as HelperName);
  };
  for (const n of names) visit(n);
  const vars: VarDecl[] = [];
  const fns: FnDecl[] = [];
  for (const [name, helper] of Object.entries(HELPERS) as [HelperName, Helper][]) {
    if (!wanted.has(name)) continue;
    for (const v of helper.vars ?? []) if (!vars.includes(v)) vars.push(v);
    fns.push(helper.fn);
  }
  return { vars, fns };
}
