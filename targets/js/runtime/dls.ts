import type { FnDecl } from "../../shared/artifact.js";
import { CodeWriter } from "../../shared/code-writer.js";
import { writeDlsStatistics } from "../kernels/support/dls-statistics.js";
import { F32_ALIAS, fround } from "./math.js";

/**
 * DlsQuant of a whole tensor into `out`, as the DlsQuant kernel (targets/js/kernels/DlsQuant.ts)
 * computes it, operation for operation (bit-identical to compiler/quant/dls.ts), with its weights
 * `w` (eight float32 values) and grid (bits, signed) as arguments: one function in the artifact for
 * every kernel that quantizes an input of its own (the scan's B and C), rather than the statistics
 * code written out again in each.
 */
function dlsQuantizeBody(): string {
  const w = new CodeWriter();
  w.line("var i, q, u, v, beta, alpha, alphaDiv;");
  w.line(
    "var qn = signed ? -Math.pow(2, bits - 1) : 0, qp = signed ? Math.pow(2, bits - 1) - 1 : Math.pow(2, bits) - 1;",
  );
  w.line(F32_ALIAS);
  writeDlsStatistics(w, "x", "n", "");
  w.line("beta = f32(f32(f32(f32(w[4] * mu) + f32(w[5] * sd)) + f32(w[6] * min)) + f32(w[7] * max));");
  w.line(
    "alpha = Math.abs(f32(f32(f32(f32(w[0] * Math.abs(f32(mu + beta))) + f32(w[1] * sd)) + f32(w[2] * f32(min + beta))) + f32(w[3] * f32(max + beta))));",
  );
  w.line(`alpha = Math.min(Math.max(alpha, ${Math.fround(1e-6)}), f32(f32(max - min) / Math.pow(2, bits)));`);
  w.comment("A constant tensor has alpha = 0: divide by 1 instead, so its codes are finite and it maps to itself.");
  w.line("alphaDiv = alpha > 0 ? alpha : 1;");
  w.block("for (i = 0; i < n; i++)", () => {
    w.line(`u = ${fround(`${fround("x[i] + beta")} / alphaDiv`)};`);
    w.line("q = roundHalfEven(u < qn ? qn : Math.min(u, qp));");
    w.line(`v = ${fround(`${fround("q * alpha")} - beta`)};`);
    w.line("out[i] = v < min ? min : Math.min(v, max);");
  });
  w.line("return out;");
  return w.toString();
}

export const dlsQuantizeFn: FnDecl = {
  name: "dlsQuantize",
  params: [
    { name: "x", type: "Float32Array" },
    { name: "n", type: "number" },
    { name: "w", type: "number[]" },
    { name: "bits", type: "number" },
    { name: "signed", type: "number" },
    { name: "out", type: "Float32Array" },
  ],
  returns: "Float32Array",
  doc: [
    "DlsQuant of x's n values with weights w and a bits-bit grid (signed unless 0) into out, returned:",
    "the DlsQuant kernel's operations, for kernels that quantize an input of their own.",
  ],
  body: dlsQuantizeBody(),
};
