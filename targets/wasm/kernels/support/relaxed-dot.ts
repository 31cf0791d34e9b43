import type { Ex } from "../../binaryen.js";
import type { Arr, Fn } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";

interface TernaryApi {
  _BinaryenSIMDTernary(module: number, op: number, a: Ex, b: Ex, c: Ex): Ex;
  readonly RelaxedDotI8x16I7x16AddSToVecI32x4: number;
}

/** c + the sums of four adjacent products of i8 lanes a and b, per i32 lane (binaryen.js has no builder for it). */
export function relaxedDotAdd(f: Fn, a: Ex, b: Ex, c: Ex): Ex {
  const api = f.b as unknown as TernaryApi;
  const module = (f.m as unknown as { ptr: number }).ptr;
  return api._BinaryenSIMDTernary(module, api.RelaxedDotI8x16I7x16AddSToVecI32x4, a, b, c);
}

/**
 * Weight codes of X @ W (W is [K, N]) arranged for i32x4.relaxed_dot_i8x16_i7x16_add_s, whose result
 * is implementation-defined unless every lane of its second operand lies in [0, 127]. So each code is
 * biased by 2^(bits-1) into [0, 2^bits - 1], and the bias comes back off the exact integer sum:
 *   sum qx*qw = sum qx*(qw + bias) - bias * sum qx.
 * A pair of products is at most 2 * 128 * 127 in magnitude, so engines that add pairs in i16 first
 * (x86's pmaddubsw) do not saturate either. `codes` holds, per block of four columns and group of four
 * rows, 16 bytes: column j+i's rows 4g..4g+3 at 4i; rows past K are 0 and add nothing.
 */
export interface RelaxedWeights {
  readonly bias: number;
  readonly groups: number;
  readonly codes: Arr;
  /** sum over k of the unbiased code w[k, j], per column (i32). */
  readonly columnSums: Arr;
}

/**
 * The biased weights when the relaxed dot is exact for this kernel: weights of at most 7 bits,
 * activation codes that fit i8, no DlsQuant (its extreme-code sums need per-element masks), N >= 8
 * (the dot serves blocks of eight columns; the last N % 8 go the scalar way and need no table).
 */
export function relaxedWeights(env: WasmKernelEnv, K: number, N: number): RelaxedWeights | undefined {
  const bits = env.int("w_bits");
  const xBits = env.int("x_bits");
  // Activation codes fit i8: signed ones of up to 8 bits, unsigned ones of up to 7.
  const fits = env.int("x_signed", 0) !== 0 ? xBits <= 8 : xBits <= 7;
  const w = env.constant(1);
  if (env.isa !== "relaxed" || env.string("x_mode", "dls") === "dls" || bits > 7 || !fits || N < 8 || !w) return;
  const bias = 2 ** (bits - 1);
  for (let i = 0; i < K * N; i++) if (w[i] < -bias || w[i] >= bias) return;
  const groups = Math.ceil(K / 4);
  const blocks = 2 * Math.floor(N / 8);
  const bytes = new Uint8Array(blocks * groups * 16);
  for (let b = 0; b < blocks; b++) {
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < 4; i++) {
        for (let t = 0; t < 4; t++) {
          const k = 4 * g + t;
          if (k < K) bytes[(b * groups + g) * 16 + 4 * i + t] = w[k * N + 4 * b + i] + bias;
        }
      }
    }
  }
  const sums = new Int32Array(N);
  for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) sums[j] += w[k * N + j];
  return {
    bias,
    groups,
    codes: env.table(bytes, "u8"),
    columnSums: env.table(new Uint8Array(sums.buffer), "i32"),
  };
}
