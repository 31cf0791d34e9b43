import {
  isStatic,
  type PlanConstant,
  type PlanDType,
  type PlanKernel,
  type SymDim,
} from "../../compiler/plan/kernel-plan.js";
import { KernelParams } from "../shared/kernel-params.js";
import { productDim } from "../shared/sym.js";
import type { Ex } from "./binaryen.js";
import { type Arr, type Elem, Fn, type Val } from "./dsl.js";
import type { Isa, WasmKernelEnv } from "./kernels/types.js";
import type { Layout } from "./layout.js";
import { callMath, type MathFn } from "./math.js";
import type { SharedFunctions } from "./shared-functions.js";

const BUFFER_ELEM: Readonly<Record<PlanDType, Elem>> = { float32: "f32", int32: "i32", int8: "i8", uint8: "u8" };

/** The element type kernels see for a constant: packed codes are unpacked to i8 before the first run. */
export function constantElem(c: PlanConstant): Elem {
  return c.encoding.kind === "float32" ? "f32" : c.encoding.kind === "int32" ? "i32" : "i8";
}

/** The WasmKernelEnv of one kernel; it collects the function's parameters and the call's arguments. */
export class WasmKernelEnvImpl extends KernelParams implements WasmKernelEnv {
  /** The call's arguments, one per parameter. */
  readonly args: Val[] = [];
  readonly mathUsed = new Set<MathFn>();

  constructor(
    private readonly layout: Layout,
    kernel: PlanKernel,
    index: number,
    readonly isa: Isa,
    readonly fn: Fn,
    private readonly functions: SharedFunctions,
  ) {
    super(kernel, index);
  }

  input(i: number, elem: Elem = "f32"): Arr {
    const op = this.operand(i);
    if ("buffer" in op) return this.array(this.layout.bufferAddress(op.buffer), this.inputElem(i), elem, `input ${i}`);
    const c = this.constantOf(op.constant);
    return this.array(() => this.fn.i32(this.layout.constantAddress(c.id)), this.inputElem(i), elem, `input ${i}`);
  }

  output(i: number, elem: Elem = "f32"): Arr {
    return this.array(this.layout.bufferAddress(this.outputId(i)), this.outputElem(i), elem, `output ${i}`);
  }

  inputElem(i: number): Elem {
    const op = this.operand(i);
    return "buffer" in op
      ? BUFFER_ELEM[this.layout.bufferDType(op.buffer, this)]
      : constantElem(this.constantOf(op.constant));
  }

  outputElem(i: number): Elem {
    return BUFFER_ELEM[this.layout.bufferDType(this.outputId(i), this)];
  }

  private operand(i: number) {
    const op = this.kernel.inputs[i];
    if (!op) throw this.error(`input ${i} is missing or folded; expected an array`);
    return op;
  }

  private outputId(i: number): number {
    const id = this.kernel.outputs[i];
    if (id === undefined) throw this.error(`output ${i} is missing`);
    return id;
  }

  dim(d: SymDim): Val {
    if (isStatic(d)) return () => this.fn.i32(d.c);
    return this.param(this.layout.dimGlobal(d));
  }

  count(dims: readonly SymDim[]): Val {
    const p = productDim(dims);
    if (p) return this.dim(p);
    const parts = dims.map((d) => this.dim(d));
    return () => parts.map((v) => v()).reduce((a, b) => this.fn.m.i32.mul(a, b));
  }

  scratch(n: SymDim, elem: Elem = "f64"): Arr {
    this.layout.needScratch(n);
    return { elem, base: this.param(this.layout.scratchGlobal()) };
  }

  data(values: readonly number[]): Arr {
    const address = this.layout.staticData(new Uint8Array(Float64Array.from(values).buffer));
    return { elem: "f64", base: this.param(() => this.fn.i32(address)) };
  }

  table(bytes: Uint8Array, elem: Elem): Arr {
    const address = this.layout.staticData(bytes);
    return { elem, base: this.param(() => this.fn.i32(address)) };
  }

  derived(spec: string, input: number, bytes: number, elem: Elem, fill: (f: Fn, src: Arr, dst: Arr) => Ex[]): Arr {
    const op = this.kernel.inputs[input];
    if (!op || !("constant" in op)) throw this.error(`input ${input} is not a constant; a derived table needs one`);
    const c = this.constantOf(op.constant);
    const at = this.layout.reserve(bytes);
    const { b, m } = this.fn;
    const f = new Fn(b, m);
    const [src, dst] = [f.param(b.i32), f.param(b.i32)];
    const body = f.seq(fill(f, { elem: constantElem(c), base: src.get }, { elem, base: dst.get }));
    const name = this.functions.add(spec, f, body);
    this.layout.derivedFills.push(m.call(name, [f.i32(this.layout.constantAddress(c.id)), f.i32(at)], b.none));
    return { elem, base: this.param(() => this.fn.i32(at)) };
  }

  scalar(value: number): Val {
    const local = this.fn.param(this.fn.b.f64);
    this.args.push(() => this.fn.f64(value));
    return local.get;
  }

  math(name: MathFn, arg: Ex): Ex {
    this.mathUsed.add(name);
    return callMath(this.fn, name, arg);
  }

  protected constantOf(id: number): PlanConstant {
    return this.layout.constant(id, this);
  }

  /** A new i32 parameter bound to `arg` at the call. */
  private param(arg: Val): Val {
    const local = this.fn.param(this.fn.b.i32);
    this.args.push(arg);
    return local.get;
  }

  private array(address: Val, actual: Elem, wanted: Elem, what: string): Arr {
    if (actual !== wanted) throw this.error(`${what} holds ${actual} elements, expected ${wanted}`);
    return { elem: actual, base: this.param(address) };
  }
}
