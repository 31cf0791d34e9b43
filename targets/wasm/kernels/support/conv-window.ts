import type { Ex } from "../../binaryen.js";
import type { Arr, Fn, Local, Val } from "../../dsl.js";
import type { ActivationQuant } from "./activation-quant.js";

/**
 * What the SIMD paths of a windowed integer convolution (conv-rows.ts, conv-blocks.ts) take from
 * QConv: the window's geometry, the activation codes, and the kernel's own scalar path and epilogue.
 */
export interface ConvWindow {
  readonly quant: ActivationQuant;
  /** Input channels per group, and the kernel's height and width. */
  readonly channels: number;
  readonly kernel: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly padsBegin: readonly [number, number];
  readonly W: Val;
  readonly OW: Val;
  /** Activation codes, one i16 each. */
  readonly codes: Arr;
  /** Elements between two input channels' codes (H*W). */
  readonly channelStride: Val;
  /** The input row of tap row `kh` for the current output row, and whether it is inside the image. */
  readonly inputRow: (kh: Ex) => Ex;
  readonly inside: (ih: Local) => Ex;
  readonly aw: (c: Ex) => Ex;
  /** The weight offsets; none where the weights are symmetric (weightParams). */
  readonly bw?: (c: Ex) => Ex;
  /** Outputs ow in [from, to) one by one, the scalar way (rows narrower than a block). */
  readonly scalar: (from: Ex, to: Val) => Ex;
  /** Stores the f64x2 values `vs[i]` of columns `ow` + 2i, `ow` + 2i + 1 (the current channel and row). */
  readonly finishPairs: (vs: readonly Local[], ow: Val) => Ex[];
  /**
   * Where the epilogue has steps: store a row's values bare (`bare`, as finishPairs), then run the
   * steps over the whole row (`finishRow`), many outputs at once, so that their activations overlap.
   */
  readonly deferred?: { readonly bare: (vs: readonly Local[], ow: Val) => Ex[]; readonly finishRow: () => Ex[] };
}

/**
 * Sets `masks[kw]` to the lanes of the block of eight columns from `ow` whose tap column kw is inside
 * the image (all ones): an unsigned i16 compare, so columns left of the image (negative) are out too.
 */
export function borderMasks(f: Fn, masks: readonly Local[], o: ConvWindow, ow: Local): Ex[] {
  const m = f.m;
  const DW = o.dilations[1];
  const PL = o.padsBegin[1];
  const lanes = Array.from({ length: 8 }, (_, i) => [i, 0]).flat();
  return masks.map((mask, kw) =>
    mask.set(
      m.i16x8.lt_u(
        m.i16x8.add(m.i16x8.splat(f.add(ow.get(), f.i32(kw * DW - PL))), m.v128.const(lanes)),
        m.i16x8.splat(o.W()),
      ),
    ),
  );
}

/**
 * Per column of a border block, the sum over the kernel columns kw of `value(kw)` where column kw's
 * tap is inside the image: `masks[kw]` holds 8 i16 lanes, all ones inside; `high` picks columns 4-7.
 */
export function maskedSum(f: Fn, masks: readonly Local[], high: boolean, value: (kw: number) => Ex): Ex {
  const m = f.m;
  return masks
    .map((mask, kw) =>
      m.v128.and(
        high ? m.i32x4.extend_high_i16x8_s(mask.get()) : m.i32x4.extend_low_i16x8_s(mask.get()),
        m.i32x4.splat(value(kw)),
      ),
    )
    .reduce((a, b) => m.i32x4.add(a, b));
}
