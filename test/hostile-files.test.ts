import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeModel } from "../compiler/onnx/decode.js";
import { DEFAULT_MODEL_LIMITS, type ModelLimits } from "../compiler/onnx/limits.js";
import { onnx } from "../compiler/onnx/onnx-proto.js";
import { encodePng } from "../runtime/node/png.js";
import { jsArtifact } from "./runtime/support/artifacts.js";
import { qmc, STACK_LINE } from "./support/cli.js";
import { DT, floatTensor, type ModelSpec, modelBytes, node, valueInfo } from "./support/onnx-builder.js";

/** Models, images, paths and options from people qmc cannot trust: exit 2 with one clear line, never a crash or a hang. */

const dir = mkdtempSync(join(tmpdir(), "qmc-hostile-"));
const write = (name: string, contents: Uint8Array | string) => {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
};

const relu = (inputShape: (number | string)[] = [1, 3, "h", "w"]): ModelSpec => ({
  inputs: [valueInfo("x", DT.FLOAT, inputShape)],
  outputs: [valueInfo("y", DT.FLOAT)],
  nodes: [node({ op: "Relu", inputs: ["x"], outputs: ["y"], name: "relu" })],
});
const reluModel = write("relu.onnx", modelBytes(relu()));

function expectUserError(r: { status: number | null; stderr: string }, message: RegExp) {
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.status).toBe(2);
}

describe("compile -o", () => {
  it("a folder that cannot be created (/proc/x) is refused at once", () => {
    // Node 20's recursive mkdir never returns here; the timeout turns that hang into a failure.
    const main = join(import.meta.dirname, "..", "dist", "compiler", "cli", "main.js");
    const r = spawnSync(process.execPath, [main, "compile", reluModel, "-o", "/proc/x"], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expectUserError(r, /\/proc\/x: cannot create folder \/proc\/x \(ENOENT\): no such file or folder/);
  });
  it("an existing file", () => {
    const file = write("a-file", "text");
    expectUserError(qmc("compile", reluModel, "-o", file), /a-file: exists and is not a folder/);
  });
  it("a path below a file", () => {
    const file = write("b-file", "text");
    expectUserError(qmc("compile", reluModel, "-o", join(file, "sub", "out")), /b-file is a file, not a folder/);
  });
  it("a folder name the file system refuses leaves no folder behind", () => {
    const top = join(dir, "long-top");
    const r = qmc("compile", reluModel, "-o", join(top, "x".repeat(300)));
    expectUserError(r, /cannot create folder .* \(ENAMETOOLONG\)/);
    expect(existsSync(top)).toBe(false);
  });
  it("a folder qmc may not write into (/proc)", () => {
    expectUserError(qmc("compile", reluModel, "-o", "/proc"), /\/proc: cannot write \(ENOENT\)/);
  });
  it("a path through a symbolic link loop", () => {
    symlinkSync("loop", join(dir, "loop"));
    expectUserError(qmc("compile", reluModel, "-o", join(dir, "loop", "out")), /loop\/out: cannot write \(ELOOP\)/);
  });
});

describe("atomic output", () => {
  it("an artifact that cannot be written leaves neither the others nor the folder behind", () => {
    // 248 + ".onnx" is a legal name; 248 + ".plan.json" is too long for the file system.
    const model = write(`${"m".repeat(248)}.onnx`, modelBytes(relu()));
    const out = join(dir, "long-names");
    expectUserError(qmc("compile", model, "-o", out), /\.plan\.json: cannot write \(ENAMETOOLONG\)/);
    expect(existsSync(out)).toBe(false);
  });
  it("compile replaces no artifact and leaves nothing behind when a later write fails", () => {
    const out = join(dir, "atomic");
    mkdirSync(join(out, "relu.ts"), { recursive: true });
    writeFileSync(join(out, "relu.js"), "previous");
    expectUserError(
      qmc("compile", reluModel, "-t", "js,ts", "-o", out),
      /relu.ts: cannot write \(EISDIR\): it is a folder/,
    );
    expect(readFileSync(join(out, "relu.js"), "utf8")).toBe("previous");
    expect(readdirSync(out).sort()).toEqual(["relu.js", "relu.ts"]);
  });
  it("compile moves every artifact into place on success", () => {
    const out = join(dir, "fresh", "deeper");
    const r = qmc("compile", reluModel, "-t", "js,ts", "-o", out);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["relu.js", "relu.plan.json", "relu.ts"]);
  });

  const x2 = write("x2.js", jsArtifact(2, 3));
  const image = (w: number, h: number) =>
    encodePng({ data: new Uint8Array(w * h * 3).fill(128), width: w, height: h, channels: 3 });
  const small = write("small.png", image(4, 4));

  it("run -o onto a folder: one line, no temporary file left", () => {
    const out = join(dir, "run-out");
    mkdirSync(join(out, "o.png"), { recursive: true });
    expectUserError(qmc("run", x2, small, "-o", join(out, "o.png")), /o.png: cannot write \(EISDIR\): it is a folder/);
    expect(readdirSync(out)).toEqual(["o.png"]);
  });
  it("eval --report onto a folder: one line, no temporary file left", () => {
    const dataset = join(dir, "dataset");
    mkdirSync(join(dataset, "HR"), { recursive: true });
    mkdirSync(join(dataset, "LRbicx2"));
    writeFileSync(join(dataset, "HR", "a.png"), image(24, 24));
    writeFileSync(join(dataset, "LRbicx2", "a.png"), image(12, 12));
    const out = join(dir, "eval-out");
    mkdirSync(join(out, "report.json"), { recursive: true });
    const r = qmc("eval", x2, "--dataset", dataset, "--scale", "2", "--report", join(out, "report.json"));
    expectUserError(r, /report.json: cannot write \(EISDIR\): it is a folder/);
    expect(readdirSync(out)).toEqual(["report.json"]);
  });
});

