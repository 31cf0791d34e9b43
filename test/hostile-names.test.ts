import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { parse } from "acorn";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { TARGETS } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { nodeError, QmcError, terminalJson, terminalText } from "../compiler/diagnostics.js";
import { Interpreter } from "../compiler/interp/interpreter.js";
import { Tensor } from "../compiler/ir/tensor.js";
import { decodeModel } from "../compiler/onnx/decode.js";
import { onnx } from "../compiler/onnx/onnx-proto.js";
import type { ArtifactModule } from "../targets/shared/artifact.js";
import { asciiJson, commentText, identifier } from "../targets/shared/names.js";
import { printTypeScript } from "../targets/ts/emit.js";
import { hashInDuktape, hashInNode } from "./support/artifact-run.js";
import { qmc } from "./support/cli.js";
import { DT, floatTensor, node, tensorBytes, valueInfo } from "./support/onnx-builder.js";
import { strictTypeErrors } from "./support/strict-types.js";

/**
 * Everything that breaks generated code or a terminal when it comes raw from a model: line and
 * paragraph separators (which end an ES5 string literal), what ends a script element or a comment,
 * template and quote syntax, NUL, terminal escape sequences (window title, clear screen, a C1 CSI),
 * DEL, bidi overrides and isolates, invisible characters. `pwned` marks code that must never run.
 */
const HOSTILE = [
  "\u2028",
  "\u2029",
  "</script><script>pwned()</script>",
  "<!--",
  "*/ pwned(); /*",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template syntax is the hostile text here
  "`${pwned()}`",
  "'\"\\",
  "\0",
  "\x1b]0;pwned\x07",
  "\x1b[2J",
  "\x9b6n",
  "\x7f",
  "\u202e\u2066",
  "\r\n",
  "\u200b\ufeff",
].join("");

/** A file name can hold all of it but `/` and NUL. */
const FILE_STEM = `hostile ${HOSTILE.replace(/[/\0]/g, "")}`;

/** Raw in terminal output: any control but the line break, format characters, U+2028/U+2029. */
const TERMINAL_UNSAFE = /[^\P{Cc}\n]|[\p{Cf}\p{Zl}\p{Zp}]/u;
/** Raw in a script artifact: anything but printable ASCII and line breaks. */
const SCRIPT_UNSAFE = /[^\x20-\x7e\n]/;
const HTML_UNSAFE = /<\/script|<!--/i;

const hasDuk = spawnSync("duk", ["-e", "print(1)"]).status === 0;

/** One Conv -> Relu -> Add(skip) model whose every string is hostile, at a fixed 4x4 size. */
function hostileModel(): Uint8Array {
  const input = "__proto__";
  const weight = `w ${HOSTILE}`;
  const conv = `*/ pwned(); /* ${HOSTILE}`;
  const output = `${HOSTILE}${"y".repeat(3000)}${HOSTILE}`;
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: HOSTILE,
    producerVersion: HOSTILE,
    docString: HOSTILE,
    domain: HOSTILE,
    opsetImport: [{ domain: "", version: 17 }],
    metadataProps: [
      { key: HOSTILE, value: HOSTILE },
      { key: "qmc.task", value: HOSTILE },
    ],
    graph: {
      name: HOSTILE,
      docString: HOSTILE,
      node: [
        {
          ...node({
            op: "Conv",
            inputs: [input, weight, "constructor"],
            outputs: [conv],
            name: `</script>${HOSTILE}`,
            attrs: [{ name: "pads", type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }],
          }),
          docString: HOSTILE,
        },
        node({ op: "Relu", inputs: [conv], outputs: ["return"], name: "__proto__" }),
        node({
          op: "Add",
          inputs: ["return", input],
          outputs: [output],
          name: `${HOSTILE}${"x".repeat(5000)}${HOSTILE}`,
        }),
      ],
      input: [{ ...valueInfo(input, DT.FLOAT, [1, 3, 4, 4]), docString: HOSTILE }],
      output: [valueInfo(output, DT.FLOAT, [1, 3, 4, 4])],
      initializer: [
        floatTensor(
          weight,
          [3, 3, 3, 3],
          Array.from({ length: 81 }, (_, i) => ((i % 7) - 3) / 10),
        ),
        floatTensor("constructor", [3], [0.1, -0.2, 0.3]),
      ],
    },
  }).finish();
}

