import type { Model } from "../ir/graph.js";

/** One graph-to-graph transformation with a name (for --dump-after and reports). */
export interface Pass {
  readonly name: string;
  /** What it does, for `qmc compile --list-passes` style reports. */
  readonly summary: string;
  run(model: Model, file: string): Model;
}
