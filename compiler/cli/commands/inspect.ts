import type { Command } from "commander";
import { type ModelSummary, summarizeModel } from "../../inspect/summary.js";
import type { Dim } from "../../ir/graph.js";
import { readModelFile } from "../../onnx/decode.js";
import { guarded } from "../errors.js";

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description("describe a model: IR and opsets, inputs and outputs, ops, parameters, unsupported nodes")
    .argument("<model>", "an .onnx file")
    .option("--json", "print the summary as JSON")
    .action((file: string, opts: { json?: boolean }) =>
      guarded(() => {
        const summary = summarizeModel(readModelFile(file));
        process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(file, summary));
        return 0;
      }),
    );
}

const fmt = (n: number) => n.toLocaleString("en-US");
const shapeText = (s: Dim[] | null) => (s ? `[${s.map((d) => d ?? "?").join(", ")}]` : "[unknown rank]");

export function formatSummary(file: string, s: ModelSummary): string {
  const lines = [file];
  lines.push(`  IR version ${s.irVersion}${s.producer ? `, producer ${s.producer}` : ""}`);
  lines.push(
    `  opsets: ${Object.entries(s.opsets)
      .map(([d, v]) => `${d} ${v}`)
      .join(", ")}`,
  );
  const values = (title: string, list: ModelSummary["inputs"]) => {
    lines.push(`  ${title}:`);
    const w = Math.max(0, ...list.map((v) => v.name.length));
    for (const v of list) lines.push(`    ${v.name.padEnd(w)}  ${v.dtype ?? "?"} ${shapeText(v.shape)}`);
  };
  values("inputs", s.inputs);
  values("outputs", s.outputs);
  lines.push(`  nodes: ${fmt(s.nodeCount)}`);
  for (const [domain, ops] of Object.entries(s.ops)) {
    const sorted = Object.entries(ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    lines.push(`    ${domain}: ${sorted.map(([op, n]) => `${op} ${n}`).join(", ")}`);
  }
  lines.push(`  parameters: ${fmt(s.parameters.count)} values, ${fmt(s.parameters.bytes)} bytes`);
  for (const [dtype, p] of Object.entries(s.parameters.byDType)) {
    lines.push(`    ${dtype}: ${fmt(p.count)} values, ${fmt(p.bytes)} bytes`);
  }
  const custom = Object.entries(s.customDomains);
  lines.push(
    `  custom-domain ops: ${custom.length ? custom.map(([d, ops]) => `${d} (${ops.join(", ")})`).join("; ") : "none"}`,
  );
  if (s.inlinedFunctions.length) lines.push(`  inlined functions: ${s.inlinedFunctions.join(", ")}`);
  if (s.unsupported.length === 0) lines.push("  unsupported nodes: none");
  else {
    lines.push(`  unsupported nodes: ${s.unsupported.length}`);
    for (const u of s.unsupported) {
      lines.push(
        `    ${u.node ? `'${u.node}'` : "(unnamed)"}  op ${u.op}  domain ${u.domain}  opset ${u.opset ?? "-"}: ${u.problem}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