/** A model qmc refuses, naming a node whose name, op and domain are hostile. */
function unsupportedModel(): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: HOSTILE,
    opsetImport: [
      { domain: "", version: 17 },
      { domain: HOSTILE, version: 1 },
    ],
    graph: {
      name: HOSTILE,
      node: [node({ op: `Evil${HOSTILE}`, domain: HOSTILE, inputs: ["x"], outputs: ["y"], name: HOSTILE })],
      input: [valueInfo("x", DT.FLOAT, [1, 3, 4, 4])],
      output: [valueInfo("y", DT.FLOAT, [1, 3, 4, 4])],
    },
  }).finish();
}

function expectTerminalSafe(text: string): void {
  expect(text).not.toMatch(TERMINAL_UNSAFE);
}

/** Every identifier in an ES5 script, by acorn's parse (which also proves the script is ES5.1). */
function scriptIdentifiers(source: string): Set<string> {
  const names = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === "object") {
      const o = n as { type?: string; name?: string };
      if (o.type === "Identifier" && o.name) names.add(o.name);
      for (const v of Object.values(n)) if (v && typeof v === "object") walk(v);
    }
  };
  walk(parse(source, { ecmaVersion: 5, sourceType: "script" }));
  return names;
}

/** Unsigned LEB128 at `at`: the value and the offset after it. */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = bytes[i++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, i];
  }
}

/** The custom sections of a wasm binary by name. */
function customSections(wasm: Uint8Array): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>();
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = leb(wasm, at + 1);
    if (id === 0) {
      const [len, nameStart] = leb(wasm, start);
      const name = new TextDecoder().decode(wasm.subarray(nameStart, nameStart + len));
      found.set(name, wasm.subarray(nameStart + len, start + size));
    }
    at = start + size;
  }
  return found;
}

/** Every name in a wasm `name` section: module, functions, locals, globals, data segments... */
function wasmNames(section: Uint8Array): string[] {
  const names: string[] = [];
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let at = 0;
  const name = (): void => {
    const [len, start] = leb(section, at);
    names.push(decoder.decode(section.subarray(start, start + len)));
    at = start + len;
  };
  const nameMap = (): void => {
    let count: number;
    [count, at] = leb(section, at);
    for (let i = 0; i < count; i++) {
      [, at] = leb(section, at);
      name();
    }
  };
  while (at < section.length) {
    const id = section[at];
    const [size, start] = leb(section, at + 1);
    at = start;
    if (id === 0) name();
    else if (id === 2 || id === 3) {
      let count: number;
      [count, at] = leb(section, at);
      for (let i = 0; i < count; i++) {
        [, at] = leb(section, at);
        nameMap();
      }
    } else nameMap();
    expect(at).toBe(start + size);
  }
  return names;
}

