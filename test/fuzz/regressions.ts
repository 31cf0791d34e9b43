import { deflateSync } from "node:zlib";
import { onnx } from "../../compiler/onnx/onnx-proto.js";
import { EXTERNAL_FILE } from "./model-mutations.js";
import { encodeChunks, PNG_SEEDS, pngChunks } from "./png-mutations.js";
import { caseDraw } from "./random.js";

/**
 * What the fuzz found, each as a fixed mutation that replays without the random stream: the seed it
 * applies to, the edit, and the one line qmc must refuse it with.
 */
export interface ModelRegression {
  readonly name: string;
  readonly seed: string;
  readonly edit: (model: onnx.ModelProto) => void;
  readonly refusal: RegExp;
}

const nodeOf = (m: onnx.ModelProto, test: (n: onnx.INodeProto) => boolean) => {
  const n = (m.graph as onnx.GraphProto).node.find(test);
  if (!n) throw new Error("fuzz regression: the seed has no such node");
  return n;
};
const initializerOf = (m: onnx.ModelProto, name: string) => {
  const t = (m.graph as onnx.GraphProto).initializer.find((x) => x.name === name);
  if (!t) throw new Error(`fuzz regression: the seed has no initializer '${name}'`);
  return t;
};

export const MODEL_REGRESSIONS: readonly ModelRegression[] = [
  {
    name: "a line break in a graph output's name stays inside the one line",
    seed: "test_softmax_axis_1",
    edit: (m) => {
      (m.graph as onnx.GraphProto).output[0].name = "line\nbreak";
    },
    refusal: /graph output 'line\\x0abreak' is produced by no node/,
  },
  {
    name: "a line break in a node's domain stays inside its line of the unsupported-node list",
    seed: "srvgg-x4-dyn",
    edit: (m) => {
      nodeOf(m, (n) => n.opType === "Conv").domain = "\n\fkernel_shape";
    },
    refusal: /domain \\x0a\\x0ckernel_shape opset -/,
  },
  {
    name: "absurd pads are refused by the tensor limit before the interpreter allocates",
    seed: "test_ReflectionPad2d",
    edit: (m) => {
      const pads = nodeOf(m, (n) => n.opType === "Pad").attribute?.find((a) => a.name === "pads");
      if (!pads) throw new Error("fuzz regression: Pad without 'pads'");
      pads.ints = [65536, 3, 2 ** 32, 0, -2, 2, 0, 2 ** 53 - 1];
    },
    refusal:
      /\(Pad\): output 0 would have shape \[.*\], .* elements, over the limit of \d+ per tensor \(--max-tensor-elements\)/,
  },
  {
    name: "a Max without inputs (a Constant's op changed) is refused when constants fold",
    seed: "espcn-x3-fixed",
    edit: (m) => {
      nodeOf(m, (n) => n.opType === "Constant").opType = "Max";
    },
    refusal: /\(Max\): takes at least 1 inputs, 0 given/,
  },
  {
    name: "a Conv weight of rank 3 is refused by the kernel's geometry",
    seed: "srcnn-x3-fixed",
    edit: (m) => {
      initializerOf(m, "conv2.weight").dims = [32, 64, 1];
    },
    refusal: /weight has rank 3; a 2-D convolution's is 4/,
  },
  {
    name: "an output of rank 2 is refused as the model's image",
    seed: "test_convtranspose_pads",
    edit: (m) => {
      nodeOf(m, (n) => n.opType === "ConvTranspose").opType = "Gemm";
      nodeOf(m, (n) => n.opType === "Gemm").attribute = [];
    },
    refusal: /output 'Y' has rank 2; the model must produce one image of rank 4/,
  },
  {
    name: "RfaQuant bits that do not match its allocation points are refused when weights fold",
    seed: "qmambair-tiny-sr2-w4a4",
    edit: (m) => {
      const bits = nodeOf(m, (n) => n.opType === "RfaQuant").attribute?.find((a) => a.name === "bits");
      if (!bits) throw new Error("fuzz regression: RfaQuant without 'bits'");
      bits.i = 3;
    },
    refusal: /\(ai\.qmambair\.RfaQuant\): input 'a' has 16 values, expected 2\^bits = 8/,
  },
  {
    name: "a SelectiveScan whose inputs have the wrong ranks is refused by its shape rule, before planning",
    seed: "qmambair-tiny-sr2-w4a4",
    edit: (m) => {
      nodeOf(m, (n) => n.opType === "ActQuant").opType = "SelectiveScan";
    },
    refusal: /\(ai\.qmambair\.SelectiveScan\): input 'u' has rank 4, expected 3/,
  },
  {
    name: "an external-data offset that is not an integer is refused",
    seed: "test_gemm_all_attributes",
    edit: (m) => {
      const c = initializerOf(m, "c");
      c.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      c.rawData = new Uint8Array();
      c.externalData = [
        { key: "location", value: EXTERNAL_FILE },
        { key: "offset", value: "0.5" },
        { key: "length", value: "20" },
      ];
    },
    refusal: /external data range 0\.5\+20 exceeds 'w\.bin'/,
  },
];

export interface PngRegression {
  readonly name: string;
  readonly bytes: () => Uint8Array;
  readonly refusal: RegExp;
}

/** The first seed's chunks (gray 8-bit, 7x5), edited. */
function editedPng(edit: (chunks: { type: string; data: Uint8Array }[]) => void): Uint8Array {
  const chunks = pngChunks(PNG_SEEDS[0], caseDraw(15, 0));
  edit(chunks);
  return encodeChunks(chunks);
}

export const PNG_REGRESSIONS: readonly PngRegression[] = [
  {
    name: "a gAMA chunk shorter than 4 bytes",
    bytes: () => editedPng((c) => c.splice(1, 0, { type: "gAMA", data: new Uint8Array() })),
    refusal: /its gAMA chunk holds 0 bytes where 4 are expected/,
  },
  {
    name: "image data longer than the header needs",
    bytes: () =>
      editedPng((c) => {
        const idat = c.find((x) => x.type === "IDAT");
        if (idat) idat.data = deflateSync(new Uint8Array(100_000));
      }),
    refusal: /the image data is longer than 7x5 needs \(more than 40 bytes\)/,
  },
  {
    name: "a second zlib stream after the image data's (IDAT duplicated)",
    bytes: () =>
      editedPng((c) => {
        const k = c.findIndex((x) => x.type === "IDAT");
        c.splice(k, 0, { ...c[k] });
      }),
    refusal: /the image data has \d+ bytes after the end of its zlib stream/,
  },
  {
    name: "a second IHDR, whose size pngjs would take unchecked",
    bytes: () => editedPng((c) => c.splice(1, 0, { ...c[0] })),
    refusal: /a second IHDR chunk/,
  },
  {
    name: "a chunk type of control bytes is shown escaped",
    bytes: () => {
      // After IHDR, a chunk of type 00 00 11 'I' that declares 9 bytes and holds 2.
      const header = editedPng((c) => c.splice(1));
      return Buffer.concat([header, Uint8Array.from([0, 0, 0, 9, 0, 0, 0x11, 0x49, 1, 2])]);
    },
    refusal: /^the file is cut short inside its \\x00\\x00\\x11I chunk$/,
  },
];
