import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { restoreRaw } from "../samples/hosts/quickjs/host.mjs";
import { emitJs } from "../targets/js/emit.js";
import { rng } from "./support/random.js";

/*
 * Every tiny sample model's ES5 artifact through the sample hosts: Debian's Duktape (samples/hosts/
 * duktape/restore.sh under an address-space cap) and QuickJS (samples/hosts/quickjs/host.mjs under
 * setMemoryLimit), byte for byte as Node restores it. Each Duktape run takes ~10 s of CPU at 32x32, so
 * one model also runs at 48x64 and the others at 32x32 only.
 */

const ROOT = join(import.meta.dirname, "..");
const MODELS = [
  "qmambair-tiny-sr2-w4a4",
  "qmambair-tiny-sr2-w2a2",
  "qmambair-tiny-sr2-fp32",
  "qmambair-tiny-dn25-w4a4",
  "qmambair-tiny-dn25-fp32",
  "qmambair-tiny-car10-w4a4",
  "qmambair-tiny-car10-fp32",
];
const CAP_BYTES = 64 * 1024 * 1024;
const hasDuk = spawnSync("duk", ["-e", "print(1)"]).status === 0;

interface Restorer {
  restore(pixels: Uint8Array, width: number, height: number, channels: number): { data: Uint8Array };
  meta: { channels: number };
}

function inNode(code: string): Restorer {
  const module = { exports: {} as Restorer };
  new Function("module", code)(module);
  return module.exports;
}

function pixels(width: number, height: number, channels: number, seed: number): Uint8Array {
  const next = rng(seed);
  return Uint8Array.from({ length: width * height * channels }, () => Math.floor(next() * 256));
}

function inDuktape(script: string, input: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const file = join(mkdtempSync(join(tmpdir(), "qmc-duk-host-")), "model.js");
  writeFileSync(file, script);
  const host = join(ROOT, "samples", "hosts", "duktape", "restore.sh");
  const r = spawnSync("prlimit", [`--as=${CAP_BYTES}`, host, file, String(width), String(height), String(channels)], {
    input,
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`duktape host failed: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

/** Every model at 32x32; the first one also at 48x64. */
const CASES = [...MODELS.map((name) => ({ name, h: 32, w: 32 })), { name: MODELS[0], h: 48, w: 64 }];

describe.runIf(hasDuk)("tiny sample models in the device hosts", () => {
  for (const { name, h, w } of CASES) {
    // A loaded 2-core machine can take minutes over the larger size in two interpreters.
    it(`${name}: Duktape and QuickJS restore ${h}x${w} as Node does`, { timeout: 600_000 }, async () => {
      const { plan } = planModelFile(join(ROOT, "samples", "models", name, "model.onnx"));
      const script = emitJs(plan, { compilerVersion: "test" });
      const node = inNode(script);
      const channels = node.meta.channels;
      const file = join(mkdtempSync(join(tmpdir(), "qmc-qjs-host-")), "model.js");
      writeFileSync(file, script);
      const input = pixels(w, h, channels, h * w);
      const expected = node.restore(input, w, h, channels).data;
      expect(Buffer.from(inDuktape(script, input, w, h, channels)).equals(Buffer.from(expected))).toBe(true);
      const quick = await restoreRaw({ model: file, width: w, height: h, channels, limit: CAP_BYTES }, input);
      expect(Buffer.from(quick.data).equals(Buffer.from(expected))).toBe(true);
      expect(quick.peakHeapBytes).toBeGreaterThan(0);
    });
  }
});