describe("the escaping functions, one per destination", () => {
  it("terminal: controls, bidi, invisible characters and U+2028/9 are shown as escapes", () => {
    expect(terminalText("a\x1b[2Jb\x07\x9b\x7f\0\n\t")).toBe("a\\x1b[2Jb\\x07\\x9b\\x7f\\x00\\x0a\\x09");
    expect(terminalText("\u202e\u2066\u200b\ufeff\u2028\u2029\u{e0041}")).toBe(
      "\\u{202e}\\u{2066}\\u{200b}\\u{feff}\\u{2028}\\u{2029}\\u{e0041}",
    );
    // Readable text of any script stays, and escaping twice changes nothing.
    expect(terminalText("Größe 画像 ✓")).toBe("Größe 画像 ✓");
    expect(terminalText(terminalText(HOSTILE))).toBe(terminalText(HOSTILE));
    expectTerminalSafe(terminalText(HOSTILE));
  });

  it("terminal JSON: the same data, with what JSON.stringify leaves raw escaped", () => {
    const value = { name: HOSTILE, list: [HOSTILE, 1] };
    const text = terminalJson(value, 2);
    expectTerminalSafe(text);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("errors: a QmcError's lines and a node's strings reach the terminal escaped", () => {
    const e = new QmcError(`first ${HOSTILE}\nsecond`);
    expect(e.message.split("\n")).toHaveLength(3); // HOSTILE's own \r\n is a line break, kept
    expectTerminalSafe(e.message);
    const n = nodeError({ name: HOSTILE, opType: `Op${HOSTILE}`, domain: HOSTILE }, "bad");
    expect(n.message).not.toContain("\n");
    expectTerminalSafe(n.message);
  });

  it("comments: one printable line, no terminator, nothing that ends a script element", () => {
    const text = commentText(HOSTILE, 1000);
    expect(text).not.toMatch(/\*\/|\n|<\/|<!/);
    expect(text).not.toMatch(SCRIPT_UNSAFE);
    expect(text).toContain("\\u{2028}\\u{2029}<\\/script>");
    expect(commentText(`${"a".repeat(200)}*/`)).toHaveLength(100);
  });

  it("literals: ES5 JSON in printable ASCII that reads back exactly", () => {
    const value = { model: HOSTILE, emoji: "😀", list: ["</script>"] };
    const text = asciiJson(value, 2);
    expect(text).not.toMatch(SCRIPT_UNSAFE);
    expect(text).not.toMatch(HTML_UNSAFE);
    expect(JSON.parse(text)).toEqual(value);
    expect(runInNewContext(`(${text})`)).toEqual(value);
    expect(() => parse(`var m = ${text};`, { ecmaVersion: 5 })).not.toThrow();
  });

  it("identifiers (JS, TS and wasm names): letters, digits and underscores, never reserved", () => {
    for (const n of [HOSTILE, "__proto__", "constructor", "return", "x".repeat(5000)]) {
      expect(identifier("b1", n)).toMatch(/^b1(_[A-Za-z0-9]+)*$/);
    }
    expect(identifier("return", "")).toBe("return_");
  });

  it("ts: a kernel's local helper function type-checks under --strict", () => {
    const module: ArtifactModule = {
      header: ["a kernel body declares a helper of scalars, as DlsQuant's does"],
      sections: [
        {
          title: "Kernels",
          items: [
            {
              fn: {
                name: "twice_all",
                params: [{ name: "x", type: "Float32Array" }],
                returns: "void",
                body: "var i;\nfor (i = 0; i < x.length; i++) x[i] = twice(x[i]);\nfunction twice(q) {\n  return q * 2;\n}\n",
              },
            },
          ],
        },
      ],
      exportName: "qmc",
      exports: [{ name: "twice_all", value: "twice_all" }],
    };
    expect(strictTypeErrors(new Map([["/artifact.ts", printTypeScript(module)]]))).toEqual([]);
  });
});

describe("a model full of hostile strings", () => {
  const dir = mkdtempSync(join(tmpdir(), "qmc-hostile-"));
  const file = join(dir, `${FILE_STEM}.onnx`);
  const refused = join(dir, `refused ${FILE_STEM}.onnx`);
  writeFileSync(file, hostileModel());
  writeFileSync(refused, unsupportedModel());
  const artifacts = new Map<string, string | Uint8Array>();

  beforeAll(async () => {
    const { plan } = planModelFile(file);
    for (const [name, target] of TARGETS) artifacts.set(name, await target.emit(plan));
  });

  it("compiles for every target", () => {
    expect([...artifacts.keys()].sort()).toEqual(["js", "ts", "wasm", "wasm-relaxed", "wasm-simd"]);
  });

  it.each(["js", "ts"])("%s: printable ASCII, nothing that ends a script element, no injected code", (t) => {
    const text = artifacts.get(t) as string;
    expect(text).not.toMatch(SCRIPT_UNSAFE);
    expect(text).not.toMatch(HTML_UNSAFE);
    const source =
      t === "js" ? text : ts.transpileModule(text, { compilerOptions: { target: ts.ScriptTarget.ES5 } }).outputText;
    expect(scriptIdentifiers(source).has("pwned")).toBe(false);
  });

  it("js: loads and runs in Node, and its meta names the model exactly", () => {
    const js = artifacts.get("js") as string;
    const calls: string[] = [];
    const meta = runInNewContext(`${js}\nqmc.meta`, { pwned: () => calls.push("pwned") }) as { model: string };
    expect(meta.model).toBe(FILE_STEM);
    expect(hashInNode(js, 4, 4)).toMatch(/^qmc-output-hash 48 \d+$/);
    expect(calls).toEqual([]);
  });

  // Duktape refused the whole script when a raw U+2028 ended a string literal of `meta`.
  it.skipIf(!hasDuk)("js: loads and runs in Duktape, as in Node", () => {
    const js = artifacts.get("js") as string;
    expect(hashInDuktape(js, 4, 4)).toBe(hashInNode(js, 4, 4));
  });

  it("ts: passes tsc --strict --noEmit", () => {
    expect(strictTypeErrors(new Map([["/artifact.ts", artifacts.get("ts") as string]]))).toEqual([]);
  }, 60_000);

  it.each(["wasm", "wasm-simd", "wasm-relaxed"])(
    "%s: every name is an identifier and qmc.meta is ASCII JSON naming the model exactly",
    (t) => {
      const sections = customSections(artifacts.get(t) as Uint8Array);
      const names = wasmNames(sections.get("name") as Uint8Array);
      expect(names.length).toBeGreaterThan(0);
      for (const n of names) expect(n).toMatch(/^[A-Za-z0-9_]+$/);
      const meta = new TextDecoder().decode(sections.get("qmc.meta"));
      expect(meta).not.toMatch(SCRIPT_UNSAFE);
      expect(meta).not.toMatch(HTML_UNSAFE);
      expect(JSON.parse(meta).model).toBe(FILE_STEM);
    },
  );

  describe("every CLI message", () => {
    it.each([[[]], [["--json"]], [["--plan"]], [["--targets", "js,wasm"]]])("inspect %j", (flags) => {
      const r = qmc("inspect", file, ...flags);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expectTerminalSafe(r.stdout);
      if (flags[0] === "--json") expect(JSON.parse(r.stdout).outputs[0].name).toContain(HOSTILE);
      else expect(r.stdout).toContain("\\x1b]0;pwned\\x07\\x1b[2J");
    });

    it("inspect of a model with a hostile unsupported node, and the error compiling it", () => {
      const r = qmc("inspect", refused);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/unsupported nodes: 1/);
      expectTerminalSafe(r.stdout);
      const out = join(dir, "out");
      mkdirSync(out, { recursive: true });
      const c = qmc("compile", refused, "--target", "js", "-o", out);
      expect(c.status).toBe(2);
      expect(c.stderr).toContain("Evil");
      expectTerminalSafe(c.stderr);
    });

    it("verify: the PASS rows and the JSON name the hostile output escaped", () => {
      const golden = join(dir, "golden-pass");
      mkdirSync(golden, { recursive: true });
      const x = Tensor.from(
        "float32",
        [1, 3, 4, 4],
        Float32Array.from({ length: 48 }, (_, i) => (i % 7) / 7),
      );
      const model = decodeModel(readFileSync(file), { file });
      const [y] = new Interpreter(model, file).run([x]);
      const pb = (name: string, t: Tensor) => tensorBytes(floatTensor(name, [...t.shape], [...t.values]));
      writeFileSync(join(golden, "input_0.pb"), pb(model.graph.inputs[0].name, x));
      writeFileSync(join(golden, "output_0.pb"), pb(model.graph.outputs[0].name, y));
      for (const flags of [[], ["--json"], ["--target", "js"]]) {
        const r = qmc("verify", file, "--golden", golden, ...flags);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expectTerminalSafe(r.stdout);
      }
    });

    // verify's errors are QmcErrors, escaped whatever path they name.
    it("verify: an error naming a hostile golden folder", () => {
      const golden = join(dir, `golden ${FILE_STEM}`);
      mkdirSync(golden, { recursive: true });
      const r = qmc("verify", file, "--golden", golden);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("no output_N.pb files");
      expectTerminalSafe(r.stderr);
    });
  });
});
