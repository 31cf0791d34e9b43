import type {
  Epilogue,
  EpilogueBinary,
  EpilogueOperand,
  EpilogueStep,
} from "../../../../compiler/ops/support/epilogue.js";
import type { CodeWriter } from "../../../shared/code-writer.js";
import { epilogueSpec, kernelEpilogue } from "../../../shared/epilogue.js";
import { weightScales } from "../../../shared/quant-params.js";
import type { HelperName } from "../../runtime/helpers.js";
import { fround } from "../../runtime/math.js";
import type { KernelEnv } from "../types.js";
import { type ActivationQuantCode, lit } from "./activation-quant.js";

/**
 * The weight side of an integer kernel (w_alpha, w_beta: one value or one per output channel) and
 * the float epilogue that turns the exact integer sums back into the product of dequantized values,
 * in the operation order of compiler/quant/integer-matmul.ts (so js results equal the reference's):
 *   y = qa*aw*acc - qa*bw*sx - qb*aw*sw + cnt*qb*bw  (+ dlo*(aw*swlo - bw*nlo) + dhi*(...)), rounded to f32,
 * without the terms in bw where the weights are symmetric (every w_beta 0; `bw` undefined).
 */
export function weightParams(
  w: CodeWriter,
  env: KernelEnv,
  channels: number,
): { aw: (c: string) => string; bw?: (c: string) => string } {
  const { alpha, beta, symmetric } = weightScales(env, channels);
  if (alpha.length === 1) {
    w.line(`var aw0 = ${lit(alpha[0])}${symmetric ? "" : `, bw0 = ${lit(beta[0])}`};`);
    return { aw: () => "aw0", bw: symmetric ? undefined : () => "bw0" };
  }
  w.line(`var AW = [${alpha.map(lit).join(", ")}];`);
  if (symmetric) return { aw: (c) => `AW[${c}]` };
  w.line(`var BW = [${beta.map(lit).join(", ")}];`);
  return { aw: (c) => `AW[${c}]`, bw: (c) => `BW[${c}]` };
}

/** Declares the per-output sums the epilogue reads, and `cq`, the code the sums' loops read. */
export const ACCUMULATORS = "var acc, sx, sw, cnt, swlo, nlo, swhi, nhi, cq;";

/**
 * The sums over one activation vector that every output it feeds shares, before its dot products:
 * the code sum (only if `offsets`, bw, are read) and, for DlsQuant codes, how many elements hold
 * `qlo` and `qhi`, the codes whose values the clip can move (`nlo`, `nhi`). `loop` heads the loop
 * over the vector's elements, which reads each code as `code`.
 */
export function writeVectorSums(
  w: CodeWriter,
  q: ActivationQuantCode,
  loop: string,
  code: string,
  offsets: boolean,
): void {
  const dls = q.mode === "dls";
  if (!offsets && !dls) return;
  w.line([offsets ? "sx = 0;" : "", dls ? "nlo = 0; nhi = 0;" : ""].filter(Boolean).join(" "));
  w.block(loop, () => {
    w.line(`cq = ${code};`);
    if (offsets) w.line("sx += cq;");
    if (dls) w.line("if (cq === qlo) nlo++; else if (cq === qhi) nhi++;");
  });
}

/**
 * For DlsQuant codes, the weight sums of the elements that hold `qlo` and `qhi` (swlo, swhi), read
 * only when the vector holds such codes at all; `loop` heads the loop reading `code` and `weight`.
 */
export function writeExtremeCodeSums(
  w: CodeWriter,
  q: ActivationQuantCode,
  loop: string,
  code: string,
  weight: string,
) {
  if (q.mode !== "dls") return;
  w.line("swlo = 0; swhi = 0;");
  w.block("if (nlo + nhi > 0)", () => {
    w.block(loop, () => {
      w.line(`cq = ${code};`);
      w.line(`if (cq === qlo) swlo += ${weight}; else if (cq === qhi) swhi += ${weight};`);
    });
  });
}

