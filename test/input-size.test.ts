import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TARGETS } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { kernelKinds, supportTable } from "../compiler/cli/target-support.js";
import { Interpreter } from "../compiler/interp/interpreter.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import { loadEngine, loadModel } from "../runtime/core/load.js";
import { planTiling, runTiled } from "../runtime/core/tile.js";
import { emitJs } from "../targets/js/emit.js";
import { generateAll, UnsupportedKernels } from "../targets/shared/unsupported.js";
import { emitWasm } from "../targets/wasm/emit.js";
import { fakeEngine } from "./runtime/support/artifacts.js";
import { DT, modelBytes, node, type Shape, valueInfo } from "./support/onnx-builder.js";
import { loadScript } from "./targets/harness.js";

const dir = mkdtempSync(join(tmpdir(), "qmc-size-"));

/**
 * A pixel shuffle written out as PyTorch's tutorial ESPCN does, with the spatial size in the
 * reshape's constant target: it only has a shape at the size it was exported for.
 */
function shuffleModel(name: string, input: Shape, h: number, w: number): string {
  const shape = (n: string, dims: number[]) => ({
    name: n,
    dims: [dims.length],
    dataType: DT.INT64,
    int64Data: dims,
  });
  const path = join(dir, `${name}.onnx`);
  writeFileSync(
    path,
    modelBytes({
      inputs: [valueInfo("x", DT.FLOAT, input)],
      outputs: [valueInfo("y", DT.FLOAT)],
      initializers: [shape("s6", [1, 1, 2, 2, h, w]), shape("s4", [1, 1, 2 * h, 2 * w])],
      nodes: [
        node({ op: "Relu", inputs: ["x"], outputs: ["r"], name: "relu" }),
        node({ op: "Reshape", inputs: ["r", "s6"], outputs: ["a"], name: "split_blocks" }),
        node({
          op: "Transpose",
          inputs: ["a"],
          outputs: ["t"],
          name: "interleave",
          attrs: [{ name: "perm", type: 7, ints: [0, 1, 4, 2, 5, 3] }],
        }),
        node({ op: "Reshape", inputs: ["t", "s4"], outputs: ["y"], name: "merge" }),
      ],
    }),
  );
  return path;
}

function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.fround(((i * 37) % 101) / 50 - 1));
}

