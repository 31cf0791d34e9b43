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
import type { Binaryen, Ex, WasmModule } from "./binaryen.js";
import type { Val } from "./dsl.js";
import { type SizeClass, sizeClasses } from "./size-classes.js";

const ALIGN = 16;

export function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/**
 * The packed 2- or 4-bit constants, laid end to end from `from`, whose `count` codes are unpacked to
 * one i8 each at `to` before the first run: one loop per bit width, however many constants.
 */
export interface Unpacked {
  readonly bits: 2 | 4;
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/**
 * The static part of linear memory, from address 0: every constant in its plan encoding (float32 and
 * int32 little-endian, codes packed) as data segments, the 4-bit and then the 2-bit ones last; the
 * unpacked copies of those codes (filled by the first qmc_prepare); the memory planner's tables. The
 * arena starts at `arenaBase`, and the scratch area follows the arena. Buffer addresses and the
 * input-dependent sizes live in globals that qmc_prepare sets.
 */
export class Layout {
  private end: number;
  readonly unpacked: Unpacked[] = [];
  /**
   * Planner tables: first and last use (i32) and each buffer's size class (u16), in data segments;
   * sizes of the classes and of the buffers, offsets (i64); order, rivals and addresses (i32).
   */
  readonly tables: {
    firsts: number;
    lasts: number;
    classOf: number;
    classSizes: number;
    sizes: number;
    offsets: number;
    order: number;
    rivals: number;
    addresses: number;
  };
  readonly sizeClasses: readonly SizeClass[];
  /** Each buffer's index into sizeClasses. */
  private readonly classOf: readonly number[];
  readonly dims = new Map<string, SymDim>();
  readonly scratch: SymDim[] = [];
  /** Calls the first qmc_prepare makes after unpacking: they fill the tables kernels derive from weights. */
  readonly derivedFills: Ex[] = [];
  /** Where each constant's bytes are. */
  private readonly stored = new Map<number, number>();
  /** Where kernels read each constant: its bytes, or the unpacked codes of 2- and 4-bit ones. */
  private readonly addresses = new Map<number, number>();
  private readonly extra: { offset: number; data: Uint8Array }[] = [];
  private readonly staticByContent = new Map<string, number>();
  private readonly bufferGlobals = new Map<number, string>();
  private readonly constants = new Map<number, PlanConstant>();

  constructor(
    readonly plan: KernelPlan,
    private readonly b: Binaryen,
    private readonly m: WasmModule,
  ) {
    let at = 0;
    const subByte = (c: PlanConstant, bits: number) => c.encoding.kind === "packed" && c.encoding.bits === bits;
    const place = (group: readonly PlanConstant[]) => {
      for (const c of group) {
        this.constants.set(c.id, c);
        this.stored.set(c.id, at);
        this.addresses.set(c.id, at);
        at = align(at + c.bytes.length);
      }
    };
    place(plan.constants.filter((c) => !subByte(c, 4) && !subByte(c, 2)));
    const groups = ([4, 2] as const).map((bits) => ({ bits, group: plan.constants.filter((c) => subByte(c, bits)) }));
    const runs = groups.map(({ bits, group }) => {
      const from = at;
      place(group);
      return { bits, group, from, bytes: at - from };
    });
    // Each group unpacks as one run of codes (the zero padding between constants unpacks to codes
    // no kernel reads): a constant's codes sit at the run's copy, offset by its bytes times codes per byte.
    for (const { bits, group, from, bytes } of runs) {
      if (!group.length) continue;
      const perByte = 8 / bits;
      this.unpacked.push({ bits, from, to: at, count: bytes * perByte });
      for (const c of group) this.addresses.set(c.id, at + (this.constantAddress(c.id) - from) * perByte);
      at = align(at + bytes * perByte);
    }
    const sizes = sizeClasses(plan.buffers);
    this.sizeClasses = sizes.classes;
    this.classOf = sizes.classOf;
    const table = (bytes: number, n = plan.buffers.length) => {
      const start = at;
      at = align(at + bytes * n);
      return start;
    };
    this.tables = {
      firsts: table(4),
      lasts: table(4),
      classOf: table(2),
      classSizes: table(8, this.sizeClasses.length),
      sizes: table(8),
      offsets: table(8),
      order: table(4),
      rivals: table(4),
      addresses: table(4),
    };
    this.end = at;
    for (const b of plan.buffers) {
      // Short: every buffer's global is named in the names section, which counts against the size budget.
      this.bufferGlobals.set(b.id, identifier(`b${b.id}`, b.name, 16));
      for (const d of b.shape) if (!isStatic(d)) this.dimGlobal(d);
    }
  }

  /** Whether the first qmc_prepare has weights to unpack or tables to fill. */
  get preparesWeights(): boolean {
    return this.unpacked.length > 0 || this.derivedFills.length > 0;
  }

  /** Where the arena starts: after everything static, kernel tables included. */
  get arenaBase(): number {
    return this.end;
  }

  /** Zeroed static memory that ships as no data (a table qmc_prepare fills); returns its address. */
  reserve(bytes: number): number {
    const at = this.end;
    this.end = align(at + bytes);
    return at;
  }

  /**
   * Static data of one kernel (e.g. per-channel factors) or of the math functions; returns its
   * address. Nothing writes static data, so equal bytes are stored once.
   */
  staticData(bytes: Uint8Array): number {
    const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
    const stored = this.staticByContent.get(key);
    if (stored !== undefined) return stored;
    const at = this.end;
    this.extra.push({ offset: at, data: bytes });
    this.staticByContent.set(key, at);
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
        .map((c) => ({ offset: this.stored.get(c.id) ?? 0, data: c.bytes })),
      { offset: this.tables.firsts, data: words(ranges.map((r) => r[0])) },
      { offset: this.tables.lasts, data: words(ranges.map((r) => r[1])) },
      { offset: this.tables.classOf, data: new Uint8Array(Uint16Array.from(this.classOf).buffer) },
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
