import { describe, expect, it } from "vitest";
import { loadBinaryen } from "../../targets/wasm/binaryen.js";
import { Fn, type Local } from "../../targets/wasm/dsl.js";
import { expF32x4, expPairExactSteps } from "../../targets/wasm/kernels/support/vector-exp.js";
import { log1pPairSteps, softplusF32x4 } from "../../targets/wasm/kernels/support/vector-softplus.js";
import { addMathFunctions } from "../../targets/wasm/math.js";
import { rng } from "../support/random.js";
import { WASM } from "./support.js";

interface VectorMath {
  /** The module's scalar fdlibm exp and log1p, and the softplus built from them. */
  qexp(x: number): number;
  qlog1p(x: number): number;
  qsoftplus(x: number): number;
  /** The float32 at byte `at` (count a multiple of 4) through expF32x4, in place. */
  exp4(at: number, count: number): void;
  /** The doubles at byte `at` (count even) through expPairExactSteps, in place. */
  exp2(at: number, count: number): void;
  /** The doubles at byte `at` (count even) through log1pPairSteps, in place. */
  log1p2(at: number, count: number): void;
  /** The float32 at byte `at` (count a multiple of 4) through softplusF32x4, in place. */
  softplus4(at: number, count: number): void;
  memory: { buffer: ArrayBuffer };
}

const ROUTINES = {
  exp4: (f: Fn, x: Local, out: Local) => [out.set(expF32x4(f, x.get()))],
  exp2: (f: Fn, x: Local, out: Local) => expPairExactSteps(f, x.get, out),
  log1p2: (f: Fn, x: Local, out: Local) => log1pPairSteps(f, x.get, out),
  softplus4: (f: Fn, x: Local, out: Local) => [out.set(softplusF32x4(f, x.get()))],
} as const;

/** The scalar math functions and the vector routines over arrays in memory, as a module of their own. */
async function vectorMath(): Promise<VectorMath> {
  const b = await loadBinaryen();
  const m = new b.Module();
  m.setFeatures(b.Features.MVP | b.Features.SIMD128);
  try {
    m.setMemory(1024, 1024, "memory");
    addMathFunctions(b, m, new Set(["qexp", "qlog1p", "qsoftplus"]));
    for (const n of ["qexp", "qlog1p", "qsoftplus"]) m.addFunctionExport(n, n);
    for (const [name, routine] of Object.entries(ROUTINES)) {
      const f = new Fn(b, m);
      const [at, bytes] = [f.param(b.i32), f.param(b.i32)];
      const i = f.i32Local();
      const [x, out] = [f.local(b.v128), f.local(b.v128)];
      const p = () => m.i32.add(at.get(), i.get());
      const body = [x.set(m.v128.load(0, 8, p())), ...routine(f, x, out), m.v128.store(0, 8, p(), out.get())];
      f.build(
        name,
        b.none,
        f.for(i, f.i32(0), () => bytes.get(), body, 16),
      );
      m.addFunctionExport(name, name);
    }
    expect(m.validate()).toBeTruthy();
    const { exports } = new WASM.Instance(new WASM.Module(m.emitBinary()), {});
    const e = exports as unknown as Record<string, (...args: number[]) => number> & Pick<VectorMath, "memory">;
    return {
      qexp: e.qexp,
      qlog1p: e.qlog1p,
      qsoftplus: e.qsoftplus,
      memory: e.memory,
      exp4: (at, count) => e.exp4(at, count * 4),
      exp2: (at, count) => e.exp2(at, count * 8),
      log1p2: (at, count) => e.log1p2(at, count * 8),
      softplus4: (at, count) => e.softplus4(at, count * 4),
    };
  } finally {
    m.dispose();
  }
}

const f32 = Math.fround;
const F32_BITS = new Uint32Array(1);
const F32_CELL = new Float32Array(F32_BITS.buffer);
const fromBits = (bits: number) => {
  F32_BITS[0] = bits;
  return F32_CELL[0];
};
const bitsOf = (x: number) => {
  F32_CELL[0] = x;
  return F32_BITS[0];
};
/** The float32 `v` rounds to, its neighbours, and their negations. */
const around = (v: number) => {
  const c = f32(v);
  const near = [c, fromBits(bitsOf(c) + 1), fromBits(bitsOf(c) - 1)];
  return [...near, ...near.map((x) => -x)];
};