describe("planning at the input size", () => {
  it("a fixed-shape graph compiles at exactly its declared size and refuses any other", () => {
    const file = shuffleModel("fixed", [1, 4, 6, 8], 6, 8);
    const { plan, model } = planModelFile(file);
    expect(plan.model.inputSize).toEqual({ h: 6, w: 8 });
    expect(plan.model.scale).toBe(2);
    const art = loadScript(emitJs(plan, { compilerVersion: "test" }));
    expect(art.meta.input_size).toEqual([6, 8]);
    expect(art.qmc_prepare(6, 9)).toBe(-1);
    expect(art.qmc_prepare(7, 8)).toBe(-1);
    expect(art.qmc_prepare(6, 8)).toBe(0);
    const x = ramp(4 * 6 * 8);
    new Float32Array(art.memory, art.qmc_input(), x.length).set(x);
    expect(art.qmc_run()).toBe(0);
    const got = new Float32Array(art.memory, art.qmc_output(), 4 * 6 * 8);
    const [want] = new Interpreter(model, file).run([Tensor.from("float32", [1, 4, 6, 8], x)]);
    expect([...got]).toEqual([...want.values]);
  });

  it("a symbolic size that only one size fits: the error names the probe size and how to pin it", () => {
    const file = shuffleModel("symbolic", [1, 4, "height", "width"], 6, 8);
    expect(() => planModelFile(file)).toThrow(
      /at input size 24x20: H symbolic \('height'\), probed at 24; W symbolic \('width'\), probed at 20; .*--size HxW/,
    );
    const { plan } = planModelFile(file, { size: { h: 6, w: 8 } });
    expect(plan.model.inputSize).toEqual({ h: 6, w: 8 });
  });

  it("--dim pins one axis by name; the other stays symbolic", () => {
    const file = shuffleModel("one-axis", [1, 4, "height", 8], 6, 8);
    expect(() => planModelFile(file)).toThrow(/H symbolic \('height'\), probed at 24; W declared by input 'x'/);
    const { plan } = planModelFile(file, { dims: { height: 6 } });
    expect(plan.model.inputSize).toEqual({ h: 6, w: 8 });
  });

  it("pins that contradict the model or name nothing are refused with what it has", () => {
    const fixed = shuffleModel("pins", [1, 4, 6, 8], 6, 8);
    expect(() => planModelFile(fixed, { size: { h: 6, w: 10 } })).toThrow(
      "--size 6x10: input 'x' [1, 4, 6, 8] is fixed at W = 8; it cannot run at W = 10",
    );
    expect(() => planModelFile(fixed, { dims: { height: 6 } })).toThrow(
      "--dim height=6: input 'x' [1, 4, 6, 8] has no symbolic dimension 'height' (all its dimensions are fixed)",
    );
  });

  it.each([
    ["dynamic", ["N", "H", "W", 3]],
    ["fixed", [1, 32, 24, 3]],
  ])("a channels-last (NHWC) %s input is refused, saying how to convert it", (_what, shape) => {
    const file = join(dir, `nhwc-${_what}.onnx`);
    writeFileSync(
      file,
      modelBytes({
        inputs: [valueInfo("input_1", DT.FLOAT, shape as (string | number)[])],
        outputs: [valueInfo("out", DT.FLOAT)],
        nodes: [
          node({
            op: "Transpose",
            inputs: ["input_1"],
            outputs: ["out"],
            attrs: [{ name: "perm", type: 7, ints: [0, 3, 1, 2] }],
          }),
        ],
      }),
    );
    expect(() => planModelFile(file)).toThrow(
      "is channels-last (NHWC); compiled artifacts take channels-first (NCHW) images: convert with tf2onnx --inputs-as-nchw input_1 --outputs-as-nchw out",
    );
  });

  it("a model with a second input (a noise level) is refused with every input listed", () => {
    const file = join(dir, "two-inputs.onnx");
    writeFileSync(
      file,
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [1, 3, "h", "w"]), valueInfo("sigma", DT.FLOAT, [1, 1, 1, 1])],
        outputs: [valueInfo("y", DT.FLOAT)],
        nodes: [node({ op: "Mul", inputs: ["x", "sigma"], outputs: ["y"] })],
      }),
    );
    expect(() => planModelFile(file)).toThrow(
      "it has 2 input(s): 'x' [1, 3, h, w], 'sigma' [1, 1, 1, 1]; fold the others into the graph as constants",
    );
  });

  it("a size that no multiple of the probes fits: refused at the probe that breaks it, compiled once pinned", () => {
    const file = join(dir, "fixed-bias.onnx");
    writeFileSync(
      file,
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [1, 3, "h", "w"])],
        outputs: [valueInfo("y", DT.FLOAT)],
        initializers: [{ name: "b", dims: [1, 3, 24, 20], dataType: DT.FLOAT, floatData: new Array(1440).fill(0.5) }],
        nodes: [node({ op: "Add", inputs: ["x", "b"], outputs: ["y"], name: "add_bias" })],
      }),
    );
    expect(() => planModelFile(file)).toThrow(
      "node 'add_bias' (Add): input shapes [1,3,25,20], [1,3,24,20] do not broadcast (at input size 25x20",
    );
    expect(planModelFile(file, { size: { h: 24, w: 20 } }).plan.model.inputSize).toEqual({ h: 24, w: 20 });
  });

  it("a symbolic graph keeps taking any size, with polynomial buffer sizes", () => {
    const file = join(dir, "relu.onnx");
    writeFileSync(
      file,
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [1, 3, "h", "w"])],
        outputs: [valueInfo("y", DT.FLOAT)],
        nodes: [node({ op: "Relu", inputs: ["x"], outputs: ["y"] })],
      }),
    );
    const { plan } = planModelFile(file);
    expect(plan.model.inputSize).toEqual({ h: null, w: null });
    expect(plan.buffers[0].shape[2]).toEqual({ c: 0, h: 1, w: 0, hw: 0 });
    const art = loadScript(emitJs(plan, { compilerVersion: "test" }));
    expect(art.meta.input_size).toEqual([null, null]);
    expect(art.qmc_prepare(5, 77)).toBe(0);
  });
});

