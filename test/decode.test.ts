import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { QmcError } from "../compiler/diagnostics.js";
import { Interpreter } from "../compiler/interp/interpreter.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel, readModelFile } from "../compiler/onnx/decode.js";
import { onnx } from "../compiler/onnx/onnx-proto.js";
import { decodeTensor } from "../compiler/onnx/tensor-proto.js";
import { DT, floatTensor, modelBytes, node, valueInfo } from "./support/onnx-builder.js";

const decode = (p: onnx.ITensorProto, baseDir?: string) => decodeTensor(p, { what: "t", baseDir });
const raw = (bytes: number[]) => new Uint8Array(bytes);
const le = (ctor: { new (n: number): ArrayBufferView & ArrayLike<number | bigint> }, values: (number | bigint)[]) => {
  const a = new ctor(values.length) as unknown as (number | bigint)[];
  values.forEach((v, i) => {
    a[i] = v;
  });
  const view = a as unknown as ArrayBufferView;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
};

describe("tensor decoding from raw_data", () => {
  const cases: [string, number, Uint8Array, number[]][] = [
    ["float32", DT.FLOAT, le(Float32Array, [1.5, -2]), [1.5, -2]],
    ["float64", DT.DOUBLE, le(Float64Array, [0.1, 1e300]), [0.1, 1e300]],
    ["float16", DT.FLOAT16, le(Uint16Array, [0x3c00, 0xc000, 0x0001]), [1, -2, 2 ** -24]],
    ["bfloat16", DT.BFLOAT16, le(Uint16Array, [0x3f80, 0xc040]), [1, -3]],
    ["int8", DT.INT8, raw([0x80, 0x7f]), [-128, 127]],
    ["uint8", DT.UINT8, raw([0, 255]), [0, 255]],
    ["int16", DT.INT16, le(Int16Array, [-32768, 5]), [-32768, 5]],
    ["uint16", DT.UINT16, le(Uint16Array, [65535, 5]), [65535, 5]],
    ["int32", DT.INT32, le(Int32Array, [-(2 ** 31), 7]), [-(2 ** 31), 7]],
    ["uint32", DT.UINT32, le(Uint32Array, [2 ** 32 - 1, 7]), [2 ** 32 - 1, 7]],
    ["int64", DT.INT64, le(BigInt64Array, [-(2n ** 40n), 3n]), [-(2 ** 40), 3]],
    ["uint64", DT.UINT64, le(BigUint64Array, [2n ** 50n, 3n]), [2 ** 50, 3]],
    ["bool", DT.BOOL, raw([1, 0]), [1, 0]],
    // Packed sub-byte types: first element in the least significant bits.
    ["int4", DT.INT4, raw([0x8f, 0x07]), [-1, -8, 7]],
    ["uint4", DT.UINT4, raw([0x8f, 0x07]), [15, 8, 7]],
    ["int2", DT.INT2, raw([0b10_01_00_11, 0b01]), [-1, 0, 1, -2, 1]],
    ["uint2", DT.UINT2, raw([0b10_01_00_11, 0b01]), [3, 0, 1, 2, 1]],
  ];
  it.each(cases)("%s", (dtype, dataType, rawData, expected) => {
    const t = decode({ dataType, dims: [expected.length], rawData });
    expect(t.dtype).toBe(dtype);
    expect(Array.from(t.values)).toEqual(expected);
  });

  it("refuses raw_data of the wrong length, naming the tensor", () => {
    expect(() => decode({ dataType: DT.FLOAT, dims: [3], rawData: raw([0, 0, 0, 0]) })).toThrow(
      /t: raw_data holds 4 bytes, float32\[3\] needs 12/,
    );
  });

  it("names unsupported element types", () => {
    expect(() => decode({ dataType: DT.COMPLEX64, dims: [1], floatData: [1, 2] })).toThrow(
      /COMPLEX64 is not supported/,
    );
  });
});

