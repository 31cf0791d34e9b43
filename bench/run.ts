import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, hostname, totalmem } from "node:os";
import { basename, dirname, join } from "node:path";
import { TARGETS } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { recordValues } from "../compiler/diff/record.js";
import { constantBytes } from "../compiler/plan/kernel-plan.js";
import { benchFloatConv, type FloatConvResults, floatConvReport } from "./float-conv.js";
import { benchKernelGroup, integerMacs, type KernelGroupResult, scanUpdates } from "./kernels.js";
import { fmt, table } from "./markdown.js";
import { benchOrt, type OrtFlavour } from "./ort.js";
import { measurePeaks, type Peaks } from "./peak.js";
import { samplePhoto } from "./photo.js";
import { benchTarget, type TargetResult } from "./qmc-target.js";
import { ARTIFACT_SLACK, sampleSizes, sizesTable } from "./sizes.js";
import type { Timing } from "./time.js";

/**
 * `npm run bench [-- [--skip-ort] [--sizes-only | --float-only] extra.onnx ...]`: every qmc target
 * on the light-SR-structure benchmark model and the tiny W4A4 SR model (samples/models/), against
 * onnxruntime on their standard-ops exports (unless --skip-ort), plus integer-kernel throughput
 * against the measured wasm-SIMD peak and scan state updates per second; then the float conv
 * networks (bench/float-conv.ts; alone with --float-only); then every sample model's .wasm sizes
 * against its packed weights (alone with --sizes-only, which times nothing). Prints one markdown
 * report and writes it to bench/results/<date>-<host>[-float|-sizes].md (+ .json).
 */

const SIZE = { h: 64, w: 64 };
/** The float conv section's targets: js would take minutes a run at 256x256. */
const FLOAT_TARGETS = ["wasm-simd", "wasm-relaxed", "wasm"];
const ROOT = join(import.meta.dirname, "..");
const SAMPLES = join(ROOT, "samples", "models");

interface ModelBench {
  readonly name: string;
  readonly file: string;
  readonly role: string;
  readonly kernels: number;
  readonly weightBytes: number;
  readonly targets: readonly (TargetResult | { target: string; skipped: string })[];
  readonly ort: readonly { flavour: OrtFlavour; result: Timing | { skipped: string } }[];
  readonly kernelTarget: string;
  readonly integer: KernelGroupResult;
  readonly scan: KernelGroupResult;
}

/** The issue's two models: the light-SR-structure benchmark model and the tiny W4A4 SR model. */
const DEFAULT_MODELS = [
  { dir: "qmambair-light-sr2-w4a4", role: "benchmark (light SR structure)" },
  { dir: "qmambair-tiny-sr2-w4a4", role: "tiny SR" },
];

function findModels(extra: readonly string[]): { file: string; role: string }[] {
  const found = DEFAULT_MODELS.map(({ dir, role }) => ({ file: join(SAMPLES, dir, "model.onnx"), role })).filter((m) =>
    existsSync(m.file),
  );
  return [...found, ...extra.map((file) => ({ file, role: "given on the command line" }))];
}

