import { relu, sigmoid } from "./activation.js";
import { erf } from "./erf.js";

/**
 * The float epilogue of the integer kernels (qmc.QConv, qmc.QMatMul): elementwise steps applied to
 * each output value after the dequantization (and QConv's bias), taken by the fuse-epilogue pass from
 * the float ops that followed the kernel. Three attributes hold it:
 *   epilogue                 strings, one step each: "<op> <operand> [<operand>]"
 *   epilogue_constants       floats, every constant's values one after another
 *   epilogue_constant_sizes  ints, each constant's length: 1 (a scalar) or the output channel count
 * Operands: `y` the kernel's value, `t<k>` the result of step k, `c<k>` constant k (its value for
 * the element's output channel), `r` the residual input's element at the same index. The last
 * step's result is stored. Every step computes as the ai.onnx op's reference evaluation does (the
 * same relu, sigmoid and erf functions; Add, Sub, Mul and Div in double) and rounds to float32 as
 * that op's float32 output did, so a fused kernel reproduces the unfused graph bit for bit.
 */

const EPILOGUE_UNARY = { relu, sigmoid, erf } as const;
const EPILOGUE_BINARY = {
  add: (a: number, b: number) => a + b,
  sub: (a: number, b: number) => a - b,
  mul: (a: number, b: number) => a * b,
  div: (a: number, b: number) => a / b,
} as const;

export type EpilogueUnary = keyof typeof EPILOGUE_UNARY;
export type EpilogueBinary = keyof typeof EPILOGUE_BINARY;

export type EpilogueOperand =
  | { readonly kind: "y" }
  | { readonly kind: "step"; readonly index: number }
  | { readonly kind: "constant"; readonly index: number }
  | { readonly kind: "residual" };

export type EpilogueStep =
  | { readonly op: EpilogueUnary; readonly args: readonly [EpilogueOperand] }
  | { readonly op: EpilogueBinary; readonly args: readonly [EpilogueOperand, EpilogueOperand] };

export interface Epilogue {
  readonly steps: readonly EpilogueStep[];
  /** Each constant: one value, or one per output channel. */
  readonly constants: readonly (readonly number[])[];
  /** Whether an operand reads the residual input. */
  readonly residual: boolean;
}

/** The attribute values of an epilogue (see the file comment). */
export interface EpilogueAttrs {
  readonly program: readonly string[];
  readonly constants: readonly number[];
  readonly sizes: readonly number[];
}

function operandText(a: EpilogueOperand): string {
  switch (a.kind) {
    case "y":
      return "y";
    case "step":
      return `t${a.index}`;
    case "constant":
      return `c${a.index}`;
    case "residual":
      return "r";
  }
}

export function formatEpilogue(e: Epilogue): EpilogueAttrs {
  return {
    program: e.steps.map((s) => [s.op, ...s.args.map(operandText)].join(" ")),
    constants: e.constants.flat(),
    sizes: e.constants.map((c) => c.length),
  };
}

/** The epilogue attributes among a plan kernel's params (attribute values as plain data). */
export function epilogueParams(
  params: Readonly<Record<string, unknown>>,
  fail: (what: string) => Error,
): EpilogueAttrs {
  const list = <T extends string | number>(name: string, type: "string" | "number"): T[] => {
    const v = params[name] ?? [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== type)) throw fail(`param '${name}' is not a list of ${type}s`);
    return v;
  };
  return {
    program: list<string>("epilogue", "string"),
    constants: list<number>("epilogue_constants", "number"),
    sizes: list<number>("epilogue_constant_sizes", "number"),
  };
}

/**
 * Reads and checks an epilogue for a kernel with `channels` output channels; `fail` makes the error
 * (naming the node or kernel) for a malformed one.
 */
export function parseEpilogue(attrs: EpilogueAttrs, channels: number, fail: (what: string) => Error): Epilogue {
  const constants: number[][] = [];
  let at = 0;
  for (const size of attrs.sizes) {
    if (size !== 1 && size !== channels)
      throw fail(`an epilogue constant has ${size} values, expected 1 or ${channels} (the output channels)`);
    // float32, as an ONNX float attribute is: the steps then take float32 operands only.
    constants.push(attrs.constants.slice(at, at + size).map(Math.fround));
    at += size;
  }
  if (at !== attrs.constants.length)
    throw fail(`'epilogue_constants' has ${attrs.constants.length} values, the sizes add up to ${at}`);
  let residual = false;
  const steps = attrs.program.map((text, k): EpilogueStep => {
    const [op, ...args] = text.split(" ");
    const operands = args.map((a): EpilogueOperand => {
      if (a === "y") return { kind: "y" };
      if (a === "r") {
        residual = true;
        return { kind: "residual" };
      }
      const m = /^([tc])(\d+)$/.exec(a);
      const index = m ? Number(m[2]) : -1;
      if (m?.[1] === "t" && index < k) return { kind: "step", index };
      if (m?.[1] === "c" && index < constants.length) return { kind: "constant", index };
      throw fail(`epilogue step ${k} '${text}': operand '${a}' is not y, r, an earlier t<k> or a c<k>`);
    });
    if (op in EPILOGUE_UNARY && operands.length === 1) return { op: op as EpilogueUnary, args: [operands[0]] };
    if (op in EPILOGUE_BINARY && operands.length === 2)
      return { op: op as EpilogueBinary, args: [operands[0], operands[1]] };
    throw fail(
      `epilogue step ${k} '${text}': expected one of ${Object.keys(EPILOGUE_UNARY).join(", ")} with one operand or ${Object.keys(EPILOGUE_BINARY).join(", ")} with two`,
    );
  });
  return { steps, constants, residual };
}

