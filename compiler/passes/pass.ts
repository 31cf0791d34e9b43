import type { Model } from "../ir/graph.js";

/** Choices the user makes for the whole compilation, which passes read. */
export interface PassOptions {
  /**
   * How float stride-1 convolutions are computed: "auto" lets conv-winograd take the eligible ones
   * (another order of operations than ONNX's, within a stated bound), "direct" keeps ONNX's order.
   */
  readonly convAlgorithm?: "direct" | "auto";
}

/** One graph-to-graph transformation with a name (for --dump-after and reports). */
export interface Pass {
  readonly name: string;
  /** What it does, for `qmc compile --list-passes` style reports. */
  readonly summary: string;
  run(model: Model, file: string, options?: PassOptions): Model;
}
