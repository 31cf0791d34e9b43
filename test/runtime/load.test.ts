import { describe, expect, it } from "vitest";
import { loadEngine, loadModel } from "../../runtime/core/load.js";
import { transpileTypeScript } from "../../runtime/node/typescript.js";
import { jsArtifact, tsArtifact, wasmArtifact } from "./support/artifacts.js";

const rgb = (width: number, height: number) => ({
  data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 29) % 256),
  width,
  height,
  channels: 3,
});

/** Nearest-neighbour x2 of an interleaved RGB image. */
function nearest2(image: ReturnType<typeof rgb>): Uint8Array {
  const w = image.width * 2;
  const out = new Uint8Array(w * image.height * 2 * 3);
  for (let y = 0; y < image.height * 2; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        out[(y * w + x) * 3 + c] = image.data[((y >> 1) * image.width + (x >> 1)) * 3 + c];
      }
    }
  }
  return out;
}

describe("loadModel: the three artifact kinds behind one interface", () => {
  it("wasm: meta from the qmc.meta section, memory re-read after it grows", async () => {
    const model = await loadModel(wasmArtifact({ maxPages: 64 }));
    expect(model.info).toMatchObject({ abi: 1, scale: 1, channels: 3 });
    const small = rgb(8, 8);
    expect((await model.restore(small)).image.data).toEqual(small.data);
    // 300x300 RGB needs more than the first page: the old buffer is detached by memory.grow.
    const large = rgb(300, 300);
    const restored = await model.restore(large, { tile: 128, overlap: 16 });
    expect(restored.image.data).toEqual(large.data);
    expect(restored.tiling).toEqual({ tile: 128, size: [128, 128], overlap: 16, ys: [0, 112, 172], xs: [0, 112, 172] });
  });
  it("js: ES5 text as a string or as bytes, memory replaced by every qmc_prepare", async () => {
    const image = rgb(10, 7);
    for (const artifact of [jsArtifact(2, 3), new TextEncoder().encode(jsArtifact(2, 3))]) {
      const model = await loadModel(artifact);
      expect(model.info.scale).toBe(2);
      const restored = await model.restore(image, { tile: 4, overlap: 2 });
      expect(restored.image.width).toBe(20);
      expect(restored.image.data).toEqual(nearest2(image));
    }
  });
  it("ts: transpiled when given a transpiler, its default export used", async () => {
    const image = rgb(5, 6);
    const model = await loadModel(tsArtifact(2, 3), { transpile: transpileTypeScript });
    expect((await model.restore(image)).image.data).toEqual(nearest2(image));
  });
  it("ts without a transpiler: refused with what to do", async () => {
    await expect(loadModel(tsArtifact(2, 3))).rejects.toThrow(
      /TypeScript \(target ts\) artifact: transpile it to JavaScript first, or pass loadModel a `transpile` function/,
    );
  });
});

describe("loadModel: bad artifacts and failing calls are sentences", () => {
  it("random bytes", async () => {
    await expect(loadModel(new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0x81]))).rejects.toThrow(
      /not a qmc artifact: neither a WebAssembly module nor UTF-8 script text/,
    );
  });
  it("text that is not an artifact", async () => {
    await expect(loadModel(new TextEncoder().encode("hello world\n"))).rejects.toThrow(
      /not a qmc artifact: .*no qmc_prepare/,
    );
  });
  it("a script that throws, or defines no bundle", async () => {
    await expect(loadModel("var qmc_prepare = ; // broken")).rejects.toThrow(/the artifact script failed to evaluate/);
    await expect(loadModel("module.exports = { qmc_prepare: function () { return 0; } };")).rejects.toThrow(
      /the artifact object lacks qmc_input, qmc_output, qmc_run, meta/,
    );
  });
  it("truncated wasm", async () => {
    const bytes = wasmArtifact();
    await expect(loadModel(bytes.subarray(0, bytes.length - 20))).rejects.toThrow(/not a valid WebAssembly module/);
  });
  it("wasm without its meta section, or with meta of another ABI", async () => {
    await expect(loadModel(wasmArtifact({ meta: null }))).rejects.toThrow(
      /has 0 'qmc.meta' custom sections, a qmc artifact has exactly one/,
    );
    await expect(loadModel(wasmArtifact({ meta: JSON.stringify({ abi: 2, scale: 1, channels: 3 }) }))).rejects.toThrow(
      /artifact ABI version 2, this runtime speaks version 1/,
    );
    await expect(loadModel(wasmArtifact({ meta: '{"abi": 1, "scale": 2}' }))).rejects.toThrow(
      /meta.channels is undefined, expected one of 1, 3/,
    );
  });
  it("negative status codes name the call", async () => {
    const engine = await loadEngine(wasmArtifact({ maxPages: 16 }));
    expect(() => engine.prepare(5000, 5000)).toThrow("qmc_prepare(5000, 5000): out of memory (-2)");
    expect(() => engine.prepare(0, 4)).toThrow("qmc_prepare(0, 4): bad size (-1)");
    const js = await loadEngine(jsArtifact(2, 3, 100));
    expect(() => js.prepare(11, 10)).toThrow("qmc_prepare(11, 10): out of memory (-2)");
  });
  it("an image with the wrong channels", async () => {
    const model = await loadModel(wasmArtifact({ channels: 3 }));
    await expect(model.restore({ data: new Uint8Array(4), width: 2, height: 2, channels: 1 })).rejects.toThrow(
      "the model restores RGB images (3 channels); this image has 1 channel (gray)",
    );
  });
});
