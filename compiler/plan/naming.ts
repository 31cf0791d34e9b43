import { QmcError } from "../diagnostics.js";
import { describeEpilogue, epilogueParams, epilogueTags, parseEpilogue } from "../ops/support/epilogue.js";
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
      parts.push(bits(), ...epilogueTags(epilogueOf(params)));
      break;
    }
    case "QMatMul":
    case "MatMul": {
      const w = inputs[1];
      if (w && w.length >= 2) {
        const [r, k] = w.slice(-2).map((d) => d.c);
        parts.push(params.weight_first ? `m${r}_k${k}` : `k${r}_n${k}`);
      }
      parts.push(bits(), ...epilogueTags(epilogueOf(params)));
      break;
    }
    case "SelectiveScan":
    case "QSelectiveScan": {
      const a = inputs[2];
      const groups = inputs[3]?.[1]?.c || 1;
      parts.push(`e${a ? a[0].c / groups : 0}`, `n${a ? a[1].c : 0}`);
      if (typeof params.delta_bits === "number") parts.push(`a${params.delta_bits}`);
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
      const parts = [...(bias ? ["bias"] : []), ...describeEpilogue(epilogueOf(params))];
      return `int${params.x_bits} x int${params.w_bits} -> int32 (${params.x_mode} input), f32 epilogue${parts.length ? ` (${parts.join(", ")})` : ""}`;
    }
    case "QSelectiveScan":
      return `f32 scan, exp(dt*A) from a ${2 ** Number(params.delta_bits)}-entry table per channel`;
    case "SelectiveScan":
      return "f32 scan";
    case "ActQuant":
    case "DlsQuant":
      return `f32 -> int${params.bits} codes -> f32`;
    default:
      return "f32";
  }
}

/** An integer kernel's float epilogue, for its name and description. */
function epilogueOf(params: Readonly<Record<string, ParamValue>>) {
  const fail = (what: string) => new QmcError(`kernel params: ${what}`);
  const attrs = epilogueParams(params, fail);
  // The constants are scalars or all one per output channel: the longest one's length is the count.
  return parseEpilogue(attrs, Math.max(1, ...attrs.sizes), fail);
}

/** QMatMul -> qmatmul, LayerNormalization -> layer_normalization, QSelectiveScan -> qselective_scan. */
function snake(kind: string): string {
  const word = kind.replace("MatMul", "Matmul").replace(/^Q(?=[A-Z])/, "q");
  return word.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}
