import { QmcError } from "../diagnostics.js";
import {
  describeEpilogue,
  type Epilogue,
  type EpilogueBinary,
  type EpilogueOperand,
  type EpilogueStep,
  type EpilogueUnary,
  epilogueParams,
  parseEpilogue,
} from "../ops/support/epilogue.js";
import { requantizeStepsAt } from "../quant/requantize-steps.js";
import type { ParamValue, SymShape } from "./kernel-plan.js";

/**
 * A kernel's name carries its specialisation (XNNPACK style): index, kind, then the static sizes
 * and bit-widths it was generated for, e.g. k12_qconv_c24_o24_k3x3_g24_a4w4.
 */
export function kernelName(
  index: number,
  kind: string,
  params: Readonly<Record<string, ParamValue>>,
  inputs: readonly (SymShape | null)[],
  outputs: readonly SymShape[],
): string {
  const parts = [`k${index}`, snake(kind)];
  const c = (s: SymShape | null | undefined, axis: number) => (s?.[axis] ? s[axis].c : 0);
  const bits = () => (typeof params.x_bits === "number" ? `a${params.x_bits}w${params.w_bits}` : "");
  switch (kind) {
    case "Conv":
    case "QConv": {
      const w = inputs[1];
      parts.push(`c${c(inputs[0], 1)}`, `o${c(outputs[0], 1)}`);
      if (w)
        parts.push(
          `k${w
            .slice(2)
            .map((d) => d.c)
            .join("x")}`,
        );
      if (typeof params.group === "number" && params.group > 1) parts.push(`g${params.group}`);
      if (Array.isArray(params.dilations) && params.dilations.some((d) => d !== 1))
        parts.push(`d${params.dilations[0]}`);
      parts.push(bits(), ...epilogueWords(epilogueOf(params)).map(tag));
      break;
    }
    case "QMatMul":
    case "MatMul": {
      const w = inputs[1];
      if (w && w.length >= 2) {
        const [r, k] = w.slice(-2).map((d) => d.c);
        parts.push(params.weight_first ? `m${r}_k${k}` : `k${r}_n${k}`);
      }
      parts.push(bits(), ...epilogueWords(epilogueOf(params)).map(tag));
      break;
    }
    case "SelectiveScan":
    case "QSelectiveScan": {
      const a = inputs[2];
      const groups = inputs[3]?.[1]?.c || 1;
      parts.push(`e${a ? a[0].c / groups : 0}`, `n${a ? a[1].c : 0}`);
      if (typeof params.delta_bits === "number") parts.push(`a${params.delta_bits}`);
      for (const p of ["u", "b", "c"]) {
        if (typeof params[`${p}_bits`] === "number") parts.push(`${p}${params[`${p}_bits`]}`);
      }
      if (params.merge) parts.push("merged");
      break;
    }
    case "ActQuant":
    case "DlsQuant":
      parts.push(`b${params.bits}`, params.signed ? "s" : "u");
      break;
  }
  return parts.filter((p) => p).join("_");
}

/**
 * How the kernel computes, in the words `qmc inspect --plan` prints; `bias` says whether a QConv
 * has one (its input 2).
 */
export function kernelArithmetic(kind: string, params: Readonly<Record<string, ParamValue>>, bias: boolean): string {
  switch (kind) {
    case "QConv":
    case "QMatMul": {
      const parts = [...(bias ? ["bias"] : []), ...epilogueWords(epilogueOf(params))];
      return `int${params.x_bits} x int${params.w_bits} -> int32 (${params.x_mode} input), f32 epilogue${parts.length ? ` (${parts.join(", ")})` : ""}`;
    }
    case "QSelectiveScan":
      return `f32 scan, exp(dt*A) from a ${2 ** Number(params.delta_bits)}-entry table per channel${scanQuantized(params)}${params.merge ? ", directions summed into (B, L, E) tokens" : ""}`;
    case "SelectiveScan":
      return "f32 scan";
    case "ActQuant":
    case "DlsQuant":
      return `f32 -> int${params.bits} codes -> f32`;
    default:
      // Passes say why a float op of a quantized model stays float (lower-fake-quant's float_reason).
      return typeof params.float_reason === "string" ? `f32 (${params.float_reason})` : "f32";
  }
}