/**
 * An encoder-decoder in miniature: SpaceToDepth(2) -> Relu -> DepthToSpace(2) added to its input,
 * which has shapes only where the height and width are even.
 */
function evenOnlyModel(): string {
  const file = join(dir, "even.onnx");
  const block = [{ name: "blocksize", type: 2, i: 2 }];
  writeFileSync(
    file,
    modelBytes({
      inputs: [valueInfo("x", DT.FLOAT, [1, 3, "h", "w"])],
      outputs: [valueInfo("y", DT.FLOAT)],
      nodes: [
        node({ op: "SpaceToDepth", inputs: ["x"], outputs: ["d"], name: "s2d", attrs: block }),
        node({ op: "Relu", inputs: ["d"], outputs: ["r"] }),
        node({ op: "DepthToSpace", inputs: ["r"], outputs: ["u"], name: "d2s", attrs: block }),
        node({ op: "Add", inputs: ["u", "x"], outputs: ["y"], name: "skip" }),
      ],
    }),
  );
  return file;
}

/** The reference interpreter on C x h x w planes. */
function referenceRun(file: string, planes: Float32Array, h: number, w: number): Float32Array {
  const model = decodeModel(readFileSync(file), { file });
  const [y] = new Interpreter(model).run([Tensor.from("float32", [1, 3, h, w], planes)]);
  return Float32Array.from(y.values);
}

