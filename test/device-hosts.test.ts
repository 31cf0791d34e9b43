import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { restoreRaw } from "../samples/hosts/quickjs/host.mjs";
import { emitJs } from "../targets/js/emit.js";
import { rng } from "./support/random.js";

/*
 * Every tiny sample model's ES5 artifact through the sample hosts, at 32x32 and 48x64: Debian's
 * Duktape (samples/hosts/duktape/restore.sh under an address-space cap) and QuickJS
 * (samples/hosts/quickjs/host.mjs under setMemoryLimit), byte for byte as Node restores it.
 * Interpreters take seconds per restore, so each model compiles once, and while one case runs its
 * QuickJS restore in this process, Duktape processes run the case and the next one beside it.
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
const SIZES = [
  { h: 32, w: 32 },
  { h: 48, w: 64 },
];
const CASES = MODELS.flatMap((name) => SIZES.map((size) => ({ name, ...size })));
const CAP_BYTES = 64 * 1024 * 1024;
const hasDuk = spawnSync("duk", ["-e", "print(1)"]).status === 0;

interface Restorer {
  restore(pixels: Uint8Array, width: number, height: number, channels: number): { data: Uint8Array };
  meta: { channels: number };
}

interface Compiled {
  readonly file: string;
  readonly node: Restorer;
  readonly channels: number;
}

const compiled = new Map<string, Compiled>();

/** The model's js artifact, compiled once for all its cases: its file and its Node instance. */
function compile(name: string): Compiled {
  const done = compiled.get(name);
  if (done) return done;
  const { plan } = planModelFile(join(ROOT, "samples", "models", name, "model.onnx"));
  const script = emitJs(plan, { compilerVersion: "test" });
  const file = join(mkdtempSync(join(tmpdir(), "qmc-device-host-")), "model.js");
  writeFileSync(file, script);
  const module = { exports: {} as Restorer };
  new Function("module", script)(module);
  const entry = { file, node: module.exports, channels: module.exports.meta.channels };
  compiled.set(name, entry);
  return entry;
}

function pixels(width: number, height: number, channels: number, seed: number): Uint8Array {
  const next = rng(seed);
  return Uint8Array.from({ length: width * height * channels }, () => Math.floor(next() * 256));
}

function inputOf(index: number): Uint8Array {
  const { name, h, w } = CASES[index];
  return pixels(w, h, compile(name).channels, h * w);
}

function inDuktape(file: string, input: Uint8Array, width: number, height: number, channels: number) {
  const host = join(ROOT, "samples", "hosts", "duktape", "restore.sh");
  return new Promise<Uint8Array>((resolve, reject) => {
    const child = spawn("prlimit", [`--as=${CAP_BYTES}`, host, file, String(width), String(height), String(channels)]);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(new Uint8Array(Buffer.concat(out)));
      else reject(new Error(`duktape host exited ${code}: ${Buffer.concat(err)}`));
    });
    child.stdin.end(input);
  });
}

const duktapeRuns = new Map<number, Promise<Uint8Array>>();

/** Case `index`'s Duktape restore, started on first request. */
function duktape(index: number): Promise<Uint8Array> {
  let run = duktapeRuns.get(index);
  if (!run) {
    const { name, h, w } = CASES[index];
    const { file, channels } = compile(name);
    run = inDuktape(file, inputOf(index), w, h, channels);
    // A case filtered out of the run never awaits its prefetched restore: its failure is not this run's.
    run.catch(() => {});
    duktapeRuns.set(index, run);
  }
  return run;
}

describe.runIf(hasDuk)("tiny sample models in the device hosts", () => {
  CASES.forEach(({ name, h, w }, index) => {
    // A loaded 2-core machine can take minutes over the larger size in two interpreters.
    it(`${name}: Duktape and QuickJS restore ${h}x${w} as Node does`, { timeout: 600_000 }, async () => {
      const fromDuktape = duktape(index);
      if (index + 1 < CASES.length) duktape(index + 1);
      const { file, node, channels } = compile(name);
      const input = inputOf(index);
      const expected = Buffer.from(node.restore(input, w, h, channels).data);
      const quick = await restoreRaw({ model: file, width: w, height: h, channels, limit: CAP_BYTES }, input);
      expect(Buffer.from(quick.data).equals(expected)).toBe(true);
      expect(quick.peakHeapBytes).toBeGreaterThan(0);
      expect(Buffer.from(await fromDuktape).equals(expected)).toBe(true);
    });
  });
});