/**
 * The reference evaluation: a function from the kernel's value y (already float32), its output
 * channel and its flat index to the stored value.
 */
export function epilogueFunction(
  e: Epilogue,
  residual: ArrayLike<number> | undefined,
): (y: number, channel: number, index: number) => number {
  if (e.steps.length === 0) return (y) => y;
  // A Float32Array rounds every step's result as the separate op's float32 output did.
  const t = new Float32Array(e.steps.length);
  const read = (a: EpilogueOperand, y: number, channel: number, index: number): number => {
    switch (a.kind) {
      case "y":
        return y;
      case "step":
        return t[a.index];
      case "constant": {
        const c = e.constants[a.index];
        return c.length === 1 ? c[0] : c[channel];
      }
      case "residual":
        return (residual as ArrayLike<number>)[index];
    }
  };
  return (y, channel, index) => {
    for (let k = 0; k < e.steps.length; k++) {
      const s = e.steps[k];
      const a = read(s.args[0], y, channel, index);
      t[k] =
        s.args.length === 1
          ? EPILOGUE_UNARY[s.op as EpilogueUnary](a)
          : EPILOGUE_BINARY[s.op as EpilogueBinary](a, read(s.args[1], y, channel, index));
    }
    return t[e.steps.length - 1];
  };
}

/**
 * What the epilogue computes, in words for reports and kernel names: the idioms the exporter writes
 * by name (silu = y*sigmoid(y); gelu = the Erf form 0.5*y*(1 + erf(y/sqrt 2)); residual*skip =
 * residual times a constant, added), other steps by op (with `const` for a constant operand).
 */
export function describeEpilogue(e: Epilogue): string[] {
  const s = e.steps;
  const is = (a: EpilogueOperand, kind: EpilogueOperand["kind"], index?: number) =>
    a.kind === kind && (index === undefined || ("index" in a && a.index === index));
  const scalar = (a: EpilogueOperand, v: number) => a.kind === "constant" && e.constants[a.index][0] === v;
  const pair = (k: number, op: string, p: (a: EpilogueOperand) => boolean, q: (a: EpilogueOperand) => boolean) => {
    const step = s[k];
    if (step?.op !== op || step.args.length !== 2) return false;
    const [a, b] = step.args;
    return (p(a) && q(b)) || (p(b) && q(a));
  };
  const same = (a: EpilogueOperand, b: EpilogueOperand) => operandText(a) === operandText(b);
  const parts: string[] = [];
  for (let k = 0; k < s.length; ) {
    const x = s[k].args[0];
    const prev = (j: number) => (a: EpilogueOperand) => is(a, "step", k + j);
    if (s[k].op === "sigmoid" && pair(k + 1, "mul", (a) => same(a, x), prev(0))) {
      parts.push("silu");
      k += 2;
    } else if (
      pair(
        k,
        "div",
        (a) => same(a, x),
        (a) => scalar(a, Math.fround(Math.SQRT2)),
      ) &&
      s[k + 1]?.op === "erf" &&
      is(s[k + 1].args[0], "step", k) &&
      pair(k + 2, "add", prev(1), (a) => scalar(a, 1)) &&
      pair(k + 3, "mul", (a) => same(a, x), prev(2)) &&
      pair(k + 4, "mul", prev(3), (a) => scalar(a, 0.5))
    ) {
      parts.push("gelu");
      k += 5;
    } else if (
      pair(
        k,
        "mul",
        (a) => is(a, "residual"),
        (a) => is(a, "constant"),
      ) &&
      pair(k + 1, "add", prev(0), () => true)
    ) {
      parts.push("residual*skip");
      k += 2;
    } else {
      const args = s[k].args as readonly EpilogueOperand[];
      const operand = args.find((a) => a.kind === "constant" || a.kind === "residual");
      const op = s[k].op;
      if (operand?.kind === "residual") parts.push(op === "add" ? "residual" : `${op} residual`);
      else parts.push(operand?.kind === "constant" ? `${op} const` : op);
      k++;
    }
  }
  return parts;
}

/** describeEpilogue's words as name parts (silu, gelu, residual_skip, mul_const). */
export function epilogueTags(e: Epilogue): string[] {
  return describeEpilogue(e).map((p) => p.replace(/[^A-Za-z0-9]+/g, "_"));
}
