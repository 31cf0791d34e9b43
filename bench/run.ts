import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, hostname, totalmem } from "node:os";
import { basename, dirname, join } from "node:path";
import { type BenchReport, benchModel } from "../compiler/cli/bench/bench-model.js";
import type { OrtFlavour } from "../compiler/cli/bench/onnxruntime.js";
import { stdExportOf } from "../compiler/cli/bench/peer-model.js";
import { ms } from "../compiler/cli/bench/report.js";
import { TARGETS } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { recordValues } from "../compiler/diff/record.js";
import { arenaBytes } from "../targets/shared/meta.js";
import { benchFloatConv, type FloatConvResults, floatConvReport } from "./float-conv.js";
import { benchKernelGroup, integerMacs, type KernelGroupResult, scanUpdates } from "./kernels.js";
import { fmt, table } from "./markdown.js";
import { measurePeaks, type Peaks } from "./peak.js";
import { samplePhoto } from "./photo.js";
import { ARTIFACT_SLACK, sampleSizes, sizesTable } from "./sizes.js";

/**
 * `npm run bench [-- [--skip-ort] [--sizes-only | --float-only] extra.onnx ...]`: every qmc target
 * on the light-SR-structure benchmark model and the tiny W4A4 SR model (samples/models/), against
 * onnxruntime on their standard-ops exports (unless --skip-ort), timed side by side by `qmc bench`'s
 * code (compiler/cli/bench/; each model's section names the equivalent `qmc bench` command), plus
 * integer-kernel throughput against the measured wasm-SIMD peak and scan state updates per second;
 * then the float conv networks (bench/float-conv.ts; alone with --float-only); then every sample
 * model's .wasm sizes against its packed weights (alone with --sizes-only, which times nothing).
 * Prints one markdown report and writes it to bench/results/<date>-<host>[-float|-sizes].md (+ .json).
 */

const SIZE = { h: 64, w: 64 };
/** Longer than qmc bench's default: a round of every target on the light model takes most of a minute. */
const BUDGET_S = 20;
const ORT: readonly OrtFlavour[] = ["onnxruntime-node", "onnxruntime-web"];
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
  /** What the memory plan says the arena needs at SIZE. */
  readonly arenaBytes: number;
  /** qmc bench's report: every target and onnxruntime flavour, timed side by side. */
  readonly bench: BenchReport;
  /** Why onnxruntime did not run, where it did not. */
  readonly ortSkipped?: string;
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

/** The `qmc bench` command that times what a model section times. */
function benchCommand(file: string, ort: readonly OrtFlavour[]): string {
  const vs = ort.length ? ` --vs ${ort.map((f) => f.replace("onnxruntime", "ort")).join(",")}` : "";
  return `qmc bench ${file} --targets ${[...TARGETS.keys()].join(",")}${vs} --size ${SIZE.h}x${SIZE.w} --budget ${BUDGET_S}`;
}

async function benchSample(
  file: string,
  role: string,
  withOrt: boolean,
  progress: (s: string) => void,
): Promise<ModelBench> {
  const name = modelLabel(file);
  const { h, w } = SIZE;
  const std = stdExportOf(file);
  const ortSkipped = !withOrt
    ? "--skip-ort"
    : existsSync(std)
      ? undefined
      : `no standard-ops export ${basename(std)} next to the model`;
  const ort = ortSkipped ? [] : ORT;
  const bench = await benchModel({
    model: file,
    targets: [...TARGETS.keys()],
    size: SIZE,
    vs: ort,
    window: { budgetMs: BUDGET_S * 1000 },
    command: benchCommand(file, ort),
    progress: {
      preparing: (done, total) => progress(`${name}: compiled and loaded ${done} of ${total}`),
      rounds: (done, expected) => progress(`${name}: round ${done} of about ${expected}`),
    },
  });
  const { plan, compiled } = planModelFile(file);
  const kernelTarget = TARGETS.has("wasm-simd") ? "wasm-simd" : "js";
  progress(`${name}: recording the reference's activations of the sample photo`);
  const values = recordValues(compiled, samplePhoto(plan.model.inChannels, h, w));
  progress(`${name}: integer kernels and scans on ${kernelTarget}`);
  const integer = await benchKernelGroup(kernelTarget, plan, values, h, w, (k) => integerMacs(plan, k, h, w));
  const scan = await benchKernelGroup(kernelTarget, plan, values, h, w, (k) => scanUpdates(k, h, w));
  return {
    name,
    file,
    role,
    kernels: plan.kernels.length,
    weightBytes: bench.model.weightBytes ?? 0,
    arenaBytes: arenaBytes(plan, h, w),
    bench,
    ortSkipped,
    kernelTarget,
    integer,
    scan,
  };
}

