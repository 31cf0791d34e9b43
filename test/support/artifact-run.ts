import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";

interface Bundle {
  meta: { channels: number; scale: number };
  memory: ArrayBuffer;
  qmc_prepare(h: number, w: number): number;
  qmc_input(): number;
  qmc_output(): number;
  qmc_run(): number;
}

/** Runs an ES5 artifact's ABI once on a (1, C, H, W) input; returns the output planes. */
export function runScript(source: string, input: Float32Array, h: number, w: number): Float32Array {
  const module = { exports: {} as Bundle & { default?: Bundle } };
  new Function("module", "exports", source)(module, module.exports);
  // A transpiled ts artifact exports { default, qmc }; an ES5 one assigns the bundle itself.
  const q = module.exports.default ?? module.exports;
  if (q.qmc_prepare(h, w) !== 0) throw new Error(`qmc_prepare(${h}, ${w}) failed`);
  new Float32Array(q.memory, q.qmc_input(), input.length).set(input);
  if (q.qmc_run() !== 0) throw new Error("qmc_run failed");
  const n = q.meta.channels * h * w * q.meta.scale * q.meta.scale;
  return Float32Array.from(new Float32Array(q.memory, q.qmc_output(), n));
}

/**
 * A harness any ES5 engine runs after the artifact: a deterministic input, one inference, and an
 * FNV-style hash of the output's float32 bit patterns, printed. Equal hashes on two engines mean
 * byte-identical outputs.
 */
const HARNESS = `
var q = typeof module === "object" && module.exports && module.exports.qmc_run ? module.exports : qmc;
var h = HEIGHT, w = WIDTH, c = q.meta.channels;
if (q.qmc_prepare(h, w) !== 0) throw new Error("prepare failed");
var x = new Float32Array(q.memory, q.qmc_input(), c * h * w);
var s = 12345, i;
for (i = 0; i < x.length; i++) { s = (s * 1103515245 + 12345) % 2147483648; x[i] = s / 2147483648; }
if (q.qmc_run() !== 0) throw new Error("run failed");
var n = c * h * w * q.meta.scale * q.meta.scale;
var bits = new Uint32Array(q.memory, q.qmc_output(), n);
var hash = 2166136261;
for (i = 0; i < n; i++) { hash = ((hash ^ bits[i]) >>> 0) * 16777619 >>> 0; hash = ((hash << 7) | (hash >>> 25)) >>> 0; }
print("qmc-output-hash " + n + " " + hash);
`;

function harness(h: number, w: number): string {
  return HARNESS.replace("HEIGHT", String(h)).replace("WIDTH", String(w));
}

/** The harness run by Node (in a fresh context with `print`, as a plain script: no `module`). */
export function hashInNode(source: string, h: number, w: number): string {
  const lines: string[] = [];
  runInNewContext(`${source}\n${harness(h, w)}`, { print: (s: string) => lines.push(s) });
  return lines.join("\n");
}

/** The harness run by Debian's Duktape (`duk`), an ES5.1 engine of the microcontroller class. */
export function hashInDuktape(source: string, h: number, w: number): string {
  const dir = mkdtempSync(join(tmpdir(), "qmc-duk-"));
  const file = join(dir, "run.js");
  writeFileSync(file, `${source}\n${harness(h, w)}`);
  const r = spawnSync("duk", [file], { encoding: "utf8" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`duk failed: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}
