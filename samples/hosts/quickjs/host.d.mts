/** Types of host.mjs for the TypeScript tests that drive it. */
export interface HostOptions {
  readonly model: string;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** The `.bin` of an artifact compiled with `--weights external`. */
  readonly weights?: string;
  /** QuickJS's setMemoryLimit, in bytes. */
  readonly limit?: number;
}

export interface HostResult {
  readonly data: Uint8Array;
  readonly ms: number;
  /** The largest QuickJS heap (memory_used_size) seen while it ran. */
  readonly peakHeapBytes: number;
}

export function restoreRaw(options: HostOptions, pixels: Uint8Array): Promise<HostResult>;
