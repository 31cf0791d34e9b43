import type { KernelComparison, KernelRow } from "./kernel-check.js";
import type { NodeComparison, NodeRow } from "./per-node.js";
import type { Location, ValueErrors } from "./value-errors.js";

function exp(x: number): string {
  return Number.isNaN(x) ? "-" : x.toExponential(3);
}

function where(at: Location | null): string {
  if (!at) return "";
  const names = at.coords.length === 4 ? ["n", "c", "h", "w"] : undefined;
  const coords = names ? `(${at.coords.map((c, k) => `${names[k]}=${c}`).join(", ")})` : `[${at.coords.join(", ")}]`;
  return ` at index ${at.index} ${coords}`;
}

/** Columns padded to their widest cell; numbers right-aligned. */
function table(head: readonly string[], rows: readonly string[][], right: ReadonlySet<number>): string {
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return `${all.map(line).join("\n")}\n`;
}

const ERROR_HEAD = ["max abs", "max rel", "mismatched", ""];

function errorCells(r: ValueErrors): string[] {
  return [
    exp(r.maxAbs),
    exp(r.maxRel),
    `${r.mismatches}/${r.total}`,
    r.ok ? "PASS" : `FAIL${r.reason ? ` ${r.reason}` : ""}`,
  ];
}

/** The statistics of a divergent value, on one line. */
function divergence(r: ValueErrors): string {
  if (r.reason) return r.reason;
  return `max abs error ${exp(r.maxAbs)}${where(r.at)}, mean abs error ${exp(r.meanAbs)}, ${r.mismatches} of ${r.total} elements over tolerance`;
}

function nodeName(r: NodeRow): string {
  return r.node ? `'${r.node}'` : "(unnamed)";
}

export function formatNodes(c: NodeComparison, dir: string): string {
  const rows = c.rows.map((r) => [r.node || "(unnamed)", r.op, r.output, ...errorCells(r)]);
  const head = `per node: reference interpreter vs onnxruntime intermediates in ${dir}\n`;
  const uncovered = c.uncovered ? `; ${c.uncovered} float output(s) have no intermediate` : "";
  const verdict = c.first
    ? `first divergence: node ${nodeName(c.first)} (${c.first.op}), output '${c.first.output}': ${divergence(c.first)}`
    : `no node output diverges beyond tolerance (${c.rows.length} compared${uncovered})`;
  return `${head}${table(["node", "op", "output", ...ERROR_HEAD], rows, new Set([3, 4, 5]))}${verdict}\n`;
}

function sources(r: KernelRow): string {
  return r.sources.map((s) => `'${s}'`).join(", ") || "(none)";
}

export function formatKernels(c: KernelComparison): string {
  const rows = c.rows.map((r) => [`#${r.index} ${r.kernel}`, r.kind, r.output, ...errorCells(r)]);
  const head = `per kernel: ${c.target}, each kernel alone on the reference's inputs, vs the reference interpreter\n`;
  const f = c.first;
  const verdict = f
    ? `first divergence: kernel #${f.index} ${f.kernel} (${f.kind}) from ONNX node(s) ${sources(f)}, output '${f.output}': ${divergence(f)}`
    : `no kernel output diverges beyond tolerance (${c.rows.length} compared)`;
  return `${head}${table(["kernel", "kind", "output", ...ERROR_HEAD], rows, new Set([3, 4, 5]))}${verdict}\n`;
}

/** The whole artifact's output against the reference interpreter's on the compiled graph. */
export function formatWholeArtifact(e: ValueErrors): string {
  const verdict = e.ok ? "PASS" : "FAIL";
  return `whole artifact vs the reference interpreter on the compiled graph: ${verdict}, ${divergence(e)}\n`;
}