/** A PNG from its chunks, each with its length and CRC. */
function png(...chunks: [type: string, data: Uint8Array][]): Uint8Array {
  const parts = [Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10])];
  for (const [type, data] of chunks) {
    const body = new Uint8Array([...Buffer.from(type, "latin1"), ...data]);
    const head = new DataView(new ArrayBuffer(4));
    head.setUint32(0, data.length);
    const tail = new DataView(new ArrayBuffer(4));
    tail.setUint32(0, crc32(body));
    parts.push(new Uint8Array(head.buffer), body, new Uint8Array(tail.buffer));
  }
  return Buffer.concat(parts);
}
function ihdr(width: number, height: number): [string, Uint8Array] {
  const v = new DataView(new ArrayBuffer(13));
  v.setUint32(0, width);
  v.setUint32(4, height);
  v.setUint8(8, 8); // bit depth
  v.setUint8(9, 2); // RGB
  return ["IHDR", new Uint8Array(v.buffer)];
}
const IEND: [string, Uint8Array] = ["IEND", new Uint8Array()];
const idat = (filteredBytes: number): [string, Uint8Array] => ["IDAT", deflateSync(new Uint8Array(filteredBytes))];

describe("hostile PNG", () => {
  const identity = write("x1.js", jsArtifact(1, 3));
  const run = (name: string, bytes: Uint8Array, ...flags: string[]) =>
    qmc("run", identity, write(name, bytes), "-o", join(dir, `${name}.out.png`), ...flags);

  it("a header declaring 2147483647x1 is refused before decoding (no native abort)", () => {
    const bytes = png(ihdr(2147483647, 1), idat(1), IEND);
    expectUserError(run("wide.png", bytes), /2147483647x1 = 2147483647 pixels, over the limit of 67108864 pixels/);
  });
  it("a header declaring 20000x20000 is refused at once, not after gigabytes", () => {
    const started = Date.now();
    expectUserError(run("huge.png", png(ihdr(20000, 20000), idat(1), IEND)), /over the limit of 67108864 pixels/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
  it("--max-pixels lowers the limit", () => {
    const bytes = png(ihdr(4, 4), idat(4 * 13), IEND);
    expectUserError(run("limited.png", bytes, "--max-pixels", "15"), /4x4 = 16 pixels, over the limit of 15 pixels/);
    expect(run("limited.png", bytes, "--max-pixels", "16").status).toBe(0);
  });
  it("image data cut short is refused", () => {
    expectUserError(
      run("short.png", png(ihdr(4, 4), idat(3 * 13), IEND)),
      /image data is cut short: 39 bytes where 4x4 needs 52/,
    );
  });
  it("a file cut inside a chunk is refused", () => {
    const bytes = png(ihdr(4, 4), idat(4 * 13), IEND);
    expectUserError(run("cut.png", bytes.subarray(0, 50)), /the file is cut short inside its IDAT chunk/);
  });
});

describe("hostile paths and sizes", () => {
  it("external data whose location is a folder", () => {
    const modelDir = join(dir, "ext");
    mkdirSync(join(modelDir, "weights"), { recursive: true });
    const spec = relu();
    spec.initializers = [
      {
        name: "w",
        dataType: DT.FLOAT,
        dims: [2],
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [{ key: "location", value: "weights" }],
      },
    ];
    writeFileSync(join(modelDir, "m.onnx"), modelBytes(spec));
    expectUserError(qmc("inspect", join(modelDir, "m.onnx")), /initializer 'w': external data 'weights' is a folder/);
  });
  it("diff --size 100000x100000", () => {
    expectUserError(
      qmc("diff", reluModel, "--targets", "js,ts", "--size", "100000x100000"),
      /--size: 100000x100000 is more than diff runs at \(262144 pixels/,
    );
  });
});

describe("graphs that ONNX's checker rejects", () => {
  const decode = (spec: ModelSpec, limits?: ModelLimits) => () =>
    decodeModel(modelBytes(spec), { file: "m.onnx", limits });
  const base = relu();

  it("two nodes writing one value (on the command line too)", () => {
    const spec = {
      ...base,
      nodes: [...base.nodes, node({ op: "Sigmoid", inputs: ["x"], outputs: ["y"], name: "second" })],
    };
    expectUserError(
      qmc("compile", write("twice.onnx", modelBytes(spec)), "-o", join(dir, "twice")),
      /node 'second' \(Sigmoid\) writes 'y', which is already written by node 'relu' \(Relu\)/,
    );
  });
  it("a node output shadowing an initializer", () => {
    const spec = { ...base, initializers: [floatTensor("y", [1], [0])] };
    expect(decode(spec)).toThrow(/node 'relu' \(Relu\) writes 'y', which is already an initializer/);
  });
  it("a node output shadowing a graph input", () => {
    const spec = { ...base, nodes: [node({ op: "Relu", inputs: ["x"], outputs: ["x"], name: "self" })] };
    expect(decode(spec)).toThrow(/node 'self' \(Relu\) writes 'x', which is already a graph input/);
  });
  it("duplicate initializers", () => {
    const spec = { ...base, initializers: [floatTensor("w", [1], [0]), floatTensor("w", [1], [1])] };
    expect(decode(spec)).toThrow(/initializer 'w' is defined twice/);
  });
  it("an empty graph output name", () => {
    expect(decode({ ...base, outputs: [valueInfo("", DT.FLOAT)] })).toThrow(/graph output #0 has no name/);
  });
  it("negative and absurd declared input dims", () => {
    expect(decode(relu([1, 3, -4, 8]))).toThrow(/graph input 'x' declares a negative dim \[1,3,-4,8\]/);
    expect(decode(relu([1, 3, 2 ** 20, 2 ** 20]))).toThrow(
      /graph input 'x' declares \[1,3,1048576,1048576\], 3298534883328 elements, over the limit/,
    );
  });
});

describe("verify options", () => {
  /** Commander names the option and its value on the first line, then prints the command's help. */
  function expectOptionError(args: string[], message: RegExp) {
    const r = qmc("verify", reluModel, ...args);
    expect(r.stderr.split("\n")[0]).toMatch(message);
    expect(r.status).toBe(2);
  }
  for (const [flag, value] of [
    ["--rtol", "-1"],
    ["--atol", "-1"],
    ["--min-psnr", "-5"],
  ]) {
    it(`${flag} ${value}`, () => {
      expectOptionError(
        [flag, value],
        new RegExp(`'${flag} <[^>]+>' argument '${value}' is invalid. -\\d+ is negative`),
      );
    });
  }
  it('--target ""', () => {
    expectOptionError(["--target", ""], /'--target <t>' argument '' is invalid. it is empty/);
  });
});

describe("limits", () => {
  const limited = (limits: Partial<ModelLimits>) => ({ ...DEFAULT_MODEL_LIMITS, ...limits });
  const withWeights = (...dims: number[][]) => ({
    ...relu(),
    initializers: dims.map((d, i) => floatTensor(`w${i}`, d, new Array(d.reduce((p, x) => p * x, 1)).fill(0))),
  });
  const decode = (spec: ModelSpec, limits: Partial<ModelLimits>) => () =>
    decodeModel(modelBytes(spec), { file: "m.onnx", limits: limited(limits) });

  it("model bytes, checked before the file is read (--max-model-bytes)", () => {
    expectUserError(
      qmc("compile", reluModel, "-o", join(dir, "small"), "--max-model-bytes", "10"),
      /relu.onnx: \d+ bytes, over the limit of 10 \(--max-model-bytes\)/,
    );
  });
  it("elements of one tensor, before its data is allocated", () => {
    expect(decode(withWeights([4, 4]), { tensorElements: 15 })).toThrow(
      /initializer 'w0': 16 elements, over the limit of 15 per tensor \(--max-tensor-elements\)/,
    );
    // Dims of 2^27 x 2^27 with no data: refused by their count, nothing allocated.
    const absurd = { ...relu(), initializers: [{ name: "big", dims: [2 ** 27, 2 ** 27], dataType: DT.FLOAT }] };
    expect(decode(absurd, {})).toThrow(/initializer 'big': 18014398509481984 elements, over the limit/);
  });
  it("elements of all tensors together", () => {
    expect(decode(withWeights([4], [4], [4]), { totalElements: 10 })).toThrow(
      /initializer 'w2': the model's tensors exceed 10 elements together \(--max-total-elements\)/,
    );
  });
  it("graph nodes", () => {
    expect(decode(relu(), { nodes: 0 })).toThrow(/graph 'g': more than 0 nodes \(--max-nodes\)/);
  });
  it("subgraph depth", () => {
    const branch = (inner?: onnx.IGraphProto): onnx.IGraphProto => ({
      name: inner ? "outer-branch" : "inner-branch",
      output: [valueInfo(inner ? "o1" : "o2", DT.FLOAT)],
      node: inner
        ? [
            node({
              op: "If",
              inputs: ["c"],
              outputs: ["o1"],
              attrs: [
                { name: "then_branch", type: onnx.AttributeProto.AttributeType.GRAPH, g: inner },
                { name: "else_branch", type: onnx.AttributeProto.AttributeType.GRAPH, g: inner },
              ],
            }),
          ]
        : [node({ op: "Identity", inputs: ["x"], outputs: ["o2"] })],
    });
    const nested = branch(branch());
    const spec: ModelSpec = {
      inputs: [valueInfo("x", DT.FLOAT, [1]), valueInfo("c", DT.BOOL, [])],
      outputs: [valueInfo("y", DT.FLOAT)],
      nodes: [
        node({
          op: "If",
          inputs: ["c"],
          outputs: ["y"],
          attrs: [
            { name: "then_branch", type: onnx.AttributeProto.AttributeType.GRAPH, g: nested },
            { name: "else_branch", type: onnx.AttributeProto.AttributeType.GRAPH, g: nested },
          ],
        }),
      ],
    };
    expect(decode(spec, { graphDepth: 1 })).toThrow(
      /graph 'inner-branch': subgraphs nested 2 deep, over the limit of 1 \(--max-graph-depth\)/,
    );
    expect(decode(spec, { graphDepth: 2 })).not.toThrow();
  });
});
