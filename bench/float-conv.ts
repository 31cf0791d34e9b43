import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { type BenchReport, benchModel } from "../compiler/cli/bench/bench-model.js";
import type { OrtFlavour } from "../compiler/cli/bench/onnxruntime.js";
import { qmcContender } from "../compiler/cli/bench/qmc-contender.js";
import { ms } from "../compiler/cli/bench/report.js";
import { type Timing, timeRounds } from "../compiler/cli/bench/timing.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { noiseImage, recordValues } from "../compiler/diff/record.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { evalShape, type KernelPlan, type PlanKernel } from "../compiler/plan/kernel-plan.js";
import { benchKernelGroup, type KernelGroupResult } from "./kernels.js";
import { fmt, table } from "./markdown.js";
import { samplePhoto } from "./photo.js";
import { emitFor } from "./qmc-target.js";

/**
 * The float-conv section of `npm run bench` (alone with `--float-only`): the plain conv SR families
 * exported with dynamic H/W at 256x256 on the wasm targets against onnxruntime on the same
 * model.onnx, side by side as `qmc bench` times them, each float Conv kernel timed alone, and the
 * FP32 tiny SR sample against its W4A4 twin.
 */

const FAMILIES = ["espcn-x3-dyn", "srcnn-x3-dyn", "srvgg-x4-dyn", "edsr-x2-dyn"];
const FAMILY_SIZE = { h: 256, w: 256 };
/** The tiny SR pair at the main section's size. */
const TINY = { fp32: "qmambair-tiny-sr2-fp32", w4a4: "qmambair-tiny-sr2-w4a4", h: 64, w: 64 };
/** A shorter window than the main section's: these runs are long, and the section is for iterating. */
const BUDGET_MS = 10_000;
const ORT: readonly OrtFlavour[] = ["onnxruntime-node", "onnxruntime-web"];

export interface FloatModelBench {
  readonly name: string;
  readonly kernels: number;
  readonly convMacs: number;
  /** qmc bench's report: the targets and onnxruntime (unless --skip-ort) side by side. */
  readonly bench: BenchReport;
  /** Each float Conv kernel alone on wasm-simd. */
  readonly convs: KernelGroupResult;
}

export interface TinyRatio {
  readonly fp32: Timing;
  readonly w4a4: Timing;
  /** The fp32 model's kernels alone on wasm-simd, summed per kind. */
  readonly kinds: readonly { kind: string; kernels: number; ms: number }[];
}

export interface FloatConvResults {
  readonly targets: readonly string[];
  readonly models: readonly FloatModelBench[];
  readonly tiny?: TinyRatio;
}

const count = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/** Multiply-accumulates of a float Conv kernel at h x w (0 for other kinds). */
export function floatConvMacs(k: PlanKernel, h: number, w: number): number {
  if (k.kind !== "Conv") return 0;
  const out = count(evalShape(k.outputShapes[0], h, w));
  const wt = evalShape(k.inputShapes[1] ?? [], h, w);
  return out * count(wt.slice(1));
}

/** Noise in [0, 1) for any buffer of the plan, made when first asked for (timing needs no real data). */
class NoiseValues extends Map<string, Tensor> {
  constructor(
    private readonly plan: KernelPlan,
    private readonly h: number,
    private readonly w: number,
  ) {
    super();
  }

  override get(name: string): Tensor | undefined {
    const made = super.get(name);
    if (made) return made;
    const b = this.plan.buffers.find((x) => x.name === name);
    if (!b) return undefined;
    const shape = evalShape(b.shape, this.h, this.w);
    const t = new Tensor("float32", shape, noiseImage(1, 1, count(shape), b.id + 1).values);
    this.set(name, t);
    return t;
  }
}

