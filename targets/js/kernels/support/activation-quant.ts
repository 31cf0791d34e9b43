import type { CodeWriter } from "../../../shared/code-writer.js";
import { activationParams } from "../../../shared/quant-params.js";
import { F32_ALIAS, fround } from "../../runtime/math.js";
import type { KernelEnv } from "../types.js";
import { writeDlsStatistics } from "./dls-statistics.js";

/**
 * ES5 code that quantizes a whole float tensor the way compiler/quant/activation.ts does, operation
 * for operation in float32 (the f32 helper's rounding, inline through `fr`, which it declares) so
 * that the codes are bit-identical to the reference. It declares `qa`, `qb` (the affine map back: value = q*qa - qb) and, for DlsQuant,
 * `qdiv` (the divisor used for codes), `qmin`, `qmax` and the two codes whose value the final clip
 * can move off the affine line: `qlo`, `qhi`, with their value corrections `dlo`, `dhi` (0 when
 * none). Only the codes of the minimum and maximum element can be such codes.
 */
export interface ActivationQuantCode {
  readonly mode: "act" | "dls" | "linear";
  readonly bits: number;
  readonly signed: boolean;
  readonly qn: number;
  readonly qp: number;
  /** An ES5 expression: the code of float value `v` (a variable name or expression). */
  code(v: string): string;
}

/** The runtime helpers the quantizer's code calls beyond f32 and roundHalfEven: DlsQuant's lane rules. */
export function activationQuantHelpers(env: KernelEnv, prefix = "x"): ("laneMin" | "laneMax")[] {
  return env.string(`${prefix}_mode`, "dls") === "dls" ? ["laneMin", "laneMax"] : [];
}

/** Reads x_mode/x_bits/x_signed/x_params (or a prefix's) and writes the parameter computation. */
export function writeActivationQuant(
  w: CodeWriter,
  env: KernelEnv,
  x: string,
  n: string,
  prefix = "x",
): ActivationQuantCode {
  const { mode, bits, signed, qn, qp, given, f32: p } = activationParams(env, prefix);
  const clampCode = (e: string) => `roundHalfEven(Math.min(Math.max(${e}, ${qn}), ${qp}))`;
  w.line(F32_ALIAS);
  if (mode === "act") {
    w.line(`var qa = ${lit(p[0])}, qb = ${lit(p[1])};`);
    return { mode, bits, signed, qn, qp, code: (v) => clampCode(fround(`${fround(`${v} + qb`)} / qa`)) };
  }
  if (mode === "linear") {
    const [scale, zp] = given;
    w.line(`var qs = ${lit(scale)}, qz = ${lit(zp)}, qa = qs, qb = ${lit(zp * scale)};`);
    return {
      mode,
      bits,
      signed,
      qn,
      qp,
      code: (v) => `Math.min(Math.max(roundHalfEven(${fround(`${v} / qs`)}) + qz, ${qn}), ${qp})`,
    };
  }
  const [w1, w2, w3, w4, w21, w22, w23, w24] = p.map(lit);
  w.comment("DlsQuant statistics over the whole tensor: mean, unbiased std (two passes), min, max.");
  writeDlsStatistics(w, x, n, "q");
  w.line(`var qb = f32(f32(f32(f32(${w21} * qmu) + f32(${w22} * qsd)) + f32(${w23} * qmin)) + f32(${w24} * qmax));`);
  w.line(
    `var qraw = Math.abs(f32(f32(f32(f32(${w1} * Math.abs(f32(qmu + qb))) + f32(${w2} * qsd)) + f32(${w3} * f32(qmin + qb))) + f32(${w4} * f32(qmax + qb))));`,
  );
  w.line(`var qa = Math.min(Math.max(qraw, ${lit(Math.fround(1e-6))}), f32(f32(qmax - qmin) / ${2 ** bits}));`);
  w.line("var qdiv = qa > 0 ? qa : 1;");
  const code = (v: string) => clampCode(fround(`${fround(`${v} + qb`)} / qdiv`));
  w.comment("The clip to [min, max] can move only the codes of the extreme elements off the affine line.");
  w.line(`var qlo = ${code("qmin")}, qhi = ${code("qmax")};`);
  w.line(
    "var dlo = dlsValue(qlo) - f32(f32(qlo * qa) - qb), dhi = qhi === qlo ? 0 : dlsValue(qhi) - f32(f32(qhi * qa) - qb);",
  );
  w.block("function dlsValue(q)", () => {
    w.line("var v = f32(f32(q * qa) - qb);");
    w.line("return v < qmin ? qmin : v > qmax ? qmax : v;");
  });
  return { mode, bits, signed, qn, qp, code };
}

/** A number literal that reads back as exactly the same double. */
export function lit(v: number): string {
  if (Object.is(v, -0)) return "-0";
  return String(v);
}