describe("tensor decoding from typed fields", () => {
  const cases: [string, onnx.ITensorProto, number[]][] = [
    ["float32", { dataType: DT.FLOAT, floatData: [1, 2.5] }, [1, 2.5]],
    ["float64", { dataType: DT.DOUBLE, doubleData: [0.1, 2] }, [0.1, 2]],
    ["float16", { dataType: DT.FLOAT16, int32Data: [0x3c00, 0x4000] }, [1, 2]],
    ["bfloat16", { dataType: DT.BFLOAT16, int32Data: [0x3f80, 0x4000] }, [1, 2]],
    ["int8", { dataType: DT.INT8, int32Data: [-5, 6] }, [-5, 6]],
    ["int16", { dataType: DT.INT16, int32Data: [-5, 6] }, [-5, 6]],
    ["int32", { dataType: DT.INT32, int32Data: [-5, 6] }, [-5, 6]],
    ["uint8", { dataType: DT.UINT8, int32Data: [200, 6] }, [200, 6]],
    ["uint16", { dataType: DT.UINT16, int32Data: [60000, 6] }, [60000, 6]],
    ["bool", { dataType: DT.BOOL, int32Data: [1, 0] }, [1, 0]],
    ["int64", { dataType: DT.INT64, int64Data: [-(2 ** 40), 9] }, [-(2 ** 40), 9]],
    ["uint32", { dataType: DT.UINT32, uint64Data: [2 ** 32 - 1, 9] }, [2 ** 32 - 1, 9]],
    ["uint64", { dataType: DT.UINT64, uint64Data: [2 ** 50, 9] }, [2 ** 50, 9]],
    ["int4", { dataType: DT.INT4, int32Data: [0x8f, 0x07] }, [-1, -8, 7]],
    ["uint4", { dataType: DT.UINT4, int32Data: [0x8f] }, [15, 8]],
    ["int2", { dataType: DT.INT2, int32Data: [0b10_01_00_11] }, [-1, 0, 1, -2]],
    ["uint2", { dataType: DT.UINT2, int32Data: [0b10_01_00_11] }, [3, 0, 1, 2]],
  ];
  it.each(cases)("%s", (dtype, proto, expected) => {
    const t = decode({ ...proto, dims: [expected.length] });
    expect(t.dtype).toBe(dtype);
    expect(Array.from(t.values)).toEqual(expected);
  });

  it("decodes strings", () => {
    const t = decode({
      dataType: DT.STRING,
      dims: [2],
      stringData: [new TextEncoder().encode("a"), new TextEncoder().encode("bc")],
    });
    expect(t.data).toEqual(["a", "bc"]);
  });

  it("survives a protobuf round trip with int64 values as plain numbers", () => {
    const bytes = onnx.TensorProto.encode({ dataType: DT.INT64, dims: [2], int64Data: [-3, 2 ** 40] }).finish();
    expect(Array.from(decode(onnx.TensorProto.decode(bytes)).values)).toEqual([-3, 2 ** 40]);
  });
});

describe("external data", () => {
  const dir = mkdtempSync(join(tmpdir(), "qmc-ext-"));
  const modelDir = join(dir, "model");
  mkdirSync(join(modelDir, "weights"), { recursive: true });
  const floats = new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5]).buffer);
  writeFileSync(join(modelDir, "weights", "w.bin"), floats);
  writeFileSync(join(dir, "outside.bin"), floats);
  symlinkSync(join(dir, "outside.bin"), join(modelDir, "link.bin"));
  const ext = (location: string, extra: Record<string, string> = {}): onnx.ITensorProto => ({
    dataType: DT.FLOAT,
    dims: [2],
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: Object.entries({ location, ...extra }).map(([key, value]) => ({ key, value })),
  });

  it("reads a file inside the model folder, with offset and length", () => {
    const t = decode(ext("weights/w.bin", { offset: "8", length: "8" }), modelDir);
    expect(Array.from(t.values)).toEqual([2, 3]);
  });
  it("refuses '..'", () => {
    expect(() => decode(ext("../outside.bin"), modelDir)).toThrow(/must be a relative path inside the model's folder/);
  });
  it("refuses absolute paths", () => {
    expect(() => decode(ext(join(dir, "outside.bin")), modelDir)).toThrow(/must be a relative path inside/);
  });
  it("refuses links that lead out of the folder", () => {
    expect(() => decode(ext("link.bin"), modelDir)).toThrow(/resolves outside the model's folder/);
  });
  it("refuses ranges past the end of the file", () => {
    expect(() => decode(ext("weights/w.bin", { offset: "20", length: "8" }), modelDir)).toThrow(/exceeds/);
  });
});

