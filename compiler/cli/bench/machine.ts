import { cpus, hostname, loadavg, totalmem } from "node:os";

/** What a timing depends on besides the code: the machine, its load when measured, the engine. */
export interface Machine {
  readonly host: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly platform: string;
  /** The 1, 5 and 15 minute load averages when the measurement began (a shared machine's noise). */
  readonly load: readonly number[];
  readonly node: string;
  readonly v8: string;
  /** Node's own flags, such as --experimental-wasm-relaxed-simd, which decide what runs. */
  readonly nodeFlags: readonly string[];
}

export function describeMachine(): Machine {
  const cpu = cpus();
  return {
    host: hostname(),
    cpu: cpu[0]?.model.trim() ?? "unknown CPU",
    cores: cpu.length,
    memoryBytes: totalmem(),
    platform: `${process.platform}/${process.arch}`,
    load: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    v8: process.versions.v8,
    nodeFlags: process.execArgv,
  };
}