async function benchFamily(
  dir: string,
  targets: readonly string[],
  withOrt: boolean,
  progress: (s: string) => void,
): Promise<FloatModelBench> {
  const file = join(dir, "model.onnx");
  const { h, w } = FAMILY_SIZE;
  const name = basename(dir);
  const bench = await benchModel({
    model: file,
    targets,
    size: FAMILY_SIZE,
    vs: withOrt ? ORT : [],
    window: { budgetMs: BUDGET_MS },
    command: `qmc bench ${file} --targets ${targets.join(",")}${withOrt ? " --vs ort-node,ort-web" : ""} --size ${h}x${w} --budget ${BUDGET_MS / 1000}`,
    progress: { rounds: (done, expected) => progress(`${name} at ${h}x${w}: round ${done} of about ${expected}`) },
  });
  const { plan } = planModelFile(file);
  progress(`${name}: float Conv kernels alone on wasm-simd`);
  const convs = await benchKernelGroup("wasm-simd", plan, new NoiseValues(plan, h, w), h, w, (k) =>
    floatConvMacs(k, h, w),
  );
  return {
    name,
    kernels: plan.kernels.length,
    convMacs: plan.kernels.reduce((s, k) => s + floatConvMacs(k, h, w), 0),
    bench,
    convs,
  };
}

async function benchTiny(samples: string, progress: (s: string) => void): Promise<TinyRatio | undefined> {
  const fp32File = join(samples, TINY.fp32, "model.onnx");
  const w4a4File = join(samples, TINY.w4a4, "model.onnx");
  if (!existsSync(fp32File) || !existsSync(w4a4File)) return undefined;
  const { h, w } = TINY;
  progress(`${TINY.fp32} vs ${TINY.w4a4}: wasm-simd at ${h}x${w}`);
  const fp32 = planModelFile(fp32File);
  const w4a4 = planModelFile(w4a4File);
  const input = samplePhoto(fp32.plan.model.inChannels, h, w);
  const pair = [];
  for (const { plan } of [fp32, w4a4]) {
    pair.push(await qmcContender("wasm-simd", await emitFor("wasm-simd", plan), input, { threads: 1 }));
  }
  const [a, b] = await timeRounds(
    pair.map((p) => p.run),
    { budgetMs: BUDGET_MS },
  );
  progress(`${TINY.fp32}: every kernel alone on wasm-simd`);
  const values = recordValues(fp32.compiled, input);
  const all = await benchKernelGroup("wasm-simd", fp32.plan, values, h, w, () => 1);
  const kinds = new Map<string, { kernels: number; ms: number }>();
  for (const k of all.each) {
    const kind = fp32.plan.kernels.find((x) => x.name.replace(/^k\d+_/, "") === k.name)?.kind ?? k.name;
    const sum = kinds.get(kind) ?? { kernels: 0, ms: 0 };
    kinds.set(kind, { kernels: sum.kernels + k.count, ms: sum.ms + k.ms * k.count });
  }
  return {
    fp32: a,
    w4a4: b,
    kinds: [...kinds].map(([kind, s]) => ({ kind, ...s })).sort((x, y) => y.ms - x.ms),
  };
}

export async function benchFloatConv(
  samples: string,
  targets: readonly string[],
  withOrt: boolean,
  progress: (s: string) => void,
): Promise<FloatConvResults> {
  const models: FloatModelBench[] = [];
  for (const family of FAMILIES) {
    const dir = join(samples, family);
    if (existsSync(join(dir, "model.onnx"))) models.push(await benchFamily(dir, targets, withOrt, progress));
  }
  return { targets, models, tiny: await benchTiny(samples, progress) };
}

function median(r: FloatModelBench, name: string): number | undefined {
  return r.bench.contenders.find((c) => c.name === name)?.medianMs;
}

/** "MET" / "NOT MET" for a ratio that must stay at or below `limit`. */
function verdict(ratio: number | undefined, limit: number): string {
  if (ratio === undefined) return "not measured";
  return `${ratio.toFixed(2)}x (goal <= ${limit}x) ${ratio <= limit ? "MET" : "NOT MET"}`;
}

