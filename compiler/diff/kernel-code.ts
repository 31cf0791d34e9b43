import { loadBinaryen } from "../../targets/wasm/binaryen.js";
import { QmcError } from "../diagnostics.js";
import { functionBodySizes } from "./wasm-functions.js";

/** A one-kernel artifact's kernel code: its text (JS or WAT) and its size as shipped. */
export interface KernelCode {
  readonly language: "js" | "wat";
  readonly text: string;
  /** For js/ts the kernel function's text in UTF-8 bytes; for wasm the function's binary body. */
  readonly bytes: number;
}

/** Strips the indentation that every non-blank line shares. */
function dedent(lines: readonly string[]): string {
  const indents = lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join("\n");
}

/** The kernels section of a js or ts artifact (both print a `// ---- Kernels ----` section). */
function scriptKernel(text: string): KernelCode {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === "// ---- Kernels ----");
  if (start < 0) throw new QmcError("the artifact has no '---- Kernels ----' section");
  const end = lines.findIndex((l, i) => i > start && l.trim().startsWith("// ---- "));
  const body = dedent(lines.slice(start + 1, end < 0 ? lines.length : end)).trim();
  return { language: "js", text: body, bytes: Buffer.byteLength(body) };
}

/** The s-expression starting at `from` (an opening parenthesis), up to its matching one. */
function sexpr(text: string, from: number): string {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return text.slice(from, i + 1);
    else if (c === '"') i = text.indexOf('"', i + 1);
  }
  return text.slice(from);
}

function watFunction(wat: string, name: string): string | undefined {
  // At a line's start, so that an export's `(func $name)` reference does not match.
  const m = new RegExp(`^\\s*\\(func \\$${name.replace(/[^A-Za-z0-9_]/g, "\\$&")}[\\s)]`, "m").exec(wat);
  return m ? sexpr(wat, m.index + m[0].indexOf("(")) : undefined;
}

/** The function(s) qmc_run calls in a one-kernel wasm artifact: the kernel, as WAT. */
async function wasmKernel(bytes: Uint8Array): Promise<KernelCode> {
  const b = await loadBinaryen();
  const m = b.readBinary(bytes);
  let wat: string;
  try {
    wat = m.emitText();
  } finally {
    m.dispose();
  }
  const run = watFunction(wat, "qmc_run");
  if (!run) throw new QmcError("the wasm artifact has no qmc_run function in its name section");
  const called = [...new Set([...run.matchAll(/\(call \$([^\s)]+)/g)].map((x) => x[1]))];
  const sizes = functionBodySizes(bytes);
  const texts = called.map((name) => watFunction(wat, name) ?? `;; ${name}: not found`);
  const total = called.reduce((s, name) => s + (sizes.get(name) ?? 0), 0);
  return { language: "wat", text: texts.join("\n"), bytes: total };
}

export async function kernelCode(artifact: string | Uint8Array): Promise<KernelCode> {
  return typeof artifact === "string" ? scriptKernel(artifact) : wasmKernel(artifact);
}
