import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { evalShape, type KernelPlan } from "../../compiler/plan/kernel-plan.js";
import { emitJs } from "../../targets/js/emit.js";
import { placeBuffers } from "../../targets/shared/arena.js";
import { bufferBytes, liveRanges } from "../../targets/shared/meta.js";
import { loadScript, runPlan } from "../targets/harness.js";
import { INTEGER_CASES } from "./integer-cases.js";
import { emit } from "./support.js";

const CHILD = fileURLToPath(new URL("./relaxed-child.mjs", import.meta.url));
const SIZES: readonly [number, number][] = [
  [1, 7],
  [3, 14],
];
// i32x4.relaxed_dot_i8x16_i7x16_add_s
const RELAXED_DOT = [0xfd, 0x93, 0x02];

function contains(bytes: Uint8Array, seq: readonly number[]): boolean {
  return bytes.some((_, i) => seq.every((b, k) => bytes[i + k] === b));
}

/** Byte offsets of the plan's buffers from its input buffer's, as qmc_prepare places them. */
function offsetsFromInput(plan: KernelPlan, h: number, w: number): Map<number, number> {
  const placed = placeBuffers(bufferBytes(plan, h, w), liveRanges(plan));
  const input = placed.offsets[plan.buffers.findIndex((b) => b.id === plan.input)];
  return new Map(plan.buffers.map((b, i) => [b.id, placed.offsets[i] - input]));
}

/** The js artifact's outputs, and the child's jobs for the relaxed module, on the same inputs. */
async function jobs(plan: KernelPlan, name: string) {
  const js = loadScript(emitJs(plan, { compilerVersion: "test" }));
  const wasm = Buffer.from(await emit(plan, "relaxed")).toString("base64");
  return SIZES.map(([h, w]) => {
    const run = runPlan(js, plan, h, w, 7);
    const at = offsetsFromInput(plan, h, w);
    const out = plan.kernels[0].outputs[0];
    const count = evalShape(plan.buffers[out].shape, h, w).reduce((a, b) => a * b, 1);
    return {
      expected: Buffer.from(run.outputs[0].buffer).toString("hex"),
      job: {
        name,
        wasm,
        h,
        w,
        inputs: [...run.values].map(([id, v]) => ({ at: at.get(id), bytes: Buffer.from(v.buffer).toString("base64") })),
        output: { at: at.get(out), bytes: count * 4 },
      },
    };
  });
}

describe("wasm-relaxed integer kernels, run by a child Node with relaxed SIMD on", () => {
  it("use the relaxed dot exactly where it is exact: X @ W, i8 activation codes, weights of <= 7 bits", async () => {
    const uses = await Promise.all(
      INTEGER_CASES.map(async (c) => [c.name, contains(await emit(c.plan, "relaxed"), RELAXED_DOT)] as const),
    );
    expect(uses.filter(([, used]) => used).map(([name]) => name)).toEqual([
      "QMatMul tokens x weight, a4w4, K = 7, N = 10 (relaxed dot with row and column tails)",
      "QMatMul tokens x weight, a8 signed w2, K = 13, N = 8 (relaxed dot at the code extremes)",
      "QMatMul tokens x weight, a4w4, K = 8, N = 10 (relaxed dot and a tail), skip-scaled residual (SS2D's out_proj)",
    ]);
  });

  it("agree bit for bit with the js target on every integer case", async () => {
    const all = (await Promise.all(INTEGER_CASES.map((c) => jobs(c.plan, c.name)))).flat();
    // Node 20's baseline compiler (V8 11.3 Liftoff) gets this dot wrong: it drops the addend and doubles
    // the sum (its optimizing compiler is right), so the child compiles with the optimizing tier only.
    const stdout = execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", "--no-liftoff", CHILD], {
      input: JSON.stringify(all.map((j) => j.job)),
      maxBuffer: 1 << 28,
    });
    const outputs = JSON.parse(stdout.toString("utf8")) as string[];
    const bad = all.flatMap((j, i) => (outputs[i] === j.expected ? [] : [`${j.job.name} at ${j.job.h}x${j.job.w}`]));
    expect(bad).toEqual([]);
  });
});
