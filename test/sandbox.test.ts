import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { loadEngine, loadModel } from "../runtime/core/load.js";
import { loadModelFile, writeImageFile } from "../runtime/node/files.js";
import { SCRIPT_TIMEOUT_ENV, sandboxedEvaluator } from "../runtime/node/sandbox.js";
import { transpileTypeScript } from "../runtime/node/typescript.js";
import { jsArtifact } from "./runtime/support/artifacts.js";
import { qmc, STACK_LINE } from "./support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "qmc-sandbox-"));
const MARKER = join(dir, "escaped.txt");
const IMAGE = join(dir, "in.png");

/** A working identity artifact (scale 1, RGB) with `before` run first and `inRun` run by every qmc_run. */
function artifact(before: string, inRun = ""): string {
  return `${before}\n${jsArtifact(1, 3).replace("qmc_run: function () {", `qmc_run: function () { ${inRun}`)}`;
}

/** What a hostile script does once it holds `fs`, or `process`: leaves a mark on the host's disk. */
const WRITE_MARKER = `.writeFileSync(${JSON.stringify(MARKER)}, "escaped")`;
const ESCAPE = `.getBuiltinModule("fs")${WRITE_MARKER}`;

/** Each attempt with what becomes of it: the error it ends in, or null where it is contained silently. */
const HOSTILE: readonly { name: string; source: string; error: RegExp | null }[] = [
  { name: "process.exit", source: artifact("process.exit(9);"), error: /process is not defined/ },
  { name: "require('fs')", source: artifact(`require("fs")${WRITE_MARKER};`), error: /require is not defined/ },
  {
    name: "import('fs'), refused and its rejection left unhandled",
    source: artifact(`import("fs").then(function (fs) { fs${WRITE_MARKER}; });`),
    error: null,
  },
  { name: "globalThis.process", source: artifact(`globalThis.process${ESCAPE};`), error: /reading 'getBuiltinModule'/ },
  {
    name: "this.constructor.constructor",
    source: artifact(`this.constructor.constructor("return process")()${ESCAPE};`),
    error: /Code generation from strings disallowed/,
  },
  {
    name: "Function('return this')",
    source: artifact(`Function("return this")().process${ESCAPE};`),
    error: /Code generation from strings disallowed/,
  },
  {
    name: "setTimeout",
    source: artifact("setTimeout(function () { process.exit(9); }, 0);"),
    error: /setTimeout is not/,
  },
  {
    name: "an async function's unhandled rejection",
    source: artifact('(async function () { throw new Error("never handled"); })();'),
    error: null,
  },
  {
    name: "host stack frames through Error.prepareStackTrace",
    source: artifact(`Error.prepareStackTrace = function (e, frames) { return frames; };
var frames = new Error().stack;
for (var i = 0; i < frames.length; i++) {
  var f = frames[i].getFunction && frames[i].getFunction();
  if (f) f.constructor("return process")()${ESCAPE};
}`),
    error: null,
  },
  {
    name: "prototype pollution",
    source: artifact(`Object.prototype.polluted = "yes";
Array.prototype.push = function () { throw new Error("polluted push"); };
JSON.stringify = function () { return "{}"; };`),
    error: null,
  },
  {
    name: "an infinite loop while evaluating",
    source: artifact("for (;;) {}"),
    error: /the artifact script did not return within 1 s/,
  },
  {
    name: "an infinite loop in qmc_run",
    source: artifact("", "for (;;) {}"),
    error: /qmc_run did not return within 1 s \(the sandbox's limit; QMC_SCRIPT_TIMEOUT=SECONDS sets it\)/,
  },
];

const files = HOSTILE.map((h, i) => {
  const path = join(dir, `hostile-${i}.js`);
  writeFileSync(path, h.source);
  return path;
});

const previousTimeout = process.env[SCRIPT_TIMEOUT_ENV];
beforeAll(() => {
  writeImageFile(IMAGE, { data: new Uint8Array(6 * 5 * 3).fill(77), width: 6, height: 5, channels: 3 });
  // The CLI below inherits it (test/support/cli.ts passes the environment on).
  process.env[SCRIPT_TIMEOUT_ENV] = "1";
});
afterAll(() => {
  if (previousTimeout === undefined) delete process.env[SCRIPT_TIMEOUT_ENV];
  else process.env[SCRIPT_TIMEOUT_ENV] = previousTimeout;
});

describe("sandbox: hostile js artifacts are refused or contained", () => {
  it.each(HOSTILE.map((h, i) => [h.name, i] as const))("loadModelFile: %s", async (_, i) => {
    const { error } = HOSTILE[i];
    const loading = (async () => {
      const model = await loadModelFile(files[i], { evaluate: sandboxedEvaluator({ timeoutSeconds: 1 }) });
      return model.restore({ data: new Uint8Array(4 * 4 * 3).fill(9), width: 4, height: 4, channels: 3 });
    })();
    if (error) await expect(loading).rejects.toThrow(error);
    else expect((await loading).image.data).toEqual(new Uint8Array(4 * 4 * 3).fill(9));
    // Let any rejection the script left behind reach Node's unhandled-rejection check.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(existsSync(MARKER)).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect([1].concat([2])).toEqual([1, 2]);
    expect(JSON.stringify({ a: 1 })).toBe('{"a":1}');
  });

  it.each(HOSTILE.map((h, i) => [h.name, i] as const))("qmc run: %s", (_, i) => {
    const { error } = HOSTILE[i];
    const r = qmc("run", files[i], IMAGE, "-o", join(dir, `out-${i}.png`));
    if (error) {
      expect(r.stderr).toMatch(error);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    } else {
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(MARKER)).toBe(false);
  });

  it("a memory getter that never returns is stopped too", async () => {
    const source = artifact("").replace(
      "return 0;\n    },\n    qmc_input",
      'Object.defineProperty(bundle, "memory", { get: function () { for (;;) {} } });\n      return 0;\n    },\n    qmc_input',
    );
    expect(source).toContain("for (;;)");
    const engine = await loadEngine(source, { evaluate: sandboxedEvaluator({ timeoutSeconds: 0.5 }) });
    engine.prepare(2, 2);
    expect(() => engine.input()).toThrow(/the artifact's memory getter did not return within 0.5 s/);
  });

  it("a time limit that is not a positive number of seconds is refused", async () => {
    process.env[SCRIPT_TIMEOUT_ENV] = "soon";
    await expect(loadModelFile(files[0])).rejects.toThrow(
      /QMC_SCRIPT_TIMEOUT is "soon": expected a positive number of seconds/,
    );
    process.env[SCRIPT_TIMEOUT_ENV] = "1";
    await expect(loadModel(artifact(""), { evaluate: sandboxedEvaluator({ timeoutSeconds: 0 }) })).rejects.toThrow(
      /the sandbox's time limit is 0: expected a positive number of seconds/,
    );
  });
});

describe("sandbox: compiled artifacts restore as they do unsandboxed", () => {
  const model = join(import.meta.dirname, "..", "samples", "models", "espcn-x3-dyn", "model.onnx");
  const image = {
    data: Uint8Array.from({ length: 24 * 20 }, (_, i) => (i * 37) % 256),
    width: 24,
    height: 20,
    channels: 1,
  };
  it.each(["js", "ts"])("%s: byte-identical output; the per-tile overhead is printed", async (target) => {
    const source = (await targetNamed(target).emit(planModelFile(model).plan)) as string;
    const path = join(dir, `model.${target}`);
    writeFileSync(path, source);
    const sandboxed = await loadModelFile(path);
    const plain = await loadModel(source, { transpile: transpileTypeScript });
    const tiles = { tile: 8, overlap: 2 };
    // Timed on the second restore of each, once both have been compiled by the JIT.
    const timed = async (m: typeof plain) => {
      await m.restore(image, tiles);
      const start = performance.now();
      const restored = await m.restore(image, tiles);
      return { restored, ms: performance.now() - start };
    };
    const a = await timed(sandboxed);
    const b = await timed(plain);
    expect(a.restored.image.data).toEqual(b.restored.image.data);
    const count = a.restored.tiling.ys.length * a.restored.tiling.xs.length;
    console.log(
      `sandbox ${target}: ${count} tiles, ${a.ms.toFixed(1)} ms sandboxed, ${b.ms.toFixed(1)} ms not: ` +
        `${((a.ms - b.ms) / count).toFixed(2)} ms per tile`,
    );
  });
});
