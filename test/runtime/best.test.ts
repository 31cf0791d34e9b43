import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadBestModel, wasmFeatures } from "../../runtime/core/best.js";
import { QmcRuntimeError } from "../../runtime/core/errors.js";
import { INTEGER_CASES } from "../wasm/integer-cases.js";
import { emit, hostHasRelaxedSimd } from "../wasm/support.js";

/** A module whose only function uses a SIMD opcode no engine has (0xfd 0x1fff). */
const FUTURE = Uint8Array.from([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 7, 1, 5, 0, 0xfd, 0xff, 0x3f, 11,
]);

describe("loadBestModel: the best artifact this engine runs", () => {
  const plan = INTEGER_CASES[0].plan;

  it("feature probes: Node 20 has SIMD; relaxed SIMD only behind its flag", () => {
    expect(wasmFeatures()).toEqual({ wasm: true, simd: true, relaxedSimd: hostHasRelaxedSimd() });
  });

  it("relaxed SIMD counts only where the relaxed dot computes right (not in Node 20's baseline tier)", () => {
    const best = fileURLToPath(new URL("../../runtime/core/best.ts", import.meta.url));
    const features = (...flags: string[]) =>
      JSON.parse(
        execFileSync(process.execPath, [
          "--experimental-wasm-relaxed-simd",
          ...flags,
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          `import { wasmFeatures } from ${JSON.stringify(best)}; process.stdout.write(JSON.stringify(wasmFeatures()));`,
        ]).toString("utf8"),
      );
    expect(features("--no-liftoff")).toEqual({ wasm: true, simd: true, relaxedSimd: true });
    // V8 11.3's Liftoff drops the dot's addend and doubles its sum; later Nodes may have it right.
    if (process.versions.node.startsWith("20.")) expect(features().relaxedSimd).toBe(false);
  });

  it("takes the first candidate the engine validates", async () => {
    const [simd, mvp] = await Promise.all([emit(plan, "simd"), emit(plan, "mvp")]);
    expect((await loadBestModel([simd, mvp])).info.target).toBe("wasm-simd");
    expect((await loadBestModel([FUTURE, mvp])).info.target).toBe("wasm");
    expect((await loadBestModel([FUTURE, simd.buffer as ArrayBuffer])).info.target).toBe("wasm-simd");
  });

  it("fails with a runtime error naming the engine's features when nothing fits", async () => {
    const fails = loadBestModel([FUTURE]);
    await expect(fails).rejects.toBeInstanceOf(QmcRuntimeError);
    await expect(loadBestModel([FUTURE])).rejects.toThrow(/supports: wasm, simd/);
  });
});
