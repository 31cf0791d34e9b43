import { TILE_POSITIONS } from "../../../../compiler/ops/support/winograd.js";
import { WINOGRAD_TILES } from "../../../shared/winograd-geometry.js";
import type { Ex } from "../../binaryen.js";
import type { Arr, Local } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";

/** Output channels a register block holds, and vectors of four tiles: eight f32x4 accumulators. */
const CHANNELS = 4;
const VECTORS = 2;

export interface WinogradProducts {
  /** The transformed weights [16, C, M] (C the virtual input channels). */
  readonly u: Arr;
  /** v [16, C, WINOGRAD_TILES] from element 0, then mm [16, M, WINOGRAD_TILES]. */
  readonly scratch: Arr;
  readonly C: number;
  readonly M: number;
  /** Tiles in this chunk. */
  readonly kn: Local;
}

/**
 * The Winograd products with SIMD, four tiles a vector: mm[q, oc, k] = sum over ic of u[q, ic, oc]
 * * v[q, ic, k], each lane the reference's sum for one tile (+0, then input channels in order, an f32
 * multiply and add each). A register block takes CHANNELS output channels by VECTORS vectors of
 * tiles: per input channel, VECTORS loads of v and one splat of u per channel. The last block of a
 * chunk may run past its tiles, within the chunk's scratch; those lanes are never stored to y.
 */
export function tileLaneProducts(env: WasmKernelEnv, o: WinogradProducts): Ex[] {
  const f = env.fn;
  const m = f.m;
  const T = WINOGRAD_TILES;
  const { C, M } = o;
  const [q, oc, kt, ic, up, vp, wp] = Array.from({ length: 7 }, () => f.i32Local());
  const acc = Array.from({ length: CHANNELS }, () => Array.from({ length: VECTORS }, () => f.local(f.b.v128)));
  const vs = Array.from({ length: VECTORS }, () => f.local(f.b.v128));
  const us = f.local(f.b.v128);
  const zero = () => m.v128.const(new Array(16).fill(0));

  const block = (channels: number): Ex[] => [
    ...acc.slice(0, channels).flatMap((row) => row.map((a) => a.set(zero()))),
    up.set(f.addr(o.u, f.add(f.mul(q.get(), f.i32(C * M)), oc.get()))),
    vp.set(f.addr(o.scratch, f.add(f.mul(q.get(), f.i32(C * T)), kt.get()))),
    f.for(ic, f.i32(0), () => f.i32(C), [
      ...vs.map((vv, t) => vv.set(m.v128.load(16 * t, 4, vp.get()))),
      ...acc
        .slice(0, channels)
        .flatMap((row, r) => [
          us.set(m.v128.load32_splat(4 * r, 4, up.get())),
          ...row.map((a, t) => a.set(m.f32x4.add(a.get(), m.f32x4.mul(us.get(), vs[t].get())))),
        ]),
      up.set(f.add(up.get(), f.i32(4 * M))),
      vp.set(f.add(vp.get(), f.i32(4 * T))),
    ]),
    // mm[q, oc + r, kt + 4 t .. kt + 4 t + 3]
    wp.set(
      f.addr(
        o.scratch,
        f.add(f.i32(TILE_POSITIONS * C * T), f.mul(f.add(f.mul(q.get(), f.i32(M)), oc.get()), f.i32(T)), kt.get()),
      ),
    ),
    ...acc
      .slice(0, channels)
      .flatMap((row, r) => row.map((a, t) => m.v128.store(4 * (r * T + 4 * t), 4, wp.get(), a.get()))),
  ];

  const whole = M - (M % CHANNELS);
  const tileBlocks = (channels: number) => f.for(kt, f.i32(0), o.kn.get, block(channels), 4 * VECTORS);
  return [
    f.for(q, f.i32(0), () => f.i32(TILE_POSITIONS), [
      ...(whole ? [f.for(oc, f.i32(0), () => f.i32(whole), [tileBlocks(CHANNELS)], CHANNELS)] : []),
      ...(M % CHANNELS ? [oc.set(f.i32(whole)), tileBlocks(M % CHANNELS)] : []),
    ]),
  ];
}