/** The epilogue's value for channel expressions aw, bw (none: symmetric), as ES5 statements into `target`. */
export function writeEpilogue(
  w: CodeWriter,
  q: ActivationQuantCode,
  aw: string,
  bw: string | undefined,
  target: string,
): void {
  w.line(
    bw === undefined
      ? `${target} = qa * ${aw} * acc - qb * ${aw} * sw;`
      : `${target} = qa * ${aw} * acc - qa * ${bw} * sx - qb * ${aw} * sw + cnt * qb * ${bw};`,
  );
  if (q.mode === "dls") {
    const fix = (d: string, sw: string, n: string) =>
      w.line(
        `if (${d} !== 0) ${target} += ${d} * (${bw === undefined ? `${aw} * ${sw}` : `${aw} * ${sw} - ${bw} * ${n}`});`,
      );
    fix("dlo", "swlo", "nlo");
    fix("dhi", "swhi", "nhi");
  }
}

/**
 * The float epilogue after the dequantization (compiler/ops/support/epilogue.ts), in ES5: each step
 * computed as the js kernel of its op computes it (Math.max, qsigmoid, qerf, double arithmetic) and
 * rounded to float32 (inline, through the `fr` that writeActivationQuant declares) as that kernel's
 * Float32Array output was, so values equal the reference's unfused ops bit for bit. Constants run
 * along output axis `axis`; the residual, if the epilogue reads one, is input `residualInput`.
 */
export class FloatEpilogue {
  readonly helpers: HelperName[];
  /** A kernel-name suffix naming the epilogue ("" without one). */
  readonly spec: string;
  private readonly e: Epilogue;
  private readonly residual?: string;

  constructor(env: KernelEnv, axis: number, residualInput: number) {
    this.e = kernelEpilogue(env, axis);
    this.residual = this.e.residual ? env.input(residualInput, "res") : undefined;
    this.spec = epilogueSpec(this.e);
    const ops = new Set(this.e.steps.map((s) => s.op));
    this.helpers = [...(ops.has("sigmoid") ? ["qsigmoid" as const] : []), ...(ops.has("erf") ? ["qerf" as const] : [])];
  }

  /** Declares the per-channel constant tables and the step variables (before the loops). */
  declare(w: CodeWriter): void {
    this.e.constants.forEach((c, k) => {
      if (c.length > 1) w.line(`var EC${k} = [${c.map(lit).join(", ")}];`);
    });
    if (this.e.steps.length) w.line(`var ${["ey", ...this.e.steps.slice(0, -1).map((_, k) => `e${k}`)].join(", ")};`);
  }

  /** Stores float32 `value` of output element `index` (channel `channel`), after the epilogue, into `y`. */
  store(w: CodeWriter, y: string, index: string, channel: string, value: string): void {
    const steps = this.e.steps;
    if (steps.length === 0) {
      w.line(`${y}[${index}] = ${value};`);
      return;
    }
    const read = (a: EpilogueOperand): string => {
      switch (a.kind) {
        case "y":
          return "ey";
        case "step":
          return `e${a.index}`;
        case "constant":
          return this.e.constants[a.index].length === 1
            ? lit(this.e.constants[a.index][0])
            : `EC${a.index}[${channel}]`;
        case "residual":
          return `${this.residual}[${index}]`;
      }
    };
    const formula = (s: EpilogueStep): string => {
      const [a, b] = s.args.map(read);
      switch (s.op) {
        case "relu":
          return `Math.max(${a}, 0)`;
        case "sigmoid":
          return `qsigmoid(${a})`;
        case "erf":
          return `qerf(${a})`;
        default:
          return `${a} ${BINARY_OPERATOR[s.op]} ${b}`;
      }
    };
    w.line(`ey = ${value};`);
    // The last step's rounding is the store's.
    steps.slice(0, -1).forEach((s, k) => {
      w.line(`e${k} = ${fround(formula(s))};`);
    });
    w.line(`${y}[${index}] = ${formula(steps[steps.length - 1])};`);
  }
}

const BINARY_OPERATOR: Readonly<Record<EpilogueBinary, string>> = { add: "+", sub: "-", mul: "*", div: "/" };