describe("a graph that has shapes only at multiples of a size", () => {
  it("is planned in units of the multiple, and inspect's report says why", () => {
    const { plan } = planModelFile(evenOnlyModel());
    expect(plan.model.sizeMultiple).toEqual({
      h: 2,
      w: 2,
      why: expect.stringMatching(
        /^at 25x20: node 's2d' \(SpaceToDepth\): a dimension of 25 does not divide into blocks of 2/,
      ),
    });
    const input = plan.buffers.find((b) => b.id === plan.input);
    expect(input?.shape.slice(2)).toEqual([
      { c: 0, h: 2, w: 0, hw: 0 },
      { c: 0, h: 0, w: 2, hw: 0 },
    ]);
    expect(planModelFile(evenOnlyModel(), { size: { h: 6, w: 8 } }).plan.model.sizeMultiple).toEqual({ h: 1, w: 1 });
  });

  it("artifacts take even sizes only, and agree with the reference there", async () => {
    const file = evenOnlyModel();
    const { plan } = planModelFile(file);
    const js = loadScript(emitJs(plan, { compilerVersion: "test" }));
    expect(js.meta.size_multiple).toEqual([2, 2]);
    expect(js.qmc_prepare(5, 8)).toBe(-1);
    expect(js.qmc_prepare(6, 7)).toBe(-1);
    const wasm = await loadEngine(await emitWasm(plan, { compilerVersion: "test", isa: "simd" }));
    expect(() => wasm.prepare(5, 8)).toThrow();
    const planes = ramp(3 * 6 * 8);
    wasm.prepare(6, 8);
    wasm.input().set(planes);
    wasm.run();
    expect([...wasm.output()]).toEqual([...referenceRun(file, planes, 6, 8)]);
  });

  it("restores an odd-sized image padded at the bottom and right, in the runtime and the ES5 helper", async () => {
    const file = evenOnlyModel();
    const source = emitJs(planModelFile(file).plan, { compilerVersion: "test" });
    const pixels = Uint8Array.from({ length: 3 * 7 * 9 }, (_, i) => (i * 53) % 256);
    const model = await loadModel(source);
    const restored = await model.restore({ data: pixels, width: 9, height: 7, channels: 3 });
    expect(restored.tiling.size).toEqual([8, 10]);
    // The reference on the image with its last row and column repeated, cropped back.
    const padded = new Float32Array(3 * 8 * 10);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 10; x++)
          padded[(c * 8 + y) * 10 + x] = Math.fround(pixels[(Math.min(y, 6) * 9 + Math.min(x, 8)) * 3 + c] / 255);
    const full = referenceRun(file, padded, 8, 10);
    const expected = Uint8Array.from({ length: 3 * 7 * 9 }, (_, i) => {
      const [p, c] = [Math.floor(i / 3), i % 3];
      const v = Math.min(1, Math.max(0, full[(c * 8 + Math.floor(p / 9)) * 10 + (p % 9)]));
      return Math.round(Math.fround(v * 255));
    });
    expect([...restored.image.data]).toEqual([...expected]);
    const es5 = loadScript(source).restore(pixels, 9, 7, 3);
    expect([es5.width, es5.height]).toEqual([9, 7]);
    expect([...es5.data]).toEqual([...restored.image.data]);
    const tiled = await model.restore({ data: pixels, width: 9, height: 7, channels: 3 }, { tile: 5, overlap: 1 });
    expect(tiled.tiling.size).toEqual([4, 4]);
    expect([...loadScript(source).restore(pixels, 9, 7, 3, { tile: 5, overlap: 1 }).data]).toEqual([
      ...tiled.image.data,
    ]);
  });

  it("plans SwinIR's pad-to-a-window-and-crop at multiples of the window, where the pads are polynomials", () => {
    // pad = (8 - H % 8) % 8 at the bottom (reflect), Relu, then y[:, :, :H]: Shape arithmetic as exported.
    const file = join(dir, "pad-crop.onnx");
    const i64 = (name: string, dims: number[], values: number[]) => ({
      name,
      dims,
      dataType: DT.INT64,
      int64Data: values,
    });
    writeFileSync(
      file,
      modelBytes({
        inputs: [valueInfo("x", DT.FLOAT, [1, 3, "h", "w"])],
        outputs: [valueInfo("y", DT.FLOAT)],
        initializers: [
          i64("two", [], [2]),
          i64("eight", [], [8]),
          i64("zeros6", [6], [0, 0, 0, 0, 0, 0]),
          i64("zero1", [1], [0]),
          i64("axes2", [1], [2]),
          i64("axes0", [1], [0]),
        ],
        nodes: [
          node({ op: "Shape", inputs: ["x"], outputs: ["s"] }),
          node({ op: "Gather", inputs: ["s", "two"], outputs: ["h"], attrs: [{ name: "axis", type: 2, i: 0 }] }),
          node({ op: "Mod", inputs: ["h", "eight"], outputs: ["r"] }),
          node({ op: "Sub", inputs: ["eight", "r"], outputs: ["d"] }),
          node({ op: "Mod", inputs: ["d", "eight"], outputs: ["p"] }),
          node({ op: "Unsqueeze", inputs: ["p", "axes0"], outputs: ["p1"] }),
          node({
            op: "Concat",
            inputs: ["zeros6", "p1", "zero1"],
            outputs: ["pads"],
            attrs: [{ name: "axis", type: 2, i: 0 }],
          }),
          node({
            op: "Pad",
            inputs: ["x", "pads"],
            outputs: ["padded"],
            attrs: [{ name: "mode", type: 3, s: new TextEncoder().encode("reflect") }],
          }),
          node({ op: "Relu", inputs: ["padded"], outputs: ["r2"] }),
          node({ op: "Unsqueeze", inputs: ["h", "axes0"], outputs: ["h1"] }),
          node({ op: "Slice", inputs: ["r2", "zero1", "h1", "axes2"], outputs: ["y"] }),
        ],
      }),
    );
    const { plan } = planModelFile(file);
    expect(plan.model.sizeMultiple).toMatchObject({ h: 8, w: 8, why: expect.stringContaining("is not a polynomial") });
    const art = loadScript(emitJs(plan, { compilerVersion: "test" }));
    const planes = ramp(3 * 16 * 24);
    expect(art.qmc_prepare(16, 24)).toBe(0);
    new Float32Array(art.memory, art.qmc_input(), planes.length).set(planes);
    expect(art.qmc_run()).toBe(0);
    expect([...new Float32Array(art.memory, art.qmc_output(), planes.length)]).toEqual([
      ...referenceRun(file, planes, 16, 24),
    ]);
  });

  it("rounds a requested tile down to the multiple, and up to one multiple at least", () => {
    expect(planTiling(8, 10, 5, 1, { h: null, w: null }, { h: 2, w: 2 })).toMatchObject({ tile: 4, size: [4, 4] });
    expect(planTiling(8, 10, 1, 0, { h: null, w: null }, { h: 2, w: 2 })).toMatchObject({ tile: 2, size: [2, 2] });
  });
});

