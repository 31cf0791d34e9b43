import type { Binaryen, Ex, WasmModule } from "./binaryen.js";

/**
 * A thin layer over binaryen's builder so kernel generators read like the loops they emit. binaryen
 * trees own their nodes, so nothing here hands out a node twice: values that are read repeatedly are
 * `Val`s, functions that build a fresh node per call.
 */

export type Val = () => Ex;

/**
 * Statement lists (one per independent value) merged statement by statement, so that the values'
 * dependency chains run side by side; a longer list's rest comes after the shorter ones end.
 */
export function interleave(bodies: readonly (readonly Ex[])[]): Ex[] {
  const length = Math.max(0, ...bodies.map((b) => b.length));
  return Array.from({ length }, (_, k) => bodies.filter((b) => k < b.length).map((b) => b[k])).flat();
}

/** Element types of linear-memory arrays. */
export type Elem = "f64" | "f32" | "i32" | "i16" | "i8" | "u8";

export const ELEM_BYTES: Readonly<Record<Elem, number>> = { f64: 8, f32: 4, i32: 4, i16: 2, i8: 1, u8: 1 };
const SHIFT: Readonly<Record<Elem, number>> = { f64: 3, f32: 2, i32: 2, i16: 1, i8: 0, u8: 0 };

export interface Local {
  readonly type: number;
  readonly get: Val;
  set(v: Ex): Ex;
  tee(v: Ex): Ex;
}

/** An array in linear memory: its byte address (an i32 value) and element type. */
export interface Arr {
  readonly elem: Elem;
  readonly base: Val;
}

/** Where a Local lives until the function is built: the n-th parameter or the n-th other local. */
interface Slot {
  readonly param: boolean;
  readonly n: number;
}

/** binaryen.js's setters of a local access's index (its typings omit them). */
interface LocalIndexApi {
  readonly LocalGet: { setIndex(expr: Ex, index: number): void };
  readonly LocalSet: { setIndex(expr: Ex, index: number): void };
}

/**
 * One function under construction: its parameters, locals and labels, and expression helpers.
 * Parameters may be declared after locals (a kernel meets per-instance values, which become
 * parameters, while it builds its loops): local accesses are numbered when the function is built,
 * parameters first.
 */
export class Fn {
  private readonly paramTypes: number[] = [];
  private readonly varTypes: number[] = [];
  /** Every local.get, local.set and local.tee made here, to number once all parameters are known. */
  private readonly accesses: { expr: Ex; slot: Slot; get: boolean }[] = [];
  private labels = 0;

  constructor(
    readonly b: Binaryen,
    readonly m: WasmModule,
  ) {}

  param(type: number): Local {
    this.paramTypes.push(type);
    return this.makeLocal({ param: true, n: this.paramTypes.length - 1 }, type);
  }

  local(type: number): Local {
    this.varTypes.push(type);
    return this.makeLocal({ param: false, n: this.varTypes.length - 1 }, type);
  }

  i32Local(): Local {
    return this.local(this.b.i32);
  }

  f64Local(): Local {
    return this.local(this.b.f64);
  }

  i32(n: number): Ex {
    return this.m.i32.const(n);
  }

  f64(n: number): Ex {
    return this.m.f64.const(n);
  }

  /** Sum of i32 terms (expressions: wrap constants in `i32`). */
  add(...terms: Ex[]): Ex {
    return terms.reduce((a, t) => this.m.i32.add(a, t));
  }

  mul(a: Ex, b: Ex): Ex {
    return this.m.i32.mul(a, b);
  }

  /** A block of statements (a single statement stays itself). */
  seq(body: readonly Ex[]): Ex {
    if (body.length === 1) return body[0];
    return this.m.block(null, body as Ex[], this.b.none);
  }

  label(prefix: string): string {
    return `${prefix}${this.labels++}`;
  }

