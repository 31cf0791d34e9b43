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
}

/**
 * The biased weights when the relaxed dot is exact for this kernel: weights of at most 7 bits,
 * activation codes that fit i8, no DlsQuant (its extreme-code sums need per-element masks), N >= 8
 * (the dot serves blocks of eight columns; the last N % 8 go the scalar way and need no table).
 * The arrangement is a table the first qmc_prepare fills from the unpacked codes, so it takes no
 * bytes in the file.
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
  const table = env.derived(`relaxed_weights_k${K}_n${N}_b${bias}`, 1, blocksOf(N) * groups * 16, "u8", (f, src, dst) =>
    fill(f, src, dst, K, N, bias),
  );
  return { bias, groups, codes: table };
}

/** Blocks of four columns the dot serves: the columns of whole blocks of eight. */
function blocksOf(N: number): number {
  return 2 * Math.floor(N / 8);
}

/**
 * The table of relaxedWeights from the codes w [K, N] (i8): per block b of four columns and group g
 * of four rows, 16 bytes, code w[4g+t, 4b+i] + bias at 4i+t (rows past K stay 0, as reserved).
 */
function fill(f: Fn, w: Arr, dst: Arr, K: number, N: number, bias: number): Ex[] {
  const m = f.m;
  const groups = Math.ceil(K / 4);
  const [b, g, i, t, k, j] = Array.from({ length: 6 }, () => f.i32Local());
  const code = () => f.load(w, f.add(f.mul(k.get(), f.i32(N)), j.get()));
  return [
    f.for(b, f.i32(0), () => f.i32(blocksOf(N)), [
      f.for(g, f.i32(0), () => f.i32(groups), [
        f.for(i, f.i32(0), () => f.i32(4), [
          j.set(f.add(f.mul(b.get(), f.i32(4)), i.get())),
          f.for(t, f.i32(0), () => f.i32(4), [
            k.set(f.add(f.mul(g.get(), f.i32(4)), t.get())),
            f.if(m.i32.lt_s(k.get(), f.i32(K)), [
              f.store(
                dst,
                f.add(
                  f.mul(f.add(f.mul(b.get(), f.i32(groups)), g.get()), f.i32(16)),
                  f.mul(i.get(), f.i32(4)),
                  t.get(),
                ),
                m.i32.add(code(), f.i32(bias)),
              ),
            ]),
          ]),
        ]),
      ]),
    ]),
  ];
}
