/**
 * Where a model's time goes: every kernel of the plan timed on its own (a one-kernel artifact, as
 * bench/kernels.ts times the integer kernels and scans, on the activations the reference records for
 * the sample photo), grouped by kind and by specialisation, beside the whole model. Times are the
 * process's CPU time per run (median): on a shared machine whose load exceeds its cores, wall time
 * mostly measures the wait for a core.
 *
 *   node --experimental-wasm-relaxed-simd --no-liftoff --import tsx bench/profile.ts MODEL.onnx [--size 64] [--target wasm-simd] [--top 40] [--conv-algorithm direct|auto]
 */
import { parseArgs } from "node:util";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { QmcError } from "../compiler/diagnostics.js";
import { loadRawArtifact } from "../compiler/diff/raw-artifact.js";
import { noiseImage, recordValues } from "../compiler/diff/record.js";
import { runKernel } from "../compiler/diff/run-kernel.js";
import { extractKernel } from "../compiler/plan/extract-kernel.js";
import { samplePhoto } from "./photo.js";
import { emitFor } from "./qmc-target.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: "string", default: "64" },
    target: { type: "string", default: "wasm-simd" },
    top: { type: "string", default: "40" },
    "budget-ms": { type: "string", default: "1000" },
    "conv-algorithm": { type: "string", default: "auto" },
  },
});
const file = positionals[0];
if (!file) throw new QmcError("usage: bench/profile.ts MODEL.onnx [--size N] [--target T] [--top N] [--budget-ms N]");
const size = Number(values.size);
const target = values.target ?? "wasm-simd";
const budgetMs = Number(values["budget-ms"]);
const convAlgorithm = values["conv-algorithm"];
if (convAlgorithm !== "direct" && convAlgorithm !== "auto") throw new QmcError("--conv-algorithm: direct or auto");

/** Median CPU milliseconds of `run` over at least 3 runs, more within the budget (after one warmup). */
function cpuMs(run: () => void, budget: number): number {
  run();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (times.length < 200 && performance.now() - start < budget)) {
    const before = process.cpuUsage();
    run();
    const spent = process.cpuUsage(before);
    times.push((spent.user + spent.system) / 1000);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}

const { plan, compiled } = planModelFile(file, { convAlgorithm });
const whole = await loadRawArtifact(await emitFor(target, plan), target);
whole.prepare(size, size);
const input = noiseImage(plan.model.inChannels, size, size);
new Float32Array(whole.memory(), whole.inputOffset(), input.size).set(input.values);
const wholeMs = cpuMs(() => whole.run(), 4 * budgetMs);

const recorded = recordValues(compiled, samplePhoto(plan.model.inChannels, size, size));
// Kernels of one specialisation and shapes are timed once, on the first one's inputs.
const groups = new Map<string, { index: number; count: number }>();
plan.kernels.forEach((k, index) => {
  const key = `${k.name.replace(/^k\d+_/, "")} ${JSON.stringify(k.inputShapes)}`;
  const g = groups.get(key) ?? { index, count: 0 };
  g.count++;
  groups.set(key, g);
});
const timed: { name: string; kind: string; count: number; ms: number }[] = [];
for (const { index, count } of groups.values()) {
  const one = extractKernel(plan, index);
  const art = await loadRawArtifact(await emitFor(target, one), target);
  runKernel(art, one, size, size, (b) => {
    const t = recorded.get(b.name);
    if (!t) throw new QmcError(`the reference run recorded no value '${b.name}'`);
    return t;
  });
  const k = plan.kernels[index];
  timed.push({ name: k.name.replace(/^k\d+_/, ""), kind: k.kind, count, ms: cpuMs(() => art.run(), budgetMs) });
}
const total = timed.reduce((s, t) => s + t.ms * t.count, 0);
const f = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(3));
const share = (ms: number) => `${((100 * ms) / total).toFixed(1)}%`;
console.log(`${file} at ${size}x${size} on ${target}, CPU ms per run: whole model ${f(wholeMs)}`);
console.log(`kernels alone sum to ${f(total)} (${plan.kernels.length} kernels, ${timed.length} distinct)`);
const byKind = new Map<string, { count: number; ms: number }>();
for (const t of timed) {
  const s = byKind.get(t.kind) ?? { count: 0, ms: 0 };
  s.count += t.count;
  s.ms += t.ms * t.count;
  byKind.set(t.kind, s);
}
console.log("\n| kind | kernels | ms | share |\n|---|---|---|---|");
for (const [kind, s] of [...byKind].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`| ${kind} | ${s.count} | ${f(s.ms)} | ${share(s.ms)} |`);
}
console.log("\n| kernel | count | ms per call | total ms | share |\n|---|---|---|---|---|");
for (const t of [...timed].sort((a, b) => b.ms * b.count - a.ms * a.count).slice(0, Number(values.top))) {
  console.log(`| \`${t.name}\` | ${t.count} | ${f(t.ms)} | ${f(t.ms * t.count)} | ${share(t.ms * t.count)} |`);
}