describe("a fixed-size artifact tiles larger images at its size", () => {
  it("places tiles of the fixed size as SwinIR does, along each axis", () => {
    expect(planTiling(300, 500, undefined, 0, { h: 224, w: 224 })).toEqual({
      tile: 224,
      size: [224, 224],
      overlap: 0,
      ys: [0, 76],
      xs: [0, 224, 276],
    });
    expect(planTiling(40, 90, 32, 4, { h: 24, w: null })).toEqual({
      tile: null,
      size: [24, 32],
      overlap: 4,
      ys: [0, 16],
      xs: [0, 28, 56, 58],
    });
  });

  it("refuses an image smaller than the fixed size, naming both sizes", () => {
    expect(() => planTiling(100, 300, undefined, 0, { h: 224, w: 224 })).toThrow(
      /compiled for 224x224 inputs .* this image is 100x300, smaller: compile the model with --size 100x300/,
    );
  });

  it("runs every tile at the fixed size and stitches an image as a whole run would", () => {
    const engine = fakeEngine(2, 1);
    const fixed = { ...engine, meta: { ...engine.meta, input_size: [8, 6] as [number, number] } };
    const planes = ramp(19 * 13).map((v) => (v + 1) / 2);
    const whole = runTiled(fakeEngine(2, 1), planes, 19, 13);
    const tiled = runTiled(fixed, planes, 19, 13, { overlap: 2 });
    expect(new Set(engine.sizes)).toEqual(new Set(["8x6"]));
    expect(tiled.tiling.ys).toEqual([0, 6, 11]);
    expect([...tiled.planes]).toEqual([...whole.planes]);
  });

  it("the ES5 restore helper tiles at the fixed size too and agrees with the runtime", () => {
    const file = shuffleModel("restore", [1, 4, 6, 8], 6, 8);
    const art = loadScript(emitJs(planModelFile(file).plan, { compilerVersion: "test" }));
    const pixels = Uint8Array.from({ length: 4 * 9 * 20 }, (_, i) => (i * 53) % 256);
    expect(() => art.restore(pixels.subarray(0, 4 * 5 * 20), 20, 5, 4)).toThrow(
      "qmc restore: the artifact runs on 6x8 inputs; the image is 5x20",
    );
    const out = art.restore(pixels, 20, 9, 4, { overlap: 2 });
    expect([out.width, out.height]).toEqual([40, 18]);
  });
});

describe("honest support", () => {
  it("a target's refusals are collected over the whole plan, each naming its node", () => {
    const file = shuffleModel("refusals", [1, 4, 6, 8], 6, 8);
    const { plan } = planModelFile(file);
    let error: unknown;
    try {
      generateAll(plan, "toy", new Map(), () => 0);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedKernels);
    const problems = (error as UnsupportedKernels).problems;
    expect(problems.length).toBe(plan.kernels.length);
    expect((error as Error).message).toContain(`the toy target cannot compile ${plan.kernels.length} of`);
    expect((error as Error).message).toContain("#0 Relu from node 'relu': no toy kernel for op Relu");
  });

  it("the README's kernel table is the registries' table", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
    expect(readme).toContain(supportTable(kernelKinds(), [...TARGETS.keys()], true));
  });
});

describe("decoding is untouched by pins", () => {
  it("the model as written keeps its declared input", () => {
    const file = shuffleModel("untouched", [1, 4, "height", "width"], 6, 8);
    const { model } = planModelFile(file, { size: { h: 6, w: 8 } });
    expect(model.graph.inputs[0].type.shape).toEqual([1, 4, "height", "width"]);
    expect(decodeModel(readFileSync(file), { file }).graph.inputs[0].type.shape).toEqual([1, 4, "height", "width"]);
  });
});
