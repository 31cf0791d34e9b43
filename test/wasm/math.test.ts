import { describe, expect, it } from "vitest";
import { sigmoid } from "../../compiler/ops/support/activation.js";
import { erf } from "../../compiler/ops/support/erf.js";
import { qerf } from "../../targets/wasm/erf.js";
import { qsigmoid } from "../../targets/wasm/sigmoid.js";
import { rng } from "../support/random.js";
import { f32RoutineExports } from "./support.js";

/** The module's math functions, exported on their own. */
function mathModule(): Promise<Record<string, (x: number) => number>> {
  return f32RoutineExports(["qexp", "qlog1p", "qtanh", "qerf", "qsigmoid"], []);
}

describe("wasm math", () => {
  it("exp and log1p are bit-identical to Node's Math.exp and Math.log1p (fdlibm)", async () => {
    const { qexp, qlog1p } = await mathModule();
    const rnd = rng(5);
    const xs = [0, -0, 1, -1, 1e-300, 709.78, 709.79, -745.1, -746, 0.5, -0.5, 1e-9, Infinity, -Infinity, Number.NaN];
    for (let i = 0; i < 20000; i++) xs.push((rnd() - 0.5) * 2 ** Math.floor(rnd() * 24 - 12));
    const bad = xs.filter((x) => !Object.is(qexp(x), Math.exp(x)));
    expect(bad.slice(0, 5)).toEqual([]);
    const logs = xs.filter((x) => x > -1 || Number.isNaN(x)).concat([-1, -0.9999, -0.29, 1e300]);
    const badLog = logs.filter((x) => !Object.is(qlog1p(x), Math.log1p(x)));
    expect(badLog.slice(0, 5)).toEqual([]);
  });

  it("sigmoid is the reference interpreter's float32 sigmoid bit for bit, and within 2 ulp of the exact one", async () => {
    const { qsigmoid } = await mathModule();
    const rnd = rng(8);
    const f32 = Math.fround;
    const xs = [0, -0, 1, -1, 0.5, 88, -88, 103.9, -103.9, 104, -104, 1e4, -1e4, 1e-45, -1e-45, Infinity, -Infinity];
    xs.push(Number.NaN);
    for (let i = 0; i < 20000; i++)
      xs.push(f32((rnd() - 0.5) * 2 ** Math.floor(rnd() * 20 - 12)), f32((rnd() - 0.5) * 220));
    const bad = xs.filter((x) => !Object.is(qsigmoid(x), sigmoid(x)));
    expect(bad.slice(0, 5)).toEqual([]);
    // Distance in float32 steps from the exact sigmoid (in double) rounded to float32.
    const bits = new Int32Array(1);
    const cell = new Float32Array(bits.buffer);
    const ord = (v: number) => {
      cell[0] = v;
      return bits[0];
    };
    const exact = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
    const worst = Math.max(...xs.filter((x) => !Number.isNaN(x)).map((x) => Math.abs(ord(sigmoid(x)) - ord(exact(x)))));
    expect(worst).toBeLessThanOrEqual(2);
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-200)).toBe(0);
    expect(sigmoid(200)).toBe(1);
  });

  it("erf is the reference interpreter's float32 erf bit for bit, and within 1.5 ulp of erf", async () => {
    const { qerf } = await mathModule();
    const rnd = rng(7);
    const f32 = Math.fround;
    const xs = [0, -0, 0.5, 1, -1, f32(1 - 2 ** -24), 3.919205904006958, f32(3.919205904006958 - 2 ** -22), 6, -6];
    xs.push(1e-300, 5e-324, 1e-45, Infinity, -Infinity, Number.NaN);
    for (let i = 0; i < 20000; i++) xs.push((rnd() - 0.5) * 2 ** Math.floor(rnd() * 16 - 12), (rnd() - 0.5) * 9);
    const bad = xs.filter((x) => !Object.is(qerf(x), erf(x)));
    expect(bad.slice(0, 5)).toEqual([]);
    // erf to 17 digits (mpmath, 30-digit arithmetic); 1.0208929777145386 is the worst case measured.
    const known: [number, number][] = [
      [1e-10, 1.1283791670955126e-10],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [0.9999999403953552, 0.8427007682073785],
      [1, 0.8427007929497149],
      [1.0208929777145386, 0.8511936982158178],
      [1.7, 0.9837904585907745],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [3.9, 0.9999999652077514],
      [4.5, 0.9999999998033839],
    ];
    for (const [x, e] of known) {
      const ulp = 2 ** (Math.floor(Math.log2(e)) - 23);
      expect(Math.abs(erf(x) - e) / ulp).toBeLessThanOrEqual(1.5);
      expect(erf(-x)).toBe(-erf(x));
    }
    expect(erf(5)).toBe(1);
  });

  it("tanh is within 4e-16 relative of Math.tanh and odd", async () => {
    const { qtanh } = await mathModule();
    for (const x of [-30, -3, -0.5, -1e-5, 0, 1e-5, 0.5, 3, 30]) {
      expect(Math.abs(qtanh(x) - Math.tanh(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(Math.tanh(x))));
      expect(qtanh(-x) + qtanh(x)).toBe(0);
    }
  });

  it("sigmoid and erf written out on f32x4 give the scalar routines' results in each lane", async () => {
    const e = await f32RoutineExports(
      ["qsigmoid", "qerf"],
      [
        ["qsigmoid", qsigmoid],
        ["qerf", qerf],
      ],
    );
    const rnd = rng(6);
    const edges = [0, -0, 1, -1, 2 ** -28, -(2 ** -29), 0.34657359027997264, -0.3465735902799727, 1.0397207708399179];
    const xs = [
      ...edges,
      1.04,
      -1.04,
      2.999,
      -3,
      3,
      5.9,
      3.919205904006958,
      0.99999994,
      700,
      -700,
      700.1,
      -707.5,
      709.9,
      -746,
      Infinity,
      -Infinity,
    ];
    xs.push(Number.NaN);
    for (let i = 0; i < 20000; i++) xs.push((rnd() - 0.5) * 2 ** Math.floor(rnd() * 24 - 12));
    const quads = Array.from({ length: xs.length - 1 }, (_, i) => [
      xs[i],
      xs[(i * 7 + 3) % xs.length],
      xs[(i * 5 + 1) % xs.length],
      xs[(i * 3 + 2) % xs.length],
    ]);
    // Every lane small but one at erf's branch point (the written-out erf skips its large
    // polynomial only where every lane is below it), or just below it.
    quads.push([0.5, 1, -0.25, 0.99999994], [-1, 0.1, 2 ** -20, -0.75], [0.99999994, -0.99999994, 0, -0]);
    const bad: string[] = [];
    for (const quad of quads) {
      for (const l of [0, 1, 2, 3]) {
        for (const fn of ["qsigmoid", "qerf"]) {
          if (!Object.is(e[`${fn}4_lane${l}`](...quad), e[fn](Math.fround(quad[l])))) bad.push(`${fn}4(${quad[l]})`);
        }
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
