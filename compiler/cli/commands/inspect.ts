import { type Command, InvalidArgumentError } from "commander";
import { type ModelSummary, summarizeModel } from "../../inspect/summary.js";
import type { Dim } from "../../ir/graph.js";
import { readModelFile } from "../../onnx/decode.js";
import { type PlanReport, planReport } from "../../plan/report.js";
import { guarded } from "../errors.js";
import { planModelFile } from "../load-plan.js";

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description("describe a model: IR and opsets, inputs and outputs, ops, parameters, unsupported nodes")
    .argument("<model>", "an .onnx file")
    .option("--json", "print the summary as JSON")
    .option("--plan", "also compile it and print the kernel plan and the memory plan")
    .option("--size <HxW>", "input size the memory plan is shown for (with --plan)", parseSize, { h: 64, w: 64 })
    .action((file: string, opts: { json?: boolean; plan?: boolean; size: { h: number; w: number } }) =>
      guarded(() => {
        const summary = summarizeModel(readModelFile(file));
        const report = opts.plan ? planReport(planModelFile(file).plan, opts.size.h, opts.size.w) : undefined;
        if (opts.json)
          process.stdout.write(`${JSON.stringify(report ? { ...summary, plan: report } : summary, null, 2)}\n`);
        else process.stdout.write(formatSummary(file, summary) + (report ? formatPlan(report) : ""));
        return 0;
      }),
    );
}

export function formatPlan(r: PlanReport): string {
  const lines = [`  kernel plan (${r.kernels.length} kernels, ${fmt(r.constantBytes)} constant bytes):`];
  const nw = Math.max(...r.kernels.map((k) => k.name.length));
  r.kernels.forEach((k) => {
    const bytes = k.constantBytes ? `  ${fmt(k.constantBytes)} B` : "";
    lines.push(`    ${k.name.padEnd(nw)}  ${k.arithmetic}${bytes}`);
  });
  lines.push(`  memory plan at ${r.size.h}x${r.size.w} (greedy by size; offset, bytes, live kernels, shape):`);
  const sorted = [...r.buffers].sort((a, b) => a.offset - b.offset || a.id - b.id);
  for (const b of sorted) {
    lines.push(
      `    @${fmt(b.offset).padStart(12)}  ${fmt(b.bytes).padStart(11)} B  k${b.live[0]}..k${b.live[1]}  [${b.shape.join(", ")}]  ${b.name}`,
    );
  }
  const ratio = (r.arenaBytes / Math.max(1, r.liveBytesBound)).toFixed(3);
  lines.push(
    `  arena: ${fmt(r.arenaBytes)} bytes; largest simultaneously live: ${fmt(r.liveBytesBound)} bytes (ratio ${ratio})`,
  );
  return `${lines.join("\n")}\n`;
}

export function parseSize(value: string): { h: number; w: number } {
  const m = /^(\d+)x(\d+)$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1)
    throw new InvalidArgumentError(`'${value}' is not a size HxW such as 64x64.`);
  return { h: Number(m[1]), w: Number(m[2]) };
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
