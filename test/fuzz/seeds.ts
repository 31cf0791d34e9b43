import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../../compiler/ir/tensor.js";
import { onnx } from "../../compiler/onnx/onnx-proto.js";
import { readTensorFile } from "../../compiler/onnx/tensor-file.js";

/**
 * The models the fuzz mutates. `image` seeds go the whole way, as `qmc compile` takes them (decode,
 * inspect, passes, plan, js); `reference` seeds, whose input is not one NCHW image, go through
 * decode, inspect, the reference interpreter on their recorded inputs, and the passes.
 */
export interface ModelSeed {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly kind: "image" | "reference";
  /** The reference seed's graph input, as its test data records it. */
  readonly inputs: readonly Tensor[];
  /** How often it is drawn relative to the others: the quantized Mamba models take 20x longer to compile. */
  readonly weight: number;
}

const repo = join(import.meta.dirname, "..", "..");
const conformanceRoot = join(repo, "..", "shared", "conformance", "onnx-node");

const SAMPLES: readonly { name: string; weight: number }[] = [
  { name: "espcn-x3-fixed", weight: 4 },
  { name: "espcn-x3-dyn", weight: 3 },
  { name: "srcnn-x3-fixed", weight: 2 },
  { name: "srvgg-x4-dyn", weight: 3 },
  { name: "edsr-x2-fixed", weight: 2 },
  { name: "qmambair-tiny-sr2-w4a4", weight: 1 },
  { name: "qmambair-tiny-dn25-fp32", weight: 1 },
  { name: "qmambair-tiny-sr2-w2a2", weight: 1 },
];

/** A small, diverse set of conformance cases: the ops of SR networks and their shape rules. */
const CONFORMANCE: readonly string[] = [
  "onnx-1.22.0/test_conv_with_strides_padding",
  "onnx-1.22.0/test_conv_with_autopad_same",
  "onnx-1.22.0/test_convtranspose_pads",
  "onnx-1.22.0/test_resize_upsample_scales_linear",
  "onnx-1.22.0/test_resize_upsample_scales_cubic",
  "onnx-1.22.0/test_resize_upsample_sizes_nearest",
  "onnx-1.22.0/test_depthtospace_crd_mode_example",
  "onnx-1.22.0/test_instancenorm_example",
  "onnx-1.22.0/test_matmul_4d",
  "onnx-1.22.0/test_constant_pad_axes",
  "pytorch-converted/test_ReflectionPad2d",
  "pytorch-converted/test_PixelShuffle",
  "onnx-1.22.0/test_reshape_negative_dim",
  "onnx-1.22.0/test_softmax_axis_1",
  "onnx-1.22.0/test_split_variable_parts_2d_opset18",
  "onnx-1.22.0/test_slice_neg_steps",
  "onnx-1.22.0/test_gather_0",
  "onnx-1.22.0/test_transpose_all_permutations_2",
  "onnx-1.22.0/test_expand_dim_changed",
  "onnx-1.22.0/test_gemm_all_attributes",
  "onnx-1.22.0/test_batchnorm_example",
  "onnx-1.22.0/test_layer_normalization_4d_axis1",
  "onnx-1.22.0/test_reduce_mean_keepdims_random",
  "onnx-1.22.0/test_where_example",
  "onnx-1.22.0/test_concat_3d_axis_1",
  "onnx-1.22.0/test_prelu_broadcast",
  "pytorch-converted/test_AvgPool2d",
];

function hasConformanceSuite(): boolean {
  return existsSync(conformanceRoot);
}

export function loadModelSeeds(): ModelSeed[] {
  const seeds: ModelSeed[] = SAMPLES.map(({ name, weight }) => ({
    name,
    bytes: readFileSync(join(repo, "samples", "models", name, "model.onnx")),
    kind: "image",
    inputs: [],
    weight,
  }));
  if (hasConformanceSuite()) seeds.push(...CONFORMANCE.map(conformanceSeed));
  return seeds;
}

/**
 * A conformance case with every graph input but the first made an initializer from its test data:
 * the weights, pads, scales and shapes of a real model are constants, which is what the passes and
 * the planner fold and check. A first input of shape [1, C, H, W] makes it an image seed.
 */
function conformanceSeed(id: string): ModelSeed {
  const dir = join(conformanceRoot, id);
  const model = onnx.ModelProto.decode(readFileSync(join(dir, "model.onnx")));
  const graph = model.graph as onnx.GraphProto;
  const data = join(dir, "test_data_set_0");
  graph.input.forEach((v, k) => {
    if (k === 0) return;
    const tensor = onnx.TensorProto.decode(readFileSync(join(data, `input_${k}.pb`)));
    tensor.name = v.name ?? "";
    graph.initializer.push(tensor);
  });
  const first = graph.input[0].type?.tensorType?.shape?.dim ?? [];
  const image = graph.input.length > 0 && first.length === 4 && Number(first[0].dimValue) === 1;
  return {
    name: id.split("/")[1],
    bytes: onnx.ModelProto.encode(model).finish(),
    kind: image ? "image" : "reference",
    inputs: [readTensorFile(join(data, "input_0.pb"))],
    weight: 1,
  };
}