/** An integer kernel's float epilogue, for its name and description. */
function epilogueOf(params: Readonly<Record<string, ParamValue>>) {
  const fail = (what: string) => new QmcError(`kernel params: ${what}`);
  const attrs = epilogueParams(params, fail);
  // The constants are scalars or all one per output channel: the longest one's length is the count.
  return parseEpilogue(attrs, Math.max(1, ...attrs.sizes), fail);
}

/** A word as a name part: gelu, residual_skip, mul_const, requantize. */
function tag(word: string): string {
  return word.replace(/ \(.*\)$/, "").replace(/[^A-Za-z0-9]+/g, "_");
}

/**
 * The epilogue in words: the steps fuse-epilogue writes for a QDQ model's requantization
 * (compiler/quant/fake-quant.ts) and for PRelu by name, the rest as describeEpilogue puts it.
 */
function epilogueWords(e: Epilogue): string[] {
  const words: string[] = [];
  let from = 0;
  const flush = (to: number) => {
    if (to > from) words.push(...describeEpilogue(segment(e, from, to)));
  };
  for (let k = 0; k < e.steps.length; ) {
    const idiom = requantizeAt(e, k) ?? preluAt(e, k);
    if (!idiom) {
      k++;
      continue;
    }
    flush(k);
    words.push(idiom.word);
    k += idiom.length;
    from = k;
  }
  flush(e.steps.length);
  return words;
}

/** Steps [from, to) as an epilogue of their own: a value computed before `from` is its y. */
function segment(e: Epilogue, from: number, to: number): Epilogue {
  const shift = (a: EpilogueOperand): EpilogueOperand =>
    a.kind !== "step" ? a : a.index < from ? { kind: "y" } : { kind: "step", index: a.index - from };
  const steps = e.steps
    .slice(from, to)
    .map(
      (s): EpilogueStep =>
        s.args.length === 2
          ? { op: s.op as EpilogueBinary, args: [shift(s.args[0]), shift(s.args[1])] }
          : { op: s.op as EpilogueUnary, args: [shift(s.args[0])] },
    );
  return { ...e, steps };
}

interface Idiom {
  readonly word: string;
  readonly length: number;
}

const prev = (a: EpilogueOperand | undefined, k: number) => a?.kind === "step" && a.index === k;

/** QuantizeLinear -> DequantizeLinear (compiler/quant/requantize-steps.ts). */
function requantizeAt(e: Epilogue, k: number): Idiom | undefined {
  const r = requantizeStepsAt(e, k);
  return r && { word: `requantize (scale ${e.constants[r.scale][0]})`, length: 8 };
}

/** relu x, sub x relu, mul slope, add: PRelu. */
function preluAt(e: Epilogue, k: number): Idiom | undefined {
  const s = e.steps;
  if (s[k]?.op !== "relu" || s[k + 1]?.op !== "sub" || s[k + 2]?.op !== "mul" || s[k + 3]?.op !== "add")
    return undefined;
  const x = JSON.stringify(s[k].args[0]);
  const ok =
    JSON.stringify(s[k + 1].args[0]) === x &&
    prev(s[k + 1].args[1], k) &&
    prev(s[k + 2].args[0], k + 1) &&
    s[k + 2].args[1]?.kind === "constant" &&
    prev(s[k + 3].args[0], k) &&
    prev(s[k + 3].args[1], k + 2);
  return ok ? { word: "prelu", length: 4 } : undefined;
}

/** QMatMul -> qmatmul, LayerNormalization -> layer_normalization, QSelectiveScan -> qselective_scan. */
function snake(kind: string): string {
  const word = kind.replace("MatMul", "Matmul").replace(/^Q(?=[A-Z])/, "q");
  return word.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The scan inputs a QSelectiveScan quantizes as it reads them, as in ", u, B, C DlsQuant-ed (4 bits) as read". */
function scanQuantized(params: Readonly<Record<string, ParamValue>>): string {
  const read = [
    ["u", "u"],
    ["b", "B"],
    ["c", "C"],
  ].filter(([p]) => typeof params[`${p}_bits`] === "number");
  if (read.length === 0) return "";
  const bits = [...new Set(read.map(([p]) => params[`${p}_bits`]))].join("/");
  return `, ${read.map(([, name]) => name).join(", ")} DlsQuant-ed (${bits} bits) as read`;
}
