import type { BenchReport } from "./bench-model.js";

/** Milliseconds with three significant digits or so: 362, 25.9, 1.23. */
export const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

const bytes = (n: number) => n.toLocaleString("en-US");

/** Columns padded to their widest cell; the numbers (the columns `right` marks) aligned right. */
function columns(rows: readonly (readonly string[])[], right: (column: number) => boolean): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (right(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}

/** The header: when, how, on what, with which versions, on which model and input. */
export function headerLines(r: BenchReport): string[] {
  const m = r.machine;
  const ort = (["onnxruntime-node", "onnxruntime-web"] as const)
    .filter((f) => r.versions[f])
    .map((f) => `, ${f} ${r.versions[f]}`)
    .join("");
  const model = r.model.kernels
    ? `${r.model.file} (sha256 ${r.model.sha256.slice(0, 16)}, ${r.model.kernels} kernels, packed weights ${bytes(r.model.weightBytes ?? 0)} bytes)`
    : `${r.model.file} (sha256 ${r.model.sha256.slice(0, 16)}, a compiled artifact)`;
  const { warmups, minRounds, maxRounds, budgetMs } = r.window;
  const rounds = r.contenders[0]?.runs ?? 0;
  const window =
    minRounds === maxRounds
      ? `${rounds} rounds`
      : `${rounds} rounds (at least ${minRounds}, more within ${budgetMs / 1000} s, at most ${maxRounds})`;
  return [
    `date:     ${r.date}`,
    `command:  ${r.command}`,
    `machine:  ${m.host}, ${m.cpu} x ${m.cores}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.platform}, load ${m.load.join(" ")}`,
    `software: Node ${m.node} (V8 ${m.v8}${m.nodeFlags.length ? `, ${m.nodeFlags.join(" ")}` : ""}), qmc ${r.versions.qmc}${ort}`,
    `model:    ${model}`,
    ...(r.peer ? [`peer:     ${r.peer.file} (sha256 ${r.peer.sha256.slice(0, 16)}, ${r.peer.source})`] : []),
    `input:    ${r.input.h}x${r.input.w}, ${r.input.channels} channel${r.input.channels > 1 ? "s" : ""}, the middle of ${r.input.photo}`,
    `threads:  ${r.threads}${r.tile ? ` (qmc restores ${r.tile} px tiles on a worker pool)` : ""}`,
    `timing:   ${warmups} warm-up round${warmups === 1 ? "" : "s"}, then ${window}, each running every contender once, in rotated order`,
  ];
}

/** The contenders' medians with min and max, then every pair's ratio. */
export function resultLines(r: BenchReport): string[] {
  const table = columns(
    [
      ["contender", "median ms", "min ms", "max ms", "runs"],
      ...r.contenders.map((c) => [c.label, ms(c.medianMs), ms(c.minMs), ms(c.maxMs), String(c.runs)]),
    ],
    (i) => i > 0,
  );
  const ratios = columns(
    r.ratios.map((p) => {
      const faster = p.ratio <= 1 ? p.a : p.b;
      const by = p.ratio <= 1 ? 1 / p.ratio : p.ratio;
      return [`${p.a} / ${p.b}`, `${p.ratio.toFixed(3)}`, `(${faster} ${by.toFixed(2)}x faster)`];
    }),
    (i) => i === 1,
  );
  return [...table, ...(ratios.length ? ["", "time ratios (median / median):", ...ratios] : [])];
}

export function reportText(r: BenchReport): string {
  return `${[...headerLines(r), "", ...resultLines(r)].join("\n")}\n`;
}
