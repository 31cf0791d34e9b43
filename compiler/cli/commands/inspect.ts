import type { Command } from "commander";
import { describeKernel } from "../../../targets/shared/unsupported.js";
import { QmcError, terminalJson, terminalText } from "../../diagnostics.js";
import { type ModelSummary, summarizeModel } from "../../inspect/summary.js";
import type { Dim } from "../../ir/graph.js";
import { readModelFile } from "../../onnx/decode.js";
import { collectPassNotes, formatPassNotes, type PassNote } from "../../passes/notes.js";
import type { KernelPlan } from "../../plan/kernel-plan.js";
import { formatDeviceMemory, type PlanReport, planReport } from "../../plan/report.js";
import { type AlgorithmOptions, algorithmOptions, passOptions } from "../algorithm-options.js";
import { TARGETS } from "../compile-model.js";
import { guarded } from "../errors.js";
import { planModelFile } from "../load-plan.js";
import { type SizeOptions, sizeOptions, sizeRequest } from "../size-options.js";
import { emitTargets, supportTable, type TargetResult, targetList, targetsLacking } from "../target-support.js";
import { deploy, deviceMemory, parseByteCount, reportSize } from "./compile.js";

interface InspectOptions extends SizeOptions, AlgorithmOptions {
  json?: boolean;
  plan?: boolean;
  targets?: string;
  memoryBudget?: number;
}

export function registerInspect(program: Command): void {
  const command = program
    .command("inspect")
    .description(
      "describe a model: IR and opsets, inputs and outputs, ops, parameters, unsupported nodes; with --targets, every kernel each target cannot compile",
    )
    .argument("<model>", "an .onnx file")
    .option("--json", "print the summary as JSON")
    .option("--plan", "also compile it and print the kernel plan and the memory plan")
    .option(
      "--targets <targets>",
      `also check, per target (${[...TARGETS.keys()].join(", ")}), that every kernel compiles, and say why not`,
    )
    .option(
      "--memory-budget <bytes>",
      "with --plan: show the ES5 artifact's RAM at the largest tile that fits (e.g. 256KiB, 2MiB)",
      parseByteCount,
    );
  sizeOptions(
    algorithmOptions(command),
    "plan for this input size (default: as the model declares it; a symbolic size is shown at 64)",
  ).action((file: string, opts: InspectOptions) => guarded(() => inspect(file, opts)));
}

async function inspect(file: string, opts: InspectOptions): Promise<number> {
  if (opts.memoryBudget !== undefined && !opts.plan) throw new QmcError("--memory-budget needs --plan");
  const summary = summarizeModel(readModelFile(file));
  const targets = opts.targets === undefined ? undefined : targetList(opts.targets);
  const wantsPlan = opts.plan || targets !== undefined;
  // A model the planner refuses is still inspected: the refusal is what a user needs to see.
  let plan: KernelPlan | undefined;
  let planError: string | undefined;
  const notes: PassNote[] = [];
  if (wantsPlan && summary.unsupported.length === 0) {
    try {
      plan = collectPassNotes(notes, () => planModelFile(file, { ...sizeRequest(opts), ...passOptions(opts) })).plan;
    } catch (e) {
      if (!(e instanceof QmcError) || !targets) throw e;
      planError = e.message;
    }
  }
  const size = plan ? reportSize(plan) : undefined;
  const report = plan && opts.plan && size ? planReport(plan, size.h, size.w) : undefined;
  const device =
    plan && report ? deviceMemory(deploy(plan, { memoryBudget: opts.memoryBudget ?? null, weights: "inline" })) : null;
  const checks = plan && targets ? await emitTargets(plan, targets) : undefined;
  const support = targets ? targetSupport(targets, summary.unsupported.length, plan, planError, checks) : undefined;
  if (opts.json) {
    const json = {
      ...summary,
      ...(report ? { plan: { ...report, deviceMemory: device, unrecognised: notes } } : {}),
      ...(support ? { targets: support } : {}),
    };
    process.stdout.write(`${terminalJson(json, 2)}\n`);
  } else {
    let text = formatSummary(file, summary);
    if (report) text += formatPlan(report, targets ?? [...TARGETS.keys()]) + formatPassNotes(notes);
    if (device) text += printable(formatDeviceMemory(device));
    if (support && targets) text += formatSupport(support, targets, plan);
    process.stdout.write(text);
  }
  return 0;
}