export function floatConvReport(r: FloatConvResults): string[] {
  const { h, w } = FAMILY_SIZE;
  const lines = [
    "## Float conv networks (float32 semantics, f32x4)",
    "",
    `The dynamic-size family exports (samples/models/*-dyn/model.onnx) at ${h}x${w}, median \`qmc_run\` ms; onnxruntime runs the same model.onnx (one thread). Every target and onnxruntime are timed side by side as \`qmc bench samples/models/M/model.onnx --targets ${r.targets.join(",")} --vs ort-node,ort-web --size ${h}x${w} --budget ${BUDGET_MS / 1000}\` times them (a warm-up round, then rounds of one run each in rotated order, at least 3, more within ${BUDGET_MS / 1000} s), so a slow spell of the machine slows them alike. Conv GMAC: the float Conv kernels' multiply-accumulates per run.`,
    "",
    ...table(
      [
        "model",
        "Conv GMAC",
        ...r.targets.map((t) => `${t} ms`),
        "ort-node ms",
        "ort-web ms",
        "wasm-simd / ort-web",
        "wasm-simd / ort-node",
        "wasm-simd Conv GMAC/s",
      ],
      r.models.map((m) => {
        const simd = median(m, "wasm-simd");
        const node = median(m, "onnxruntime-node");
        const web = median(m, "onnxruntime-web");
        return [
          m.name,
          (m.convMacs / 1e9).toFixed(2),
          ...r.targets.map((t) => {
            const v = median(m, t);
            return v === undefined ? "-" : ms(v);
          }),
          node === undefined ? "-" : ms(node),
          web === undefined ? "-" : ms(web),
          simd && web ? `${(simd / web).toFixed(2)}x` : "-",
          simd && node ? `${(simd / node).toFixed(2)}x` : "-",
          simd ? (m.convMacs / (simd / 1000) / 1e9).toFixed(2) : "-",
        ];
      }),
    ),
    "",
    "Goals (time ratios, lower is faster for qmc):",
    ...r.models.flatMap((m) => {
      const simd = median(m, "wasm-simd");
      const node = median(m, "onnxruntime-node");
      const web = median(m, "onnxruntime-web");
      return [
        `- ${m.name}: wasm-simd vs onnxruntime-web ${verdict(simd && web ? simd / web : undefined, 1)}; vs onnxruntime-node ${verdict(simd && node ? simd / node : undefined, 2)}`,
      ];
    }),
    "",
  ];
  for (const m of r.models) {
    lines.push(
      `### ${m.name}: float Conv kernels alone on wasm-simd (noise inputs, ${h}x${w}; a call's median)`,
      "",
      ...table(
        ["kernel", "count", "ms per call", "share of Conv time", "GMAC/s"],
        [...m.convs.each]
          .sort((a, b) => b.ms * b.count - a.ms * a.count)
          .map((k) => [
            `\`${k.name}\``,
            String(k.count),
            ms(k.ms),
            `${((100 * k.ms * k.count) / m.convs.ms).toFixed(0)}%`,
            (k.work / (k.ms / 1000) / 1e9).toFixed(2),
          ]),
      ),
      "",
      `Conv kernels sum to ${ms(m.convs.ms)} ms of the ${ms(median(m, "wasm-simd") ?? 0)} ms run (${fmt(m.convs.work)} MAC, ${(m.convs.work / (m.convs.ms / 1000) / 1e9).toFixed(2)} GMAC/s).`,
      "",
    );
  }
  const t = r.tiny;
  if (t) {
    const ratio = t.fp32.medianMs / t.w4a4.medianMs;
    lines.push(
      `### ${TINY.fp32} vs ${TINY.w4a4} (wasm-simd, ${TINY.h}x${TINY.w})`,
      "",
      ...table(
        ["model", "median ms", "runs"],
        [
          [TINY.fp32, ms(t.fp32.medianMs), String(t.fp32.runs)],
          [TINY.w4a4, ms(t.w4a4.medianMs), String(t.w4a4.runs)],
        ],
      ),
      "",
      `- FP32 / W4A4 time: ${verdict(ratio, 2)}`,
      "",
      `The FP32 model's kernels alone (reference activations of the sample photo), summed per kind:`,
      "",
      ...table(
        ["kind", "kernels", "ms", "share"],
        t.kinds.map((k) => {
          const total = t.kinds.reduce((s, x) => s + x.ms, 0);
          return [k.kind, String(k.kernels), ms(k.ms), `${((100 * k.ms) / total).toFixed(0)}%`];
        }),
      ),
      "",
    );
  }
  return lines;
}