async function benchModel(
  file: string,
  role: string,
  withOrt: boolean,
  progress: (s: string) => void,
): Promise<ModelBench> {
  const { plan, compiled } = planModelFile(file);
  const { h, w } = SIZE;
  const targets: ModelBench["targets"][number][] = [];
  for (const target of TARGETS.keys()) {
    progress(`${plan.model.name}: ${target}`);
    try {
      targets.push(await benchTarget(target, plan, h, w));
    } catch (e) {
      targets.push({ target, skipped: (e as Error).message.split("\n")[0] });
    }
  }
  const std = join(dirname(file), basename(file).replace(/\.onnx$/, ".std.onnx"));
  const ort: ModelBench["ort"][number][] = [];
  for (const flavour of ["onnxruntime-node", "onnxruntime-web"] as const) {
    progress(`${plan.model.name}: ${flavour}`);
    ort.push({
      flavour,
      result: !withOrt
        ? { skipped: "--skip-ort" }
        : existsSync(std)
          ? await benchOrt(flavour, std, plan.model.inChannels, h, w)
          : { skipped: `no standard-ops export ${basename(std)} next to the model` },
    });
  }
  const kernelTarget = TARGETS.has("wasm-simd") ? "wasm-simd" : "js";
  progress(`${plan.model.name}: recording the reference's activations of the sample photo`);
  const values = recordValues(compiled, samplePhoto(plan.model.inChannels, h, w));
  progress(`${plan.model.name}: integer kernels and scans on ${kernelTarget}`);
  const integer = await benchKernelGroup(kernelTarget, plan, values, h, w, (k) => integerMacs(plan, k, h, w));
  const scan = await benchKernelGroup(kernelTarget, plan, values, h, w, (k) => scanUpdates(k, h, w));
  return {
    name: modelLabel(file),
    file,
    role,
    kernels: plan.kernels.length,
    weightBytes: constantBytes(plan),
    targets,
    ort,
    kernelTarget,
    integer,
    scan,
  };
}

/** A sample model by its folder (every one is a model.onnx), any other file by its name. */
function modelLabel(file: string): string {
  return basename(file) === "model.onnx" ? basename(dirname(file)) : basename(file, ".onnx");
}

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function timed(r: ModelBench, target: string): number | undefined {
  const t = r.targets.find((x) => x.target === target);
  return t && "timing" in t ? t.timing.medianMs : undefined;
}

function goal(name: string, value: number | undefined, threshold: number, unit: string): string {
  if (value === undefined) return `- ${name}: not measured (target missing)`;
  return `- ${name}: ${value.toFixed(2)}${unit} (goal >= ${threshold}${unit}) ${value >= threshold ? "MET" : "NOT MET"}`;
}