/**
 * The `count` float32 between `from` and `to` (every one of them) whose `fn`, a double about to be
 * rounded to float32, lies nearest a float32 rounding midpoint: where a result one double ulp off
 * would round the other way.
 */
function nearMidpoints(fn: (x: number) => number, from: number, to: number, count: number): number[] {
  const found: [number, number][] = [];
  const [lo, hi] = [bitsOf(from), bitsOf(to)].sort((a, b) => a - b);
  for (let bits = lo; bits < hi; bits++) {
    const x = fromBits(bits);
    const e = fn(x);
    const r = f32(e);
    const ulp = 2 ** (Math.floor(Math.log2(Math.abs(r))) - 23);
    const off = Math.abs(Math.abs(e - r) - ulp / 2) / ulp;
    if (off < 2 ** -16) found.push([off, x]);
  }
  return found
    .sort((a, b) => a[0] - b[0])
    .slice(0, count)
    .map(([, x]) => x);
}

const SPECIAL = [0, -0, 1, -1, 0.5, -0.5, Infinity, -Infinity, Number.NaN, 3.4e38, -3.4e38, 1e-45, -1e-45];

describe("the vector exp and softplus (the wasm-simd Exp and Softplus kernels)", () => {
  it("expF32x4 gives f32.demote(qexp(x)) bit for bit", async () => {
    const vm = await vectorMath();
    const rnd = rng(3);
    const xs: number[] = [...SPECIAL];
    // qexp's early return below 2^-28 and its reduction thresholds (ln2 / 2, 1.5 ln2); float32
    // overflow (88.72), subnormal (-87.34) and zero (-103.97) results; the clamp at 120.
    for (const v of [2 ** -28, 2 ** -29, 2 ** -126, Math.LN2 / 2, 1.5 * Math.LN2, 88.72283935546875, 87.33654])
      xs.push(...around(v));
    for (const v of [103.97, 103.98, 104, 119, 120, 121, 700, 746]) xs.push(...around(v));
    // The scan's dt * A: mostly small and negative; then every range and scale.
    for (let i = 0; i < 30000; i++) xs.push(f32(-4 * rnd()), f32(-230 * rnd() + 110));
    for (let i = 0; i < 20000; i++) xs.push(f32((rnd() - 0.5) * 2 ** Math.floor(rnd() * 40 - 32)));
    // Math.exp is fdlibm's exp, qexp's double (wasm math tests); every float32 in [-1.25, -1).
    const adversarial = nearMidpoints(Math.exp, -1, -1.25, 16);
    expect(adversarial.length).toBe(16);
    xs.push(...adversarial);
    while (xs.length % 4) xs.push(0);
    new Float32Array(vm.memory.buffer, 0, xs.length).set(xs);
    vm.exp4(0, xs.length);
    const got = new Float32Array(vm.memory.buffer, 0, xs.length);
    const bad = xs.flatMap((x, i) => (Object.is(got[i], f32(vm.qexp(x))) ? [] : [`exp(${x}) = ${got[i]}`]));
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("expPairExactSteps is qexp's double bit for bit on |x| <= 120, float32 x or not", async () => {
    const vm = await vectorMath();
    const rnd = rng(4);
    // qexp keeps k = 0 for high words up to 0x3fd62e42, doubles up to 1e-9 above ln2 / 2, where the
    // vector formula's k is 1: the float32 above ln2 / 2 has the next high word, the one below lies below.
    const above = f32(Math.LN2 / 2);
    const words = new Uint32Array(Float64Array.of(above).buffer);
    expect([words[1], words[0]]).toEqual([0x3fd62e43, 0]);
    expect(fromBits(bitsOf(above) - 1)).toBeLessThan(Math.LN2 / 2);
    const xs: number[] = [0, -0, 1, -1, -120, 120, 2 ** -28, -(2 ** -28), 2 ** -29, 1e-300, 0.3465735902799726];
    xs.push(...around(Math.LN2 / 2), ...around(1.5 * Math.LN2));
    for (let i = 0; i < 20000; i++) xs.push((rnd() - 0.5) * 240, (rnd() - 0.5) * 2 ** Math.floor(rnd() * 40 - 38));
    if (xs.length % 2) xs.push(0.25);
    new Float64Array(vm.memory.buffer, 0, xs.length).set(xs);
    vm.exp2(0, xs.length);
    const got = new Float64Array(vm.memory.buffer, 0, xs.length);
    const bad = xs.flatMap((x, i) => (Object.is(got[i], vm.qexp(x)) ? [] : [`exp(${x}) = ${got[i]}`]));
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("log1pPairSteps is qlog1p's double bit for bit on 0 < y < 2^53, its |f| < 2^-20 branch included", async () => {
    const vm = await vectorMath();
    const rnd = rng(6);
    // Its thresholds 2^-54, 2^-29 and 0x3fda827a00000000 (0.4142...), and 1 + y near a power of
    // two: equal to it, then off by up to 2^-20 (qlog1p's hu = 0 and the high words around it).
    const ys: number[] = [
      1e-300,
      2 ** -60,
      2 ** -54,
      2 ** -29,
      0.4142131805419922,
      0.41421318054199213,
      1,
      3,
      Number.NaN,
    ];
    ys.push(0.4142131805419921, 2 ** 52, 2 ** 53 - 1);
    for (let k = 1; k < 40; k++) {
      ys.push(2 ** k - 1);
      for (const hu of [0, 1, 2, 0xffffc, 0xffffd, 0xfffff, 0x6a09d, 0x6a09e]) {
        const u = 2 ** k * (1 + hu / 2 ** 20);
        ys.push(u - 1, u * (1 + 2 ** -40) - 1, u * (1 + rnd() * 2 ** -21) - 1);
      }
    }
    for (let i = 0; i < 20000; i++) ys.push(2 ** (rnd() * 110 - 58), rnd() * 3);
    for (let i = 0; i < 2000; i++) ys.push(2 ** (1 + (i % 3)) * (1 + (rnd() - 0.25) * 2 ** -19) - 1);
    if (ys.length % 2) ys.push(0.25);
    new Float64Array(vm.memory.buffer, 0, ys.length).set(ys);
    vm.log1p2(0, ys.length);
    const got = new Float64Array(vm.memory.buffer, 0, ys.length);
    const bad = ys.flatMap((y, i) => (Object.is(got[i], vm.qlog1p(y)) ? [] : [`log1p(${y}) = ${got[i]}`]));
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("softplusF32x4 gives f32.demote(qsoftplus(x)) bit for bit", async () => {
    const vm = await vectorMath();
    const rnd = rng(5);
    const xs: number[] = [...SPECIAL];
    // Both signs of: qexp's 1 + x (2^-28); qlog1p's y - y^2 / 2 (y < 2^-29, |x| > 20.1) and y (y <
    // 2^-54, |x| > 37.4); its k = 0 path (y < 0.4142, |x| > 0.881); its |f| < 2^-20 branch (x near
    // 0, ln 3, ln 7: 1 + y near 2, 4, 8); float32 zero results; the clamp at 120.
    for (const v of [2 ** -28, 20.101, 37.43, 0.88137, 103.9, 119.9, 120, 120.1, 200, Math.log(3), Math.log(7)])
      xs.push(...around(v));
    for (let i = 0; i < 30000; i++) xs.push(f32(-10 * rnd() + 2), f32(-260 * rnd() + 130));
    for (let i = 0; i < 10000; i++) xs.push(f32((rnd() - 0.5) * 2 ** Math.floor(rnd() * 40 - 32)));
    const adversarial = nearMidpoints((x) => Math.log1p(Math.exp(x)), -4, -5, 16);
    expect(adversarial.length).toBe(16);
    xs.push(...adversarial);
    while (xs.length % 4) xs.push(0.5);
    new Float32Array(vm.memory.buffer, 0, xs.length).set(xs);
    vm.softplus4(0, xs.length);
    const got = new Float32Array(vm.memory.buffer, 0, xs.length);
    const bad = xs.flatMap((x, i) => (Object.is(got[i], f32(vm.qsoftplus(x))) ? [] : [`softplus(${x}) = ${got[i]}`]));
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