describe("model-local functions", () => {
  // y = relu(a + b), built from ops that every build has.
  const fn: onnx.IFunctionProto = {
    name: "AddRelu",
    domain: "local",
    input: ["a", "b"],
    output: ["y"],
    node: [
      node({ op: "Add", inputs: ["a", "b"], outputs: ["s"] }),
      node({ op: "Relu", inputs: ["s"], outputs: ["y"] }),
    ],
    opsetImport: [{ domain: "", version: 17 }],
  };
  const bytes = modelBytes({
    opsets: { "": 17, local: 1 },
    functions: [fn],
    inputs: [valueInfo("x", DT.FLOAT, [3])],
    outputs: [valueInfo("z", DT.FLOAT, [3])],
    initializers: [floatTensor("c", [3], [1, -5, 0.5])],
    nodes: [
      node({ op: "AddRelu", domain: "local", inputs: ["x", "c"], outputs: ["t"], name: "call1" }),
      node({ op: "AddRelu", domain: "local", inputs: ["t", "c"], outputs: ["z"], name: "call2" }),
    ],
  });

  it("are inlined with their values renamed apart", () => {
    const model = decodeModel(bytes, { file: "f.onnx" });
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(["Add", "Relu", "Add", "Relu"]);
    expect(model.inlinedFunctions).toEqual(["AddRelu"]);
    const out = new Interpreter(model).run([Tensor.from("float32", [3], [1, 1, 1])]);
    expect(Array.from(out[0].values)).toEqual([3, 0, 2]);
  });
});

describe("malformed models", () => {
  const dir = mkdtempSync(join(tmpdir(), "qmc-bad-"));
  const write = (name: string, bytes: Uint8Array) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const add = modelBytes({
    inputs: [valueInfo("x", DT.FLOAT, [2])],
    outputs: [valueInfo("y", DT.FLOAT, [2])],
    nodes: [node({ op: "Add", inputs: ["x", "x"], outputs: ["y"] })],
  });

  it("a truncated file", () => {
    const f = write("truncated.onnx", add.subarray(0, add.length - 7));
    expect(() => readModelFile(f)).toThrow(QmcError);
    expect(() => readModelFile(f)).toThrow(/truncated.onnx: not (a valid|an) ONNX model/);
  });
  it("a file that is not ONNX", () => {
    const f = write("text.onnx", new TextEncoder().encode("hello, this is not a model\n"));
    expect(() => readModelFile(f)).toThrow(/text.onnx: not (a valid|an) ONNX model/);
  });
  it("a missing initializer", () => {
    const bytes = modelBytes({
      inputs: [valueInfo("x", DT.FLOAT, [2])],
      outputs: [valueInfo("y", DT.FLOAT, [2])],
      nodes: [node({ op: "Add", name: "bias_add", inputs: ["x", "bias"], outputs: ["y"] })],
    });
    expect(() => decodeModel(bytes, { file: "m.onnx" })).toThrow(
      /node 'bias_add' \(Add\) reads 'bias', which no graph input, initializer or node provides/,
    );
  });
  it("a graph cycle", () => {
    const bytes = modelBytes({
      inputs: [valueInfo("x", DT.FLOAT, [2])],
      outputs: [valueInfo("y", DT.FLOAT, [2])],
      nodes: [
        node({ op: "Add", name: "a", inputs: ["x", "c"], outputs: ["b"] }),
        node({ op: "Relu", name: "r", inputs: ["b"], outputs: ["c"] }),
        node({ op: "Identity", name: "out", inputs: ["c"], outputs: ["y"] }),
      ],
    });
    expect(() => decodeModel(bytes, { file: "m.onnx" })).toThrow(/cycle through .*'a' \(Add\).*'r' \(Relu\)/);
  });
  it("an IR version newer than supported", () => {
    const bytes = modelBytes({ irVersion: 99, inputs: [], outputs: [], nodes: [] });
    expect(() => decodeModel(bytes, { file: "m.onnx" })).toThrow(/IR version 99 is newer/);
  });
});