interface TargetSupport {
  readonly target: string;
  /** Whether every kernel compiles for the target. */
  readonly ok: boolean;
  readonly kernels?: number;
  readonly problems: readonly { kernel: number; kind: string; nodes: readonly string[]; problem: string }[];
  /** Why nothing could be checked (the model has unsupported nodes, or cannot be planned). */
  readonly blocked?: string;
}

function targetSupport(
  targets: readonly string[],
  unsupportedNodes: number,
  plan: KernelPlan | undefined,
  planError: string | undefined,
  checks: readonly TargetResult[] | undefined,
): TargetSupport[] {
  const blocked =
    unsupportedNodes > 0
      ? `the model has ${unsupportedNodes} unsupported node(s), listed above`
      : (planError ?? (plan ? undefined : "not planned"));
  if (blocked || !checks || !plan) return targets.map((target) => ({ target, ok: false, problems: [], blocked }));
  return checks.map((c) => {
    if (!("message" in c)) return { target: c.target, ok: true, kernels: plan.kernels.length, problems: [] };
    const problems = c.problems.map((p) => ({ kernel: p.index, kind: p.kind, nodes: p.sources, problem: p.problem }));
    return problems.length
      ? { target: c.target, ok: false, kernels: plan.kernels.length, problems }
      : { target: c.target, ok: false, problems, blocked: c.message };
  });
}

function formatSupport(
  support: readonly TargetSupport[],
  targets: readonly string[],
  plan: KernelPlan | undefined,
): string {
  const lines: string[] = [];
  if (plan) {
    const kinds = [...new Set(plan.kernels.map((k) => k.kind))].sort();
    lines.push(`  kernel kinds x targets (${kinds.length} kinds in this model's plan):`);
    for (const row of supportTable(kinds, targets, false).trimEnd().split("\n")) lines.push(`    ${row}`);
  }
  for (const s of support) {
    if (s.ok) lines.push(`  ${s.target}: all ${s.kernels} kernels compile`);
    else if (s.blocked) lines.push(`  ${s.target}: cannot check: ${s.blocked}`);
    else {
      lines.push(`  ${s.target}: ${s.problems.length} of ${s.kernels} kernels cannot be compiled:`);
      for (const p of s.problems)
        lines.push(`    ${describeKernel({ index: p.kernel, kind: p.kind, sources: p.nodes })}: ${p.problem}`);
    }
  }
  return printable(lines);
}

/** The kernel and memory plans; a kernel that some of `targets` cannot emit says which. */
export function formatPlan(r: PlanReport, targets: readonly string[]): string {
  const lines = [`  kernel plan (${r.kernels.length} kernels, ${fmt(r.constantBytes)} constant bytes):`];
  const nw = Math.max(...r.kernels.map((k) => k.name.length));
  r.kernels.forEach((k) => {
    const bytes = k.constantBytes ? `  ${fmt(k.constantBytes)} B` : "";
    const lacking = targetsLacking(k.kind, targets);
    const note =
      lacking.length === 0
        ? ""
        : lacking.length === targets.length
          ? "  [no target can emit this kind]"
          : `  [not on ${lacking.join(", ")}]`;
    lines.push(`    ${k.name.padEnd(nw)}  ${k.arithmetic}${bytes}${note}`);
  });
  const m = r.sizeMultiple;
  if (m.h !== 1 || m.w !== 1) {
    lines.push(
      `  input height and width: multiples of ${m.h} and ${m.w} (the runtime pads other sizes at the bottom and right); other sizes fail: ${m.why}`,
    );
  }
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
  return printable(lines);
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
    const names = list.map((v) => terminalText(v.name));
    const w = Math.max(0, ...names.map((n) => n.length));
    list.forEach((v, i) => {
      lines.push(`    ${names[i].padEnd(w)}  ${v.dtype ?? "?"} ${shapeText(v.shape)}`);
    });
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
  return printable(lines);
}

/**
 * Lines for the terminal. Each holds model strings (names, producer, domains, the file's path),
 * escaped here whole, line breaks too: a name cannot move the cursor or start a line of its own.
 */
function printable(lines: readonly string[]): string {
  return `${lines.map(terminalText).join("\n")}\n`;
}