/** A sample model by its folder (every one is a model.onnx), any other file by its name. */
function modelLabel(file: string): string {
  return basename(file) === "model.onnx" ? basename(dirname(file)) : basename(file, ".onnx");
}

function timed(r: ModelBench, name: string): number | undefined {
  return r.bench.contenders.find((c) => c.name === name)?.medianMs;
}

function goal(name: string, value: number | undefined, threshold: number, unit: string): string {
  if (value === undefined) return `- ${name}: not measured (target missing)`;
  return `- ${name}: ${value.toFixed(2)}${unit} (goal >= ${threshold}${unit}) ${value >= threshold ? "MET" : "NOT MET"}`;
}

/** The issue's numbers for every model in one table: medians, the two ratios, integer rate, scan rate. */
function summary(results: readonly ModelBench[], peaks: Peaks): string[] {
  const targets = [...TARGETS.keys()];
  const ort = (r: ModelBench, flavour: OrtFlavour) => {
    const o = timed(r, flavour);
    return o === undefined ? "-" : ms(o);
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
    `\`${r.file}\`, ${r.kernels} kernels, input ${SIZE.h}x${SIZE.w}, packed weights ${fmt(r.weightBytes)} bytes. Timed side by side (${r.bench.contenders[0]?.runs ?? 0} rounds after a warm-up, each running every contender once in rotated order) as \`${r.bench.command}\` times them${r.bench.peer ? `; onnxruntime runs \`${r.bench.peer.file}\`` : ""}:`,
    "",
  ];
  const speed = (base: number | undefined, m: number) => (base ? `${(base / m).toFixed(2)}x` : "");
  const rows = r.bench.contenders.map((c) => {
    const range = `${ms(c.minMs)}-${ms(c.maxMs)}`;
    const common = [ms(c.medianMs), range, String(c.runs), speed(js, c.medianMs), speed(wasm, c.medianMs)];
    if (c.kind === "onnxruntime") return [c.label, ...common, "", "", "", "", "std export"];
    const artifact = c.artifactBytes ?? 0;
    const overhead = artifact - r.weightBytes;
    const budget = !c.name.startsWith("wasm")
      ? ""
      : overhead <= ARTIFACT_SLACK
        ? " (<= 150 KiB: ok)"
        : " (> 150 KiB: OVER)";
    return [
      c.name,
      ...common,
      fmt(artifact),
      `${overhead >= 0 ? "+" : ""}${fmt(overhead)}${budget}`,
      fmt(c.memoryBytes ?? 0),
      fmt(r.arenaBytes),
      "",
    ];
  });
  if (r.ortSkipped) {
    for (const flavour of ORT) rows.push([flavour, "skipped", "", "", "", "", "", "", "", "", r.ortSkipped]);
  }
  lines.push(
    ...table(
      [
        "contender",
        "median ms",
        "min-max ms",
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
    for (const m of findModels(extra)) results.push(await benchSample(m.file, m.role, withOrt, progress));
  }
  if (!sizesOnly) float = await benchFloatConv(SAMPLES, FLOAT_TARGETS, withOrt, progress);
  const sizes = floatOnly ? [] : await sampleSizes(SAMPLES, progress);
  const cpu = cpus();
  const header = [
    `# qmc benchmark, ${started.toISOString()}`,
    "",
    `Command: \`npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}\` (node --experimental-wasm-relaxed-simd --no-liftoff --import tsx bench/run.ts)${peaks ? `; each model's targets and onnxruntime timed side by side by qmc bench's code: a warm-up round, then rounds that run every contender once in rotated order (performance.now()), at least 3, more within ${BUDGET_S} s, at most 50; medians with min-max` : ""}.`,
    `Machine: ${hostname()}, ${cpu[0]?.model ?? "unknown CPU"} x ${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version} (V8 ${process.versions.v8}), ${process.platform}/${process.arch}.`,
    ...(peaks
      ? [
          `Targets: ${[...TARGETS.keys()].join(", ")}. Input ${SIZE.h}x${SIZE.w} (the middle of samples/images/flower-96x96.png), one run of the whole model per timing (qmc_run, prepare not timed; onnxruntime: session.run).`,
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
