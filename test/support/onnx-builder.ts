import { onnx } from "../../compiler/onnx/onnx-proto.js";

/** Minimal builders for ONNX models in tests: just enough structure, field names as in onnx.proto. */

export type Shape = (number | string)[];

export function valueInfo(name: string, elemType: number, shape?: Shape): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: shape
          ? { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) }
          : undefined,
      },
    },
  };
}

export function floatTensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values };
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: onnx.IAttributeProto[];
}

export function node(spec: NodeSpec): onnx.INodeProto {
  return {
    opType: spec.op,
    input: spec.inputs,
    output: spec.outputs,
    name: spec.name ?? "",
    domain: spec.domain ?? "",
    attribute: spec.attrs ?? [],
  };
}

export interface ModelSpec {
  nodes: onnx.INodeProto[];
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  initializers?: onnx.ITensorProto[];
  opsets?: Record<string, number>;
  irVersion?: number;
  functions?: onnx.IFunctionProto[];
}

export function modelBytes(spec: ModelSpec): Uint8Array {
  const opsets = spec.opsets ?? { "": 17 };
  return onnx.ModelProto.encode({
    irVersion: spec.irVersion ?? 8,
    producerName: "qmc-test",
    opsetImport: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
    graph: {
      name: "g",
      node: spec.nodes,
      input: spec.inputs,
      output: spec.outputs,
      initializer: spec.initializers ?? [],
    },
    functions: spec.functions ?? [],
  }).finish();
}

export function tensorBytes(t: onnx.ITensorProto): Uint8Array {
  return onnx.TensorProto.encode(t).finish();
}

export const DT = onnx.TensorProto.DataType;
