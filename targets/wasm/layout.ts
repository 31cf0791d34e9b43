import { QmcError } from "../../compiler/diagnostics.js";
import {
  isStatic,
  type KernelPlan,
  type PlanConstant,
  type PlanDType,
  type SymDim,
} from "../../compiler/plan/kernel-plan.js";
import { liveRanges } from "../shared/meta.js";
import { identifier } from "../shared/names.js";
import { dimVarName } from "../shared/sym.js";
import type { Binaryen, WasmModule } from "./binaryen.js";
import type { Val } from "./dsl.js";

const ALIGN = 16;

export function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** A packed constant whose codes are unpacked, one i8 per element, before the first run. */
export interface Unpacked {
  readonly constant: PlanConstant;
  readonly bits: 2 | 4;
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/**
 * The static part of linear memory, from address 0: every constant in its plan encoding (float32 and
 * int32 little-endian, codes packed) as data segments; the unpacked copies of 2- and 4-bit codes
 * (filled by the first qmc_prepare); the memory planner's tables. The arena starts at `arenaBase`,
 * and the scratch area follows the arena. Buffer addresses and the input-dependent sizes live in
 * globals that qmc_prepare sets.
 */
export class Layout {
  private end: number;
  readonly unpacked: Unpacked[] = [];
  /** Planner tables: first and last use (i32, in a data segment), sizes and offsets (i64), order and rivals (i32). */
  readonly tables: { firsts: number; lasts: number; sizes: number; offsets: number; order: number; rivals: number };
  readonly dims = new Map<string, SymDim>();
  readonly scratch: SymDim[] = [];
  private readonly addresses = new Map<number, number>();
  private readonly extra: { offset: number; data: Uint8Array }[] = [];
  private readonly bufferGlobals = new Map<number, string>();
  private readonly constants = new Map<number, PlanConstant>();

  constructor(
    readonly plan: KernelPlan,
    private readonly b: Binaryen,
    private readonly m: WasmModule,
  ) {
    let at = 0;
    for (const c of plan.constants) {
      this.constants.set(c.id, c);
      this.addresses.set(c.id, at);
      at = align(at + c.bytes.length);
    }
    for (const c of plan.constants) {
      if (c.encoding.kind !== "packed" || c.encoding.bits === 8) continue;
      const count = c.shape.reduce((a, b) => a * b, 1);
      const from = this.addresses.get(c.id) ?? 0;
      this.unpacked.push({ constant: c, bits: c.encoding.bits, from, to: at, count });
      this.addresses.set(c.id, at);
      at = align(at + count);
    }
    const n = plan.buffers.length;
    const table = (bytes: number) => {
      const start = at;
      at = align(at + bytes * n);
      return start;
    };
    this.tables = {
      firsts: table(4),
      lasts: table(4),
      sizes: table(8),
      offsets: table(8),
      order: table(4),
      rivals: table(4),
    };
    this.end = at;
    for (const b of plan.buffers) {
      this.bufferGlobals.set(b.id, identifier(`b${b.id}`, b.name));
      for (const d of b.shape) if (!isStatic(d)) this.dimGlobal(d);
    }
  }

  /** Where the arena starts: after everything static, kernel tables included. */
  get arenaBase(): number {
    return this.end;
  }

  /** Static data of one kernel (e.g. per-channel factors); returns its address. */
  staticData(bytes: Uint8Array): number {
    const at = this.end;
    this.extra.push({ offset: at, data: bytes });
    this.end = align(at + bytes.length);
    return at;
  }

  /** The data segments: constants as the plan encodes them, and the planner's live ranges. */
  segments(): { offset: number; data: Uint8Array }[] {
    const ranges = liveRanges(this.plan);
    const words = (values: number[]) => new Uint8Array(Int32Array.from(values).buffer);
    return [
      ...this.plan.constants
        .filter((c) => c.bytes.length > 0)
        .map((c) => ({
          offset: this.unpacked.find((u) => u.constant.id === c.id)?.from ?? this.constantAddress(c.id),
          data: c.bytes,
        })),
      { offset: this.tables.firsts, data: words(ranges.map((r) => r[0])) },
      { offset: this.tables.lasts, data: words(ranges.map((r) => r[1])) },
      ...this.extra,
    ].filter((s) => s.data.length > 0);
  }

  constant(id: number, env: { error(what: string): QmcError }): PlanConstant {
    const c = this.constants.get(id);
    if (!c) throw env.error(`refers to constant ${id}, which the plan does not hold`);
    return c;
  }

  /** Where kernels read a constant: its bytes, or the unpacked codes of 2- and 4-bit ones. */
  constantAddress(id: number): number {
    const a = this.addresses.get(id);
    if (a === undefined) throw new QmcError(`plan refers to constant ${id}, which it does not hold`);
    return a;
  }

  bufferDType(id: number, env: { error(what: string): QmcError }): PlanDType {
    const b = this.plan.buffers.find((x) => x.id === id);
    if (!b) throw env.error(`refers to buffer ${id}, which the plan does not hold`);
    return b.dtype;
  }

  bufferGlobal(id: number): string {
    const g = this.bufferGlobals.get(id);
    if (!g) throw new QmcError(`plan refers to buffer ${id}, which it does not hold`);
    return g;
  }

  bufferAddress(id: number): Val {
    const g = this.bufferGlobal(id);
    return () => this.m.global.get(g, this.b.i32);
  }

  /** The global holding a size qmc_prepare computes. */
  dimGlobal(d: SymDim): Val {
    const name = dimVarName(d);
    this.dims.set(name, d);
    return () => this.m.global.get(name, this.b.i32);
  }

  scratchGlobal(): Val {
    return () => this.m.global.get("scratch", this.b.i32);
  }

  needScratch(n: SymDim): void {
    this.scratch.push(n);
  }
}
