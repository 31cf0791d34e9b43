import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planModelFile } from "../../compiler/cli/load-plan.js";
import type { KernelPlan, PlanBuffer } from "../../compiler/plan/kernel-plan.js";
import { loadModel } from "../../runtime/core/index.js";
import { emitJs } from "../../targets/js/emit.js";
import { placeBuffers } from "../../targets/shared/arena.js";
import { artifactMeta, bufferBytes, liveRanges } from "../../targets/shared/meta.js";
import { emitWasm } from "../../targets/wasm/emit.js";
import { rng } from "../support/random.js";
import { chainPlan } from "../targets/chain-plan.js";
import { shape } from "../targets/harness.js";
import { emit, hostHasRelaxedSimd, ISAS, instantiate, WASM } from "./support.js";

function image(width: number, height: number, channels: number, seed: number): Uint8Array {
  const rnd = rng(seed);
  return Uint8Array.from({ length: width * height * channels }, () => Math.floor(rnd() * 256));
}

describe("wasm artifacts", () => {
  for (const isa of ISAS) {
    const target = { mvp: "wasm", simd: "wasm-simd", relaxed: "wasm-relaxed" }[isa];

    it(`${target}: imports nothing, exports the ABI, carries qmc.meta, and is deterministic`, async () => {
      const bytes = await emit(chainPlan(), isa);
      expect(await emit(chainPlan(), isa)).toEqual(bytes);
      const module = new WASM.Module(bytes);
      expect(WASM.Module.imports(module)).toEqual([]);
      expect(
        WASM.Module.exports(module)
          .map((e) => `${e.kind}:${e.name}`)
          .sort(),
      ).toEqual([
        "function:qmc_input",
        "function:qmc_output",
        "function:qmc_prepare",
        "function:qmc_run",
        "memory:memory",
      ]);
      const sections = WASM.Module.customSections(module, "qmc.meta");
      expect(sections.length).toBe(1);
      const meta = JSON.parse(new TextDecoder().decode(sections[0]));
      expect(meta).toEqual(JSON.parse(JSON.stringify(artifactMeta(chainPlan(), target, "test"))));
    });
  }

  it("keeps 2- and 4-bit weights packed in the data and unpacks them on the first prepare", async () => {
    const plan = chainPlan();
    const bytes = await emit(plan, "mvp");
    const packed = plan.constants.find((c) => c.encoding.kind === "packed");
    expect(packed).toBeDefined();
    const text = Buffer.from(bytes).toString("hex");
    expect(text).toContain(Buffer.from(packed?.bytes ?? []).toString("hex"));
  });

  it("answers the ABI's error codes", async () => {
    const art = instantiate(await emit(chainPlan(), "mvp"));
    expect(art.qmc_run()).toBe(-3);
    expect(art.qmc_prepare(0, 5)).toBe(-1);
    expect(art.qmc_prepare(5, 65537)).toBe(-1);
    expect(art.qmc_prepare(65536, 65536)).toBe(-2);
    expect(art.qmc_run()).toBe(-3);
    expect(art.qmc_prepare(6, 5)).toBe(0);
    expect(art.qmc_run()).toBe(0);
  });

  it("restores images bit for bit as the js artifact does, through the runtime (mvp and simd)", async () => {
    const js = await loadModel(emitJs(chainPlan(), { compilerVersion: "test" }));
    const rgb = { data: image(11, 9, 3, 5), width: 11, height: 9, channels: 3 };
    const expected = await js.restore(rgb, { tile: 6, overlap: 2 });
    for (const isa of ["mvp", "simd"] as const) {
      const wasm = await loadModel(await emit(chainPlan(), isa));
      expect(wasm.info.target).toBe(isa === "mvp" ? "wasm" : "wasm-simd");
      const got = await wasm.restore(rgb, { tile: 6, overlap: 2 });
      expect(Array.from(got.image.data)).toEqual(Array.from(expected.image.data));
    }
  });

  it.skipIf(!hostHasRelaxedSimd())("wasm-relaxed restores bit for bit as wasm-simd", async () => {
    const rgb = { data: image(8, 7, 3, 6), width: 8, height: 7, channels: 3 };
    const simd = await (await loadModel(await emit(chainPlan(), "simd"))).restore(rgb);
    const relaxed = await (await loadModel(await emit(chainPlan(), "relaxed"))).restore(rgb);
    expect(Array.from(relaxed.image.data)).toEqual(Array.from(simd.image.data));
  });
});

describe("qmc_prepare's placement", () => {
  /** Buffers only (no kernels): the artifact places them; input and output offsets are visible. */
  function buffersPlan(buffers: PlanBuffer[], output: number): KernelPlan {
    return { ...chainPlan(), constants: [], kernels: [], buffers, input: 0, output };
  }

  it("places every buffer where compiler/plan/memory.ts does", async () => {
    const rnd = rng(21);
    const dims = ["h", "w", "hw", 3, 7] as const;
    const buffers: PlanBuffer[] = Array.from({ length: 14 }, (_, id) => {
      const first = Math.floor(rnd() * 6);
      return {
        id,
        name: `b${id}`,
        dtype: rnd() < 0.8 ? "float32" : "int8",
        shape: shape(1 + Math.floor(rnd() * 5), dims[Math.floor(rnd() * dims.length)]),
        firstUse: first,
        lastUse: first + Math.floor(rnd() * 4),
      };
    });
    for (let out = 1; out < buffers.length; out++) {
      const plan = buffersPlan(buffers, out);
      const art = instantiate(await emitWasm(plan, { compilerVersion: "test", isa: "mvp" }));
      for (const [h, w] of [
        [3, 5],
        [17, 2],
      ]) {
        expect(art.qmc_prepare(h, w)).toBe(0);
        const { offsets } = placeBuffers(bufferBytes(plan, h, w), liveRanges(plan));
        expect(art.qmc_output() - art.qmc_input()).toBe(offsets[out] - offsets[0]);
      }
    }
  });
});

const models = join(import.meta.dirname, "..", "..", "samples", "models");
const samples = existsSync(models) ? readdirSync(models).filter((d) => existsSync(join(models, d, "model.onnx"))) : [];

describe.skipIf(samples.length === 0)("sample models", () => {
  it.each(samples)("%s: wasm and wasm-simd restore bit for bit as the js artifact", async (dir) => {
    const { plan } = planModelFile(join(models, dir, "model.onnx"));
    const channels = plan.model.inChannels;
    // A fixed-size model tiles an image a little larger than its size: two tiles along each axis.
    const { h, w } = plan.model.inputSize;
    const [height, width] = [h === null ? 11 : h + 2, w === null ? 13 : w + 3];
    const img = { data: image(width, height, channels, 9), width, height, channels };
    const js = await (await loadModel(emitJs(plan, { compilerVersion: "test" }))).restore(img, { tile: 8, overlap: 2 });
    for (const isa of ["mvp", "simd"] as const) {
      const wasm = await loadModel(await emit(plan, isa));
      const got = await wasm.restore(img, { tile: 8, overlap: 2 });
      expect(Array.from(got.image.data)).toEqual(Array.from(js.image.data));
    }
  });
});
