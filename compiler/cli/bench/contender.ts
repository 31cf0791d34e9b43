/** One thing timed side by side with the others: a qmc artifact or an onnxruntime session. */
export interface Contender {
  /** Short and unique: the target (wasm-simd) or the runtime (onnxruntime-node). */
  readonly name: string;
  /** What it is, for the report: "onnxruntime-node (native CPU, 1 thread)". */
  readonly label: string;
  readonly kind: "qmc" | "onnxruntime";
  /** One timed run of the whole model on the prepared input. */
  readonly run: () => unknown;
  /** Facts read after the runs, such as the artifact's bytes and memory. */
  facts(): Readonly<Record<string, number>>;
  close(): Promise<void>;
}
