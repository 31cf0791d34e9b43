/**
 * onnxruntime-quantized (QDQ) models: qmc's wasm-simd and wasm-relaxed against onnxruntime-node and
 * onnxruntime-web, all on one thread, on the same QDQ model.onnx and the same noise input, timed side
 * by side in rounds (compiler/cli/bench/timing.ts) in one process. Checks first that wasm-relaxed
 * gives wasm-simd's output bit for bit. Each line ends with the machine's load average.
 *
 *   node --experimental-wasm-relaxed-simd --no-liftoff --import tsx bench/qdq.ts [--size 64] [--budget-ms 4000]
 *
 * Goal (the tracker issue): wasm-simd at least 2x faster than onnxruntime-web and at least as fast as
 * onnxruntime-node.
 */
import { readdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Contender } from "../compiler/cli/bench/contender.js";
import { ortContender } from "../compiler/cli/bench/onnxruntime.js";
import { qmcContender } from "../compiler/cli/bench/qmc-contender.js";
import { timeRounds } from "../compiler/cli/bench/timing.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { noiseImage } from "../compiler/diff/record.js";
import type { Tensor } from "../compiler/ir/tensor.js";
import type { KernelPlan } from "../compiler/plan/kernel-plan.js";
import { loadEngine } from "../runtime/core/index.js";
import { emitFor } from "./qmc-target.js";

const { values } = parseArgs({
  options: { size: { type: "string", default: "64" }, "budget-ms": { type: "string", default: "4000" } },
});
const size = Number(values.size);
const window = { budgetMs: Number(values["budget-ms"]), maxRounds: 200 };
const models = join(import.meta.dirname, "..", "samples", "models");
const dirs = readdirSync(models).filter((d) => /-qdq$/.test(d));
const QMC = ["wasm-simd", "wasm-relaxed"];
const ORT = ["onnxruntime-node", "onnxruntime-web"] as const;

/** wasm-relaxed's output equals wasm-simd's, byte for byte, on the input. */
async function relaxedBitExact(plan: KernelPlan, input: Tensor): Promise<boolean> {
  const outputs: Buffer[] = [];
  for (const target of QMC) {
    const engine = await loadEngine(await emitFor(target, plan));
    engine.prepare(size, size);
    engine.input().set(input.values);
    engine.run();
    outputs.push(Buffer.from(Float32Array.from(engine.output()).buffer));
  }
  return outputs[0].equals(outputs[1]);
}

const fmt = (v: number) => (Number.isNaN(v) ? "-" : v < 10 ? v.toFixed(2) : v.toFixed(1));

console.log(`QDQ models at ${size}x${size}, median ms per run, one thread each (Node ${process.version})`);
console.log(
  "| model | wasm-simd | wasm-relaxed | ort-node | ort-web | ort-web / simd | ort-node / simd | relaxed = simd | load |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
let goal = true;
for (const dir of dirs) {
  const file = join(models, dir, "model.onnx");
  const { plan } = planModelFile(file);
  const input = noiseImage(plan.model.inChannels, size, size);
  const exact = await relaxedBitExact(plan, input);
  const contenders: Contender[] = [];
  for (const target of QMC)
    contenders.push(await qmcContender(target, await emitFor(target, plan), input, { threads: 1 }));
  for (const flavour of ORT) {
    try {
      contenders.push(await ortContender(flavour, file, input, 1));
    } catch (e) {
      console.error((e as Error).message);
    }
  }
  const timings = await timeRounds(
    contenders.map((c) => c.run),
    window,
  );
  const ms = (name: string) => {
    const i = contenders.findIndex((c) => c.name === name);
    return i < 0 ? Number.NaN : timings[i].medianMs;
  };
  for (const c of contenders) await c.close();
  const simd = ms("wasm-simd");
  const [vsWeb, vsNode] = [ms("onnxruntime-web") / simd, ms("onnxruntime-node") / simd];
  goal &&= exact && vsWeb >= 2 && vsNode >= 1;
  console.log(
    `| ${dir} | ${fmt(simd)} | ${fmt(ms("wasm-relaxed"))} | ${fmt(ms("onnxruntime-node"))} | ${fmt(ms("onnxruntime-web"))} | ${fmt(vsWeb)}x | ${fmt(vsNode)}x | ${exact ? "yes" : "NO"} | ${loadavg()[0].toFixed(2)} |`,
  );
}
console.log(
  `goal (wasm-simd >= 2x ort-web and >= 1x ort-node on every model, relaxed bit-exact): ${goal ? "met" : "not met"}`,
);
