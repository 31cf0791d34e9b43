/**
 * onnxruntime-quantized (QDQ) models: qmc's wasm-simd and wasm-relaxed against onnxruntime-node and
 * onnxruntime-web, all on one thread, on the same QDQ model.onnx and the same photo crop, side by side
 * in one process as `qmc bench MODEL --targets wasm-simd,wasm-relaxed --vs ort-node,ort-web` times
 * them. Checks first that wasm-relaxed gives wasm-simd's output bit for bit.
 *
 *   node --experimental-wasm-relaxed-simd --no-liftoff --import tsx bench/qdq.ts [--size 64] [--budget-ms 4000]
 *
 * Goal (the tracker issue): wasm-simd at least 2x faster than onnxruntime-web and at least as fast as
 * onnxruntime-node.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchModel } from "../compiler/cli/bench/bench-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { noiseImage } from "../compiler/diff/record.js";
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

/** wasm-relaxed's output equals wasm-simd's, byte for byte, on a noise image. */
async function relaxedBitExact(plan: KernelPlan): Promise<boolean> {
  const outputs: Uint8Array[] = [];
  for (const target of ["wasm-simd", "wasm-relaxed"]) {
    const engine = await loadEngine(await emitFor(target, plan));
    engine.prepare(size, size);
    engine.input().set(noiseImage(plan.model.inChannels, size, size).values);
    engine.run();
    outputs.push(new Uint8Array(Float32Array.from(engine.output()).buffer));
  }
  return Buffer.from(outputs[0]).equals(Buffer.from(outputs[1]));
}

const fmt = (v: number) => (Number.isNaN(v) ? "-" : v < 10 ? v.toFixed(2) : v.toFixed(1));

console.log(`QDQ models at ${size}x${size}, median ms per run, one thread each (Node ${process.version})`);
console.log(
  "| model | wasm-simd | wasm-relaxed | ort-node | ort-web | ort-web / simd | ort-node / simd | relaxed = simd |",
);
console.log("|---|---|---|---|---|---|---|---|");
let goal = true;
for (const dir of dirs) {
  const file = join(models, dir, "model.onnx");
  const { plan } = planModelFile(file);
  const exact = await relaxedBitExact(plan);
  const report = await benchModel({
    model: file,
    targets: ["wasm-simd", "wasm-relaxed"],
    size: { h: size, w: size },
    vs: ["onnxruntime-node", "onnxruntime-web"],
    window,
    command: `qmc bench ${file} --targets wasm-simd,wasm-relaxed --vs ort-node,ort-web --size ${size}x${size}`,
  });
  const [simd, relaxed, node, web] = report.contenders.map((c) => c.medianMs);
  const [vsWeb, vsNode] = [web / simd, node / simd];
  goal &&= exact && vsWeb >= 2 && vsNode >= 1;
  console.log(
    `| ${dir} | ${fmt(simd)} | ${fmt(relaxed)} | ${fmt(node)} | ${fmt(web)} | ${fmt(vsWeb)}x | ${fmt(vsNode)}x | ${exact ? "yes" : "NO"} |`,
  );
}
console.log(
  `goal (wasm-simd >= 2x ort-web and >= 1x ort-node on every model, relaxed bit-exact): ${goal ? "met" : "not met"}`,
);
