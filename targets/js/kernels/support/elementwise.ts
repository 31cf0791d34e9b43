import type { SymShape } from "../../../../compiler/plan/kernel-plan.js";
import type { HelperName } from "../../runtime/helpers.js";
import type { ArrayType, KernelEnv, KernelGenerator } from "../types.js";
import { broadcastLoops, countOf, shapeSpec } from "./shapes.js";

/** How one elementwise op computes a value from the variable(s) holding its operands. */
export interface ElementwiseFormula {
  readonly expr: (...operands: string[]) => string;
  readonly helpers?: readonly HelperName[];
  /** A suffix for the kernel name that tells its attributes apart (e.g. LeakyRelu's alpha). */
  readonly variant?: string;
  /** The operands' array types where they are not float32 (bool values live in Uint8Arrays as 0 and 1). */
  readonly inputTypes?: readonly ArrayType[];
  readonly outputType?: ArrayType;
}

/** y = f(x) over every element. */
export function unaryKernel(op: string, formula: (env: KernelEnv) => ElementwiseFormula): KernelGenerator {
  return (env) => {
    const f = formula(env);
    const x = env.input(0, "x");
    const y = env.output(0, "y");
    const n = countOf(env, env.outputShape(0), "n");
    return {
      spec: `${op}_${shapeSpec(env.outputShape(0))}${f.variant ? `_${f.variant}` : ""}`,
      helpers: f.helpers,
      body: (w) => {
        w.line("var i, v;");
        w.block(`for (i = 0; i < ${n}; i++)`, () => {
          w.line(`v = ${x}[i];`);
          w.line(`${y}[i] = ${f.expr("v")};`);
        });
      },
    };
  };
}

/** z = f(a, b) with numpy broadcasting over the inputs' symbolic shapes. */
export function binaryKernel(op: string, formula: (env: KernelEnv) => ElementwiseFormula): KernelGenerator {
  return broadcastKernel(op, [0, 1], formula);
}

/**
 * y = op(...op(op(x0, x1), x2)...) over every input of the kernel (Max, Min: one to many), with
 * numpy broadcasting, folded left to right as the reference's variadic ops fold.
 */
export function variadicKernel(op: string, pair: (a: string, b: string) => string): KernelGenerator {
  return (env) => {
    const operands = env.kernel.inputs.map((_, i) => i);
    return broadcastKernel(op, operands, () => ({ expr: (...xs) => xs.reduce((acc, x) => pair(acc, x)) }))(env);
  };
}

/**
 * y = f(operands) with numpy broadcasting of the `operands` inputs to the output's symbolic shape
 * (an input's own shape input, as Expand's, is the output's). The name tells the operand shapes
 * apart and, where broadcasting does not fix it (one operand), the output's.
 */
export function broadcastKernel(
  op: string,
  operands: readonly number[],
  formula: (env: KernelEnv) => ElementwiseFormula,
): KernelGenerator {
  return (env) => {
    const f = formula(env);
    const shapes: SymShape[] = operands.map((i) => env.inputShape(i));
    const out = env.outputShape(0);
    const names = operands.map((i, k) => env.input(i, String.fromCharCode(97 + k), f.inputTypes?.[k]));
    const y = env.output(0, "y", f.outputType);
    const loops = broadcastLoops(env, shapes, out);
    const extents = loops.extents.map((e, k) => env.count(e, `n${k}`));
    const index = (i: number) => {
      const terms = loops.strides[i].flatMap((s, k) => {
        if (s === null) return [];
        const stride = s.length === 0 ? "1" : env.count(s, `s${i}_${k}`);
        return [stride === "1" ? `i${k}` : `i${k} * ${stride}`];
      });
      return terms.length ? terms.join(" + ") : "0";
    };
    const reads = names.map((name, k) => `${name}[${index(k)}]`);
    const shapeNames = [...shapes, ...(operands.length === 1 ? [out] : [])].map(shapeSpec);
    return {
      spec: `${op}_${shapeNames.join("_")}${f.variant ? `_${f.variant}` : ""}`,
      helpers: f.helpers,
      body: (w) => {
        const counters = extents.map((_, k) => `i${k}`);
        w.line(`var ${["o = 0", ...counters].join(", ")};`);
        const nest = (k: number) => {
          if (k === extents.length) {
            w.line(`${y}[o++] = ${f.expr(...reads)};`);
            return;
          }
          w.block(`for (i${k} = 0; i${k} < ${extents[k]}; i${k}++)`, () => nest(k + 1));
        };
        nest(0);
      },
    };
  };
}

/** A comparison of two float32 operands (ONNX Greater, Less, Equal, ...): a bool, 1 or 0, per element. */
export function comparisonKernel(op: string, operator: string): KernelGenerator {
  return binaryKernel(op, () => ({ expr: (a, b) => `${a} ${operator} ${b} ? 1 : 0`, outputType: "Uint8Array" }));
}

/** A logical op of bool operands (Not, And, Or, Xor), 1 or 0 per element. */
export function logicalKernel(
  op: string,
  operands: readonly number[],
  expr: (...xs: string[]) => string,
): KernelGenerator {
  return broadcastKernel(op, operands, () => ({
    expr,
    inputTypes: operands.map(() => "Uint8Array"),
    outputType: "Uint8Array",
  }));
}

/** A number as an ES5 literal that reads back to the same double. */
export function literal(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (Object.is(v, -0)) return "-0";
  return String(v);
}
