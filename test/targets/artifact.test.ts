import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "acorn";
import { describe, expect, it } from "vitest";
import { QmcError } from "../../compiler/diagnostics.js";
import { emitJs } from "../../targets/js/emit.js";
import { PLACE_BUFFERS_ES5, placeBuffers } from "../../targets/shared/arena.js";
import { arenaBytes } from "../../targets/shared/meta.js";
import { rng } from "../support/random.js";
import { CASES } from "./cases.js";
import { chainPlan } from "./chain-plan.js";
import { loadScript, oneKernelPlan } from "./harness.js";

const OPTIONS = { compilerVersion: "0.1.0-test" };

function hasDuk(): boolean {
  try {
    execFileSync("duk", ["-e", "1"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function image(width: number, height: number, channels: number, seed: number): Uint8Array {
  const rnd = rng(seed);
  return Uint8Array.from({ length: width * height * channels }, () => Math.floor(rnd() * 256));
}

describe("js artifact", () => {
  const code = emitJs(chainPlan(), OPTIONS);

  it("is ES5.1: every kernel case and a whole network parse with ecmaVersion 5", () => {
    const scripts = [code, ...CASES.map((c) => emitJs(oneKernelPlan(c.spec), OPTIONS))];
    for (const s of scripts) expect(() => parse(s, { ecmaVersion: 5, sourceType: "script" })).not.toThrow();
  });

  it("is deterministic: the same plan gives byte-identical text", () => {
    expect(emitJs(chainPlan(), OPTIONS)).toBe(code);
  });

  it("starts with a header naming compiler, target and model hash, with no comment escape", () => {
    const header = code.slice(0, code.indexOf("*/") + 2);
    expect(header).toContain("qmc 0.1.0-test for target 'js'");
    expect(header).toContain("ab".repeat(32));
    expect(header).toContain("b5_output");
    // The model's name contains "*/": it must not end the header early.
    expect(code.indexOf("*/")).toBe(code.indexOf("*/\n(function (root)"));
  });

  it("exposes the ABI and meta, and rejects bad sizes", () => {
    const art = loadScript(code);
    expect(art.meta).toMatchObject({ abi: 1, task: "sr", scale: 2, channels: 3, target: "js", compiler: "0.1.0-test" });
    expect(art.qmc_run()).toBe(-3);
    expect(art.qmc_prepare(0, 5)).toBe(-1);
    expect(art.qmc_prepare(2.5, 5)).toBe(-1);
    expect(art.qmc_prepare(6, 5)).toBe(0);
    expect(art.memory.byteLength).toBe(arenaBytes(chainPlan(), 6, 5));
    expect(art.qmc_run()).toBe(0);
  });

  it("restores whole images and tiles them as MambaIR does (tile = min(tile, h, w))", () => {
    const art = loadScript(code);
    const rgba = image(8, 8, 4, 3);
    const whole = art.restore(rgba, 8, 8, 4);
    expect([whole.width, whole.height, whole.channels]).toEqual([16, 16, 4]);
    // A tile larger than the image shrinks to it: one tile, the same result.
    expect(Array.from(art.restore(rgba, 8, 8, 4, { tile: 16, overlap: 4 }).data)).toEqual(Array.from(whole.data));
    // DlsQuant statistics are per tile, so real tiling changes the result (but not the size).
    const tiled = art.restore(rgba, 8, 8, 4, { tile: 5, overlap: 2 });
    expect(tiled.data.length).toBe(whole.data.length);
    expect(Array.from(tiled.data)).not.toEqual(Array.from(whole.data));
    // Alpha is carried over from the nearest input pixel.
    expect(whole.data[3]).toBe(rgba[3]);
    expect(whole.data[(16 * 16 - 1) * 4 + 3]).toBe(rgba[(8 * 8 - 1) * 4 + 3]);
  });

  it("names an unknown kernel kind in a QmcError", () => {
    const plan = chainPlan();
    const bad = { ...plan, kernels: [...plan.kernels, { ...plan.kernels[2], kind: "Frobnicate", name: "k5_frob" }] };
    expect(() => emitJs(bad, OPTIONS)).toThrow(QmcError);
    expect(() => emitJs(bad, OPTIONS)).toThrow(
      /cannot compile 1 of 6 kernels:\n {2}#5 Frobnicate .*: no js kernel for op Frobnicate/,
    );
  });

  it.skipIf(!hasDuk())("gives byte-identical output under Duktape and Node", () => {
    const rgb = image(11, 9, 3, 5);
    const art = loadScript(code);
    const expected = art.restore(rgb, 11, 9, 3, { tile: 6, overlap: 2 });
    const dir = mkdtempSync(join(tmpdir(), "qmc-duk-"));
    const driver = `${code}
var px = [${Array.from(rgb).join(",")}];
var out = qmc.restore(px, 11, 9, 3, { tile: 6, overlap: 2 });
print(Array.prototype.join.call(out.data, ","));
`;
    writeFileSync(join(dir, "run.js"), driver);
    const printed = execFileSync("duk", [join(dir, "run.js")], { encoding: "utf8" }).trim();
    expect(printed).toBe(Array.from(expected.data).join(","));
  });
});

describe("arena placement", () => {
  const es5 = new Function(
    `return function ${PLACE_BUFFERS_ES5.name}(${PLACE_BUFFERS_ES5.params.map((p) => p.name).join(", ")}) {${PLACE_BUFFERS_ES5.body}}`,
  )() as (s: number[], f: number[], l: number[]) => { offsets: number[]; total: number };

  it("the ES5 twin places exactly as the reference, and live buffers never overlap", () => {
    const rnd = rng(11);
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(rnd() * 12);
      const sizes = Array.from({ length: n }, () => Math.floor(rnd() * 4) * Math.floor(rnd() * 1000));
      const ranges = sizes.map((): [number, number] => {
        const a = Math.floor(rnd() * 10);
        return [a, a + Math.floor(rnd() * 5)];
      });
      const ref = placeBuffers(sizes, ranges);
      const twin = es5(
        sizes,
        ranges.map((r) => r[0]),
        ranges.map((r) => r[1]),
      );
      expect(twin).toEqual(ref);
      for (let i = 0; i < n; i++) {
        expect(ref.offsets[i] % 16).toBe(0);
        expect(ref.offsets[i] + sizes[i]).toBeLessThanOrEqual(ref.total);
        for (let j = 0; j < i; j++) {
          const live = ranges[i][0] <= ranges[j][1] && ranges[j][0] <= ranges[i][1];
          const apart = ref.offsets[i] + sizes[i] <= ref.offsets[j] || ref.offsets[j] + sizes[j] <= ref.offsets[i];
          if (live && sizes[i] > 0 && sizes[j] > 0) expect(apart).toBe(true);
        }
      }
    }
  });
});
