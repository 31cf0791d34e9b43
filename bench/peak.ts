import { performance } from "node:perf_hooks";
import { loadBinaryen } from "../targets/wasm/binaryen.js";

/**
 * The machine's WebAssembly SIMD peaks, measured: a loop of independent `i32x4.dot_i16x8_s`
 * accumulations (8 multiply-adds each) and of f32x4 mul+add pairs (8 flops), all in registers, so the
 * figures bound what a kernel's inner loop can reach on this CPU and engine.
 */

/** Independent accumulators: enough to hide the instruction latency behind throughput. */
const CHAINS = 8;
const UNROLL = 4;

async function loopModule(kind: "dot" | "fma"): Promise<(n: number) => number> {
  const b = await loadBinaryen();
  const m = new b.Module();
  m.setFeatures(b.Features.SIMD128);
  const v128 = b.v128;
  const n = 0;
  const a = 1;
  const acc = (k: number) => 2 + k;
  const i = 2 + CHAINS;
  const get = (x: number) => m.local.get(x, v128);
  const step = (k: number) =>
    kind === "dot"
      ? m.local.set(acc(k), m.i32x4.add(get(acc(k)), m.i32x4.dot_i16x8_s(get(a), get(acc((k + 1) % CHAINS)))))
      : m.local.set(acc(k), m.f32x4.add(m.f32x4.mul(get(acc(k)), get(a)), get(a)));
  const body: number[] = [];
  for (let u = 0; u < UNROLL; u++) for (let k = 0; k < CHAINS; k++) body.push(step(k));
  const sum = Array.from({ length: CHAINS }, (_, k) => k).reduce<number>(
    (s, k) => (s < 0 ? get(acc(k)) : m.i32x4.add(s, get(acc(k)))),
    -1,
  );
  m.addFunction(
    "run",
    b.createType([b.i32]),
    b.i32,
    [v128, ...Array.from({ length: CHAINS }, () => v128), b.i32],
    m.block(null, [
      m.local.set(a, m.i32x4.splat(m.i32.const(0x00030001))),
      ...Array.from({ length: CHAINS }, (_, k) => m.local.set(acc(k), m.i32x4.splat(m.i32.const(k)))),
      m.loop(
        "l",
        m.block(null, [
          ...body,
          m.local.set(i, m.i32.add(m.local.get(i, b.i32), m.i32.const(1))),
          m.br("l", m.i32.lt_u(m.local.get(i, b.i32), m.local.get(n, b.i32))),
        ]),
      ),
      m.return(m.i32x4.extract_lane(sum, 0)),
    ]),
  );
  m.addFunctionExport("run", "run");
  if (!m.validate()) throw new Error("peak module does not validate");
  const bytes = m.emitBinary();
  m.dispose();
  const wasm = (
    globalThis as unknown as {
      WebAssembly: { instantiate(b: Uint8Array): Promise<{ instance: { exports: { run(n: number): number } } }> };
    }
  ).WebAssembly;
  const { instance } = await wasm.instantiate(bytes);
  return instance.exports.run;
}

/** Per-iteration work: CHAINS x UNROLL instructions of 8 MACs (dot) or 8 flops (f32x4 mul + add). */
const WORK_PER_ITERATION = CHAINS * UNROLL * 8;

async function measure(kind: "dot" | "fma"): Promise<number> {
  const run = await loopModule(kind);
  const iterations = 2_000_000;
  run(iterations / 10);
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    run(iterations);
    const s = (performance.now() - t0) / 1000;
    best = Math.max(best, (iterations * WORK_PER_ITERATION) / s / 1e9);
  }
  return best;
}

export interface Peaks {
  /** i32x4.dot_i16x8_s multiply-accumulates per second, in billions. */
  readonly int8DotGmacs: number;
  /** f32x4 mul+add, in billions of flops per second. */
  readonly f32Gflops: number;
}

export async function measurePeaks(): Promise<Peaks> {
  return { int8DotGmacs: await measure("dot"), f32Gflops: await measure("fma") };
}