  /** for (i = from; i < to; i += step) body; `to` is read before every iteration. */
  for(i: Local, from: Ex, to: Val, body: readonly Ex[], step = 1): Ex {
    const out = this.label("done");
    const top = this.label("next");
    const m = this.m;
    return this.seq([
      i.set(from),
      m.block(out, [
        m.br(out, m.i32.ge_s(i.get(), to())),
        m.loop(
          top,
          this.seq([...body, i.set(m.i32.add(i.get(), this.i32(step))), m.br(top, m.i32.lt_s(i.get(), to()))]),
        ),
      ]),
    ]);
  }

  if(cond: Ex, then: readonly Ex[], otherwise?: readonly Ex[]): Ex {
    return this.m.if(cond, this.seq(then), otherwise ? this.seq(otherwise) : undefined);
  }

  /** The byte address of element `index` (an i32). */
  addr(a: Arr, index: Ex): Ex {
    const shift = SHIFT[a.elem];
    return this.m.i32.add(a.base(), shift ? this.m.i32.shl(index, this.i32(shift)) : index);
  }

  /** An element in its natural type: f64, f32, or i32 for the integer types. */
  load(a: Arr, index: Ex): Ex {
    const m = this.m;
    const p = this.addr(a, index);
    switch (a.elem) {
      case "f64":
        return m.f64.load(0, 8, p);
      case "f32":
        return m.f32.load(0, 4, p);
      case "i32":
        return m.i32.load(0, 4, p);
      case "i16":
        return m.i32.load16_s(0, 2, p);
      case "i8":
        return m.i32.load8_s(0, 1, p);
      case "u8":
        return m.i32.load8_u(0, 1, p);
    }
  }

  /** A float element as f64 (float32 promoted exactly). */
  loadF(a: Arr, index: Ex): Ex {
    if (a.elem === "f32") return this.m.f64.promote(this.load(a, index));
    if (a.elem === "f64") return this.load(a, index);
    throw new Error(`wasm dsl: loadF of a ${a.elem} array`);
  }

  store(a: Arr, index: Ex, value: Ex): Ex {
    const m = this.m;
    const p = this.addr(a, index);
    switch (a.elem) {
      case "f64":
        return m.f64.store(0, 8, p, value);
      case "f32":
        return m.f32.store(0, 4, p, value);
      case "i32":
        return m.i32.store(0, 4, p, value);
      case "i16":
        return m.i32.store16(0, 2, p, value);
      case "i8":
      case "u8":
        return m.i32.store8(0, 1, p, value);
    }
  }

  /** Stores an f64 into a float array, rounding to float32 for f32 arrays (as a Float32Array store does). */
  storeF(a: Arr, index: Ex, value: Ex): Ex {
    return this.store(a, index, a.elem === "f32" ? this.m.f32.demote(value) : value);
  }

  /** Math.fround of an f64: round to float32 and back. */
  f32(value: Ex): Ex {
    return this.m.f64.promote(this.m.f32.demote(value));
  }

  /** Adds the function to the module. */
  build(name: string, results: number, body: Ex): void {
    this.number();
    this.m.addFunction(name, this.b.createType(this.paramTypes), results, this.varTypes, body);
  }

  /** The body and signature as text, to find kernels that compile to the same function. */
  signature(body: Ex): string {
    this.number();
    return `${this.paramTypes.join(",")}|${this.varTypes.join(",")}|${this.b.emitText(body)}`;
  }

  /** Gives every local access its final index: parameters first, then the other locals. */
  private number(): void {
    const api = this.b as unknown as LocalIndexApi;
    for (const { expr, slot, get } of this.accesses) {
      const index = slot.param ? slot.n : this.paramTypes.length + slot.n;
      (get ? api.LocalGet : api.LocalSet).setIndex(expr, index);
    }
  }

  private makeLocal(slot: Slot, type: number): Local {
    const m = this.m;
    const track = (expr: Ex, get: boolean) => {
      this.accesses.push({ expr, slot, get });
      return expr;
    };
    // Provisional index: the slot's own number; number() corrects it.
    return {
      type,
      get: () => track(m.local.get(slot.n, type), true),
      set: (v) => track(m.local.set(slot.n, v), false),
      tee: (v) => track(m.local.tee(slot.n, v, type), false),
    };
  }
}