/** The issue's numbers for every model in one table: medians, the two ratios, integer rate, scan rate. */
function summary(results: readonly ModelBench[], peaks: Peaks): string[] {
  const targets = [...TARGETS.keys()];
  const ort = (r: ModelBench, flavour: OrtFlavour) => {
    const o = r.ort.find((x) => x.flavour === flavour)?.result;
    return o && "medianMs" in o ? ms(o.medianMs) : "-";
  };
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}x` : "-");
  return [
    "## Summary",
    "",
    ...table(
      [
        "model",
        ...targets.map((t) => `${t} ms`),
        "ort-node ms",
        "ort-web ms",
        "wasm-simd vs wasm",
        "wasm-simd vs js",
        "integer GMAC/s (vs peak)",
        "scan updates/s",
      ],
      results.map((r) => {
        const gmacs = r.integer.work / (r.integer.ms / 1000) / 1e9;
        const simd = timed(r, "wasm-simd");
        return [
          r.name,
          ...targets.map((t) => {
            const m = timed(r, t);
            return m === undefined ? "-" : ms(m);
          }),
          ort(r, "onnxruntime-node"),
          ort(r, "onnxruntime-web"),
          ratio(timed(r, "wasm"), simd),
          ratio(timed(r, "js"), simd),
          `${gmacs.toFixed(2)} (${((100 * gmacs) / peaks.int8DotGmacs).toFixed(1)}%)`,
          r.scan.ms > 0 ? `${(r.scan.work / (r.scan.ms / 1000) / 1e9).toFixed(2)} G` : "-",
        ];
      }),
    ),
    "",
    "Goals: wasm-simd at least 3x faster than wasm and 10x faster than js; integer kernels at 50% of the measured i32x4.dot_i16x8_s peak or more. Each model's section below has the details.",
    "",
  ];
}

function modelReport(r: ModelBench, peaks: Peaks): string[] {
  const js = timed(r, "js");
  const wasm = timed(r, "wasm");
  const lines = [
    `## ${r.name} (${r.role})`,
    "",
    `\`${r.file}\`, ${r.kernels} kernels, input ${SIZE.h}x${SIZE.w}, packed weights ${fmt(r.weightBytes)} bytes`,
    "",
  ];
  const rows = r.targets.map((t) => {
    if ("skipped" in t) return [t.target, "skipped", "", "", "", "", "", "", "", t.skipped];
    const m = t.timing.medianMs;
    const isWasm = t.target.startsWith("wasm");
    const overhead = t.artifactBytes - r.weightBytes;
    return [
      t.target,
      ms(m),
      String(t.timing.runs),
      js ? `${(js / m).toFixed(2)}x` : "",
      wasm ? `${(wasm / m).toFixed(2)}x` : "",
      fmt(t.artifactBytes),
      `${overhead >= 0 ? "+" : ""}${fmt(overhead)}${isWasm ? (overhead <= ARTIFACT_SLACK ? " (<= 150 KiB: ok)" : " (> 150 KiB: OVER)") : ""}`,
      fmt(t.memoryBytes),
      fmt(t.arenaBytes),
      "",
    ];
  });
  for (const o of r.ort) {
    const label =
      o.flavour === "onnxruntime-node"
        ? "onnxruntime-node (native CPU, 1 thread)"
        : "onnxruntime-web (wasm SIMD, 1 thread)";
    if ("skipped" in o.result) rows.push([label, "skipped", "", "", "", "", "", "", "", o.result.skipped]);
    else {
      const m = o.result.medianMs;
      rows.push([
        label,
        ms(m),
        String(o.result.runs),
        js ? `${(js / m).toFixed(2)}x` : "",
        wasm ? `${(wasm / m).toFixed(2)}x` : "",
        "",
        "",
        "",
        "",
        "std export",
      ]);
    }
  }
  lines.push(
    ...table(
      [
        "target",
        "median ms",
        "runs",
        "speed vs js",
        "speed vs wasm",
        "artifact bytes",
        "artifact - weights",
        "memory bytes",
        "plan arena bytes",
        "note",
      ],
      rows,
    ),
  );
  const gmacs = r.integer.work / (r.integer.ms / 1000) / 1e9;
  const updates = r.scan.work / (r.scan.ms / 1000);
  lines.push(
    "",
    `Kernels timed in isolation (one-kernel artifacts, target ${r.kernelTarget}, inputs: the activations the reference interpreter records for a ${SIZE.h}x${SIZE.w} crop of samples/images/flower-96x96.png; identical specialisations timed once, on the first one's inputs):`,
    "",
    ...table(
      ["group", "kernels (distinct)", "work at 64x64", "time ms", "rate", "vs peak"],
      [
        [
          "integer (QConv, QMatMul)",
          `${r.integer.kernels} (${r.integer.distinct})`,
          `${fmt(r.integer.work)} MAC`,
          ms(r.integer.ms),
          `${gmacs.toFixed(2)} GMAC/s`,
          `${((100 * gmacs) / peaks.int8DotGmacs).toFixed(1)}% of ${peaks.int8DotGmacs.toFixed(1)}`,
        ],
        [
          "selective scans",
          `${r.scan.kernels} (${r.scan.distinct})`,
          `${fmt(r.scan.work)} updates`,
          ms(r.scan.ms),
          r.scan.ms > 0 ? `${(updates / 1e6).toFixed(1)} M updates/s` : "",
          "",
        ],
      ],
    ),
    "",
    "Integer kernels one by one (a call's median; the share of the group's time is the count times it):",
    "",
    ...table(
      ["kernel", "count", "ms per call", "share", "GMAC/s", "vs peak"],
      [...r.integer.each]
        .sort((a, b) => b.ms * b.count - a.ms * a.count)
        .map((k) => {
          const rate = k.work / (k.ms / 1000) / 1e9;
          return [
            `\`${k.name}\``,
            String(k.count),
            ms(k.ms),
            `${((100 * k.ms * k.count) / r.integer.ms).toFixed(0)}%`,
            rate.toFixed(2),
            `${((100 * rate) / peaks.int8DotGmacs).toFixed(0)}%`,
          ];
        }),
    ),
    "",
    "Goals:",
    goal(
      "wasm-simd speed vs wasm",
      wasm && timed(r, "wasm-simd") ? wasm / (timed(r, "wasm-simd") as number) : undefined,
      3,
      "x",
    ),
    goal(
      "wasm-simd speed vs js",
      js && timed(r, "wasm-simd") ? js / (timed(r, "wasm-simd") as number) : undefined,
      10,
      "x",
    ),
    goal(
      "integer kernels vs int8 dot peak",
      r.kernelTarget === "wasm-simd" ? (100 * gmacs) / peaks.int8DotGmacs : undefined,
      50,
      "%",
    ),
    "",
  );
  return lines;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const withOrt = !args.includes("--skip-ort");
  const sizesOnly = args.includes("--sizes-only");
  const floatOnly = args.includes("--float-only");
  const extra = args.filter((a) => !["--skip-ort", "--sizes-only", "--float-only"].includes(a));
  const progress = (s: string) => process.stderr.write(`bench: ${s}\n`);
  const started = new Date();
  const results: ModelBench[] = [];
  let peaks: Peaks | undefined;
  let float: FloatConvResults | undefined;
  if (!sizesOnly && !floatOnly) {
    progress("measuring the wasm SIMD peaks");
    peaks = await measurePeaks();
    for (const m of findModels(extra)) results.push(await benchModel(m.file, m.role, withOrt, progress));
  }
  if (!sizesOnly) float = await benchFloatConv(SAMPLES, FLOAT_TARGETS, withOrt, progress);
  const sizes = floatOnly ? [] : await sampleSizes(SAMPLES, progress);
  const cpu = cpus();
  const header = [
    `# qmc benchmark, ${started.toISOString()}`,
    "",
    `Command: \`npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}\` (node --experimental-wasm-relaxed-simd --no-liftoff --import tsx bench/run.ts)${peaks ? "; medians of timed runs after one warmup (performance.now()): at least 3 runs, more within 10 s, at most 50" : ""}.`,
    `Machine: ${hostname()}, ${cpu[0]?.model ?? "unknown CPU"} x ${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version} (V8 ${process.versions.v8}), ${process.platform}/${process.arch}.`,
    ...(peaks
      ? [
          `Targets: ${[...TARGETS.keys()].join(", ")}. Input ${SIZE.h}x${SIZE.w}, one run of the whole model per timing (qmc_run; prepare not timed).`,
          `Measured wasm SIMD peaks: i32x4.dot_i16x8_s ${peaks.int8DotGmacs.toFixed(1)} GMAC/s; f32x4 mul+add ${peaks.f32Gflops.toFixed(1)} GFLOP/s.`,
        ]
      : []),
    "",
  ];
  const missing: string[] = [];
  const main = !sizesOnly && !floatOnly;
  if (main && !results.some((r) => r.role.startsWith("benchmark")))
    missing.push("the light-SR-structure benchmark model (samples/models/*light*/model.onnx) is not there yet");
  if (main && !results.some((r) => r.role === "tiny SR"))
    missing.push("the tiny SR model (samples/models/*tiny*/model.onnx) is not there yet");
  const body = [
    ...header,
    ...missing.map((m) => `NOTE: ${m}.`),
    ...(missing.length ? [""] : []),
    ...(peaks && results.length ? [...summary(results, peaks), ...results.flatMap((r) => modelReport(r, peaks))] : []),
    ...(float ? floatConvReport(float) : []),
    ...(floatOnly
      ? []
      : [
          "## Artifact sizes, every sample model",
          "",
          "Packed weights are the plan's constant bytes; each .wasm must stay within them plus 150 KiB (153,600 bytes).",
          "",
          ...sizesTable(sizes),
        ]),
  ];
  const text = `${body.join("\n")}\n`;
  process.stdout.write(text);
  const stem = `${started.toISOString().slice(0, 10)}-${hostname()}${sizesOnly ? "-sizes" : floatOnly ? "-float" : ""}`;
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${stem}.md`), text);
  writeFileSync(
    join(dir, `${stem}.json`),
    `${JSON.stringify({ started, peaks, size: SIZE, models: results, float, sizes }, null, 2)}\n`,
  );
  progress(`written to bench/results/${stem}.md and .json`);
}

await main();
